import { registry } from "@web/core/registry";

// An agent opens a printer ticket, ticks the required step on the Checklist tab and saves:
// the progress counts it.
registry.category("web_tour.tours").add("helpdesk_itil_ticket_checklist_tour", {
    steps: () => [
        {
            content: "Open the Checklist tab",
            trigger: ".o_notebook a.nav-link:contains('Checklist')",
            run: "click",
        },
        {
            content: "The category's steps are there",
            trigger: ".o_field_widget[name='checklist_line_ids'] .o_data_row:contains('Clear the print queue')",
        },
        {
            content: "Tick the required step",
            trigger:
                ".o_field_widget[name='checklist_line_ids'] .o_data_row:contains('Print a test page') .o_field_boolean_toggle input",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The progress counts it",
            trigger: ".o_form_saved .o_field_widget[name='checklist_progress']:contains('1/3')",
        },
    ],
});
