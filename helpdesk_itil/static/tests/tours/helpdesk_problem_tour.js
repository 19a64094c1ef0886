import { registry } from "@web/core/registry";

// An agent opens a new ticket: the Assist area shows the known error it matches. The agent
// links the ticket to it and sends the workaround to the customer.
registry.category("web_tour.tours").add("helpdesk_itil_known_error_tour", {
    steps: () => [
        {
            content: "The Assist area shows the known error and its workaround",
            trigger: ".o_helpdesk_known_errors .o_kanban_record:contains('Known error'):contains('Tour keep-alive')",
        },
        {
            content: "Link the ticket to the problem",
            trigger: "div[name='problem_id'] input",
            run: "edit Tour VPN",
        },
        {
            content: "Pick the known error",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour VPN gateway')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Send the workaround to the customer",
            trigger: "button[name='action_send_workaround']",
            run: "click",
        },
        {
            content: "The reply is in the chatter",
            trigger: ".o-mail-Message:contains('this workaround restores the service')",
        },
    ],
});

// The problem manager resolves every open incident of a resolved problem in one click.
registry.category("web_tour.tours").add("helpdesk_itil_resolve_incidents_tour", {
    steps: () => [
        {
            content: "Resolve the linked incidents",
            trigger: "button[name='action_resolve_incidents']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The button is gone: no open incident left",
            trigger: ".o_form_view:not(:has(button[name='action_resolve_incidents'])) .o_statusbar_status",
        },
    ],
});
