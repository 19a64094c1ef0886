import { registry } from "@web/core/registry";

// An agent opens a ticket, sees the suggested article in the Assist area and sends it
// in a reply: the composer opens with a link to the article's help page.
registry.category("web_tour.tours").add("helpdesk_itil_ticket_article_tour", {
    steps: () => [
        {
            content: "The Assist area suggests the article",
            trigger: ".o_helpdesk_suggested_articles .o_kanban_record:contains('Tour: Reset your VPN password')",
        },
        {
            content: "Send it in a reply",
            trigger:
                ".o_helpdesk_suggested_articles .o_kanban_record:contains('Tour: Reset your VPN password') button[name='action_send_in_reply']",
            run: "click",
        },
        {
            content: "The composer holds the link",
            trigger: ".modal .o_mail_composer_form_view .note-editable a[href*='/help/'], .modal .note-editable a[href*='/help/'], .modal .odoo-editor-editable a[href*='/help/']",
        },
        {
            content: "Send it",
            trigger: ".modal button[name='action_send_mail']",
            run: "click",
        },
        {
            content: "The reply is in the chatter",
            trigger: ".o-mail-Message:contains('This article explains how to solve it')",
        },
    ],
});
