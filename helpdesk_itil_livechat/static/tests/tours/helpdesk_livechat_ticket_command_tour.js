import { registry } from "@web/core/registry";

/**
 * An operator files a ticket from a live chat with the /ticket command, picked from the
 * composer's command suggestions. The tour starts on the conversation itself
 * (/odoo/discuss?active_id=discuss.channel_<id>) and finds it by its visitor's name.
 * Data: helpdesk_itil_livechat/tests/test_livechat_ticket.py.
 */
const composer = ".o-mail-Composer-input[placeholder*='Tour Visitor Ticket Command']";

registry.category("web_tour.tours").add("helpdesk_itil_livechat.ticket_command", {
    steps: () => [
        {
            content: "Discuss opens the visitor's conversation",
            trigger: ".o-mail-DiscussContent-threadName[title='Tour Visitor Ticket Command']",
        },
        {
            content: "Type the beginning of the command",
            trigger: composer,
            run: "edit /tic",
        },
        {
            content: "The /ticket command is suggested in a live chat",
            trigger: ".o-mail-Composer-suggestion:contains(ticket)",
            run: "click",
        },
        {
            content: "Give the ticket subject",
            trigger: composer,
            run: "edit /ticket Printer on floor 2 is jammed",
        },
        {
            trigger: composer,
            run: "press Enter",
        },
        {
            content: "The conversation shows a link to the new ticket",
            trigger: ".o-mail-Message:contains(Created a new ticket) a:contains(Printer on floor 2 is jammed)",
        },
    ],
});
