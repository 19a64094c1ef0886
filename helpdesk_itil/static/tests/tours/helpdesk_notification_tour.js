import { registry } from "@web/core/registry";

// An agent opens Discuss: the team's new-ticket notice is in their inbox; the ticket
// link in it opens the ticket.
registry.category("web_tour.tours").add("helpdesk_itil_notification_tour", {
    url: "/odoo/action-mail.action_discuss",
    steps: () => [
        {
            trigger: ".o-mail-DiscussSidebar-item:contains('Inbox')",
            run: "click",
        },
        {
            trigger: ".o-mail-Message:contains('A new ticket is waiting for an assignee in Tour Notice Team')",
        },
        {
            trigger: ".o-mail-Message a:contains('Printer on fire')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='name'] input:value('Printer on fire')",
        },
    ],
});
