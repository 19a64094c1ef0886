import { registry } from "@web/core/registry";

// A team lead opens the Ticket Analysis pivot and clicks a figure of their team: the
// tickets behind it open (helpdesk_report_pivot), not the report's rows.
registry.category("web_tour.tours").add("helpdesk_itil_report_drilldown_tour", {
    url: "/odoo/action-helpdesk_itil.helpdesk_ticket_analysis_action",
    steps: () => [
        {
            trigger: ".o_pivot tbody tr:has(th:contains('Report Team')) td.o_pivot_cell_value",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Tickets')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Printer jams on every page')",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Outside the cell')))",
        },
    ],
});
