import { registry } from "@web/core/registry";

/**
 * An operator files a ticket from a live chat with the /ticket command, picked from the
 * composer's command suggestions. Data: helpdesk_itil_livechat/tests/test_livechat_ticket.py.
 */
registry.category("web_tour.tours").add("helpdesk_itil_livechat.ticket_command", {
    steps: () => [
        {
            content: "Wait for Discuss to show its first conversation",
            trigger: ".o-mail-Discuss .o-mail-Composer-input",
        },
        {
            content: "Open the visitor's conversation",
            trigger: ".o-mail-DiscussSidebarChannel:contains(Visitor)",
            run: "click",
        },
        {
            content: "Type the beginning of the command",
            trigger: ".o-mail-Composer-input[placeholder*='Visitor']",
            run: "edit /tic",
        },
        {
            content: "The /ticket command is suggested in a live chat",
            trigger: ".o-mail-Composer-suggestion:contains(ticket)",
            run: "click",
        },
        {
            content: "Give the ticket subject",
            trigger: ".o-mail-Composer-input[placeholder*='Visitor']",
            run: "edit /ticket Printer on floor 2 is jammed",
        },
        {
            trigger: ".o-mail-Composer-input[placeholder*='Visitor']",
            run: "press Enter",
        },
        {
            content: "The conversation shows a link to the new ticket",
            trigger: ".o-mail-Message:contains(Created a new ticket) a:contains(Printer on floor 2 is jammed)",
        },
    ],
});
