import { registry } from "@web/core/registry";

// A customer types a subject on the portal's new-request form, opens the article the form
// suggests and confirms it solved the problem (a confirmed deflection, no ticket sent).
registry.category("web_tour.tours").add("helpdesk_itil_knowledge_tour", {
    url: "/my/tickets/new?category_id=0",
    steps: () => [
        {
            content: "Type the subject",
            trigger: "form.o_helpdesk_ticket_submit input[name='name']",
            run: "edit Cannot reset my VPN pasword",
        },
        {
            content: "The form suggests the article; open it",
            trigger: ".o_helpdesk_article_suggestion:contains('Tour: Reset your VPN password')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The article is shown",
            trigger: ".o_helpdesk_article_body:contains('Forgot password')",
        },
        {
            content: "It solved the problem",
            trigger: ".o_helpdesk_article_yes:contains('Yes, this solved my problem')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "No request needed",
            trigger: ".o_helpdesk_article_solved",
        },
    ],
});
