import { registry } from "@web/core/registry";

// An agent answers a ticket with a macro: picks it in the Apply Macro dialog, sees the
// message filled in for the ticket and what the macro does, applies it; the ticket waits
// on the customer and the chatter shows the reply and the macro's note.
registry.category("web_tour.tours").add("helpdesk_itil_macro_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_apply_macro']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='macro_id'] input",
            run: "edit Tour: ask",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour: ask for logs and wait')",
            run: "click",
        },
        {
            // The message as the customer will read it: placeholders filled in.
            trigger: ".modal .o_field_widget[name='preview']:contains('Hello Carla Contact, please send the logs')",
        },
        {
            trigger: ".modal .o_field_widget[name='actions_summary']:contains('Waiting for: logs from the customer')",
        },
        {
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Waiting for Customer')",
        },
        {
            trigger: ".o-mail-Message:contains('Hello Carla Contact, please send the logs')",
        },
        {
            trigger: ".o-mail-Message:contains('Waiting for: logs from the customer')",
        },
    ],
});

// An agent types "::" in a ticket's chatter: the canned response scoped to the ticket's
// team comes first; once inserted, its placeholders are filled in for the ticket and the
// one that is not a placeholder is reported.
registry.category("web_tour.tours").add("helpdesk_itil_canned_response_tour", {
    steps: () => [
        {
            trigger: ".o-mail-Chatter-topbar button:contains('Send message')",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit ::tour",
        },
        {
            // Scoped to the ticket's team: first, although "tour a..." sorts before it.
            trigger: ".o-mail-Composer-suggestion:first:contains('tour team')",
        },
        {
            trigger: ".o-mail-Composer-suggestion:contains('tour team')",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            run() {
                const value = this.anchor.value;
                const reference = document.querySelector(".o_form_view .o_field_widget[name='reference']");
                const expected = `Hi Carla Contact, about ${reference.textContent.trim()} ({{ object.x }})`;
                if (!value.includes(expected)) {
                    throw new Error(`Composer should contain "${expected}", got "${value}"`);
                }
            },
        },
        {
            trigger: ".o_notification:contains('Not placeholders, left as typed: {{ object.x }}')",
        },
        {
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            trigger: ".o-mail-Message:contains('Hi Carla Contact, about')",
        },
    ],
});
