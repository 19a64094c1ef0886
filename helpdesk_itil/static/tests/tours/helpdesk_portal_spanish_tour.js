import { registry } from "@web/core/registry";

// A customer whose language is Spanish submits a request from the portal, then confirms
// and rates a resolved ticket: every text asserted here is one of our Spanish strings.
registry.category("web_tour.tours").add("helpdesk_itil_portal_spanish_tour", {
    url: "/my/tickets/new",
    steps: () => [
        {
            content: "The request form is in Spanish",
            trigger: ".o_helpdesk_ticket_form h1:contains('Enviar una solicitud')",
        },
        {
            content: "The urgency question is in Spanish",
            trigger: "label[for='helpdesk_urgency']:contains('¿Qué urgencia tiene?')",
        },
        {
            content: "Write the subject",
            trigger: "input[name='name']",
            run: "edit La impresora del almacén no imprime",
        },
        {
            content: "Say how urgent it is",
            trigger: "select[name='urgency']",
            run: "selectByLabel Ralentiza mi trabajo",
        },
        {
            content: "Describe the request",
            trigger: "textarea[name='description']",
            run: "edit Desde esta mañana ninguna etiqueta sale de la impresora.",
        },
        {
            content: "Send it",
            trigger: ".o_helpdesk_ticket_submit button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The thank-you page is in Spanish",
            trigger: ".o_helpdesk_ticket_thanks h1:contains('Gracias, su solicitud se ha registrado.')",
        },
        {
            content: "Go to my tickets",
            trigger: ".o_helpdesk_ticket_thanks",
            run: "goToUrl /my/tickets",
            expectUnloadPage: true,
        },
        {
            content: "Open the resolved ticket",
            trigger: ".o_helpdesk_portal_ticket_row a:contains('Tour: el escáner no envía correos')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The resolution banner asks in Spanish",
            trigger: ".o_helpdesk_resolution_banner:contains('¿Se ha resuelto su problema?')",
        },
        {
            content: "Confirm that the problem is solved",
            trigger: ".o_helpdesk_confirm_form button[name='confirm']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation is in Spanish",
            trigger: ".o_helpdesk_portal_message:contains('su ticket ya está cerrado')",
        },
        {
            content: "The rating form asks in Spanish",
            trigger: ".o_helpdesk_rating_form h5:contains('¿Qué tal lo hemos hecho?')",
        },
        {
            content: "Choose the happy face, labelled in Spanish",
            trigger: ".o_helpdesk_rating_form .o_helpdesk_rating_face:contains('Satisfecho')",
            run: "click",
        },
        {
            content: "Send the rating",
            trigger: ".o_helpdesk_rating_form button[type='submit']:contains('Enviar mi valoración')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The rating is recorded",
            trigger: ".o_helpdesk_rating_given",
        },
    ],
});
