import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";

// A customer opens their resolved ticket from the portal home, replies with an
// attachment, confirms the resolution and rates the service.
registry.category("web_tour.tours").add("helpdesk_itil_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open the tickets from the portal home",
            trigger: ".o_portal_docs a[href='/my/tickets']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the resolved ticket",
            trigger: ".o_helpdesk_portal_ticket_row a:contains('Tour: scanner does not scan to email')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The ticket waits for the customer's confirmation",
            trigger: ".o_helpdesk_resolution_banner:contains('Is your problem solved?')",
        },
        {
            content: "Write a reply",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Scanning works again, here is the scan log.",
        },
        {
            content: "Attach a file",
            trigger: "#chatterRoot:shadow .o-mail-Composer",
            async run() {
                const file = new File(["scan ok 10:42"], "scan-log.txt", { type: "text/plain" });
                await inputFiles(".o-mail-Composer .o_input_file", [file], {
                    target: document.querySelector("#chatterRoot").shadowRoot,
                });
            },
        },
        {
            content: "The file is uploaded",
            trigger: "#chatterRoot:shadow .o-mail-Composer .o-mail-AttachmentContainer:not(.o-isUploading):contains(scan-log.txt)",
        },
        {
            content: "Send the reply",
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The reply and its attachment are in the conversation",
            trigger:
                "#chatterRoot:shadow .o-mail-Message:contains(Scanning works again) .o-mail-AttachmentContainer:contains(scan-log.txt)",
        },
        {
            content: "Confirm that the problem is solved",
            trigger: ".o_helpdesk_confirm_form button[name='confirm']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The ticket is closed",
            trigger: ".o_helpdesk_portal_message:contains('your ticket is now closed')",
        },
        {
            content: "Choose the happy face",
            trigger: ".o_helpdesk_rating_form .o_helpdesk_rating_face:has(input[value='5'])",
            run: "click",
        },
        {
            content: "Leave a comment",
            trigger: ".o_helpdesk_rating_form textarea[name='feedback']",
            run: "edit Quick fix, thank you!",
        },
        {
            content: "Send the rating",
            trigger: ".o_helpdesk_rating_form button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The rating is recorded",
            trigger: ".o_helpdesk_rating_given:contains('Happy')",
        },
    ],
});
