import { registry } from "@web/core/registry";

// An agent opens the overview: the My performance strip shows their open tickets and the
// one at risk; the SLA at Risk figure of their team opens that ticket; the created count of
// the last 7 days opens the tickets created.
registry.category("web_tour.tours").add("helpdesk_itil_team_overview_tour", {
    url: "/odoo/action-helpdesk_itil.helpdesk_team_action_overview",
    steps: () => [
        {
            trigger: ".o_helpdesk_my_performance .o_helpdesk_my_open:contains('2')",
        },
        {
            trigger: ".o_helpdesk_my_performance .o_helpdesk_my_at_risk:contains('1')",
        },
        {
            trigger: ".o_kanban_record:contains('Overview Team') .o_helpdesk_team_sla_at_risk:contains('1')",
            run: "click",
        },
        {
            trigger: ".o_kanban_renderer .o_kanban_record:contains('Router on fire')",
        },
        {
            trigger: ".o_kanban_renderer:not(:has(.o_kanban_record:contains('Quiet printer')))",
        },
        {
            trigger: ".o_breadcrumb li.breadcrumb-item a:contains('Overview')",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains('Overview Team') .o_helpdesk_team_created_count:contains('2')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Quiet printer')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Router on fire')",
        },
    ],
});
