import { registry } from "@web/core/registry";

// An agent opens the team overview, drills into the team's open tickets, opens the
// urgent ticket from the kanban, takes it and moves it to "In Progress". On the way, an
// escalated L2 ticket shows its escalation level and its support level apart.
registry.category("web_tour.tours").add("helpdesk_itil_ticket_kanban_tour", {
    url: "/odoo/action-helpdesk_itil.helpdesk_team_action_overview",
    steps: () => [
        {
            trigger: ".o_kanban_record:contains('Tour Team') a[name='action_view_tickets']:contains('Open')",
            run: "click",
        },
        {
            trigger: ".o_kanban_group .o_kanban_record:contains('Mail server down') .badge:contains('P1')",
        },
        {
            // The escalation level reads "Esc. 1"; the support level (L2) is its own badge,
            // shown above L1 only.
            trigger: ".o_kanban_record:contains('Escalated printer') .badge[title='Escalation level']:contains('Esc. 1')",
        },
        {
            trigger: ".o_kanban_record:contains('Escalated printer') .badge[title='Support level']:contains('L2')",
        },
        {
            trigger:
                ".o_kanban_record:contains('Mail server down'):not(:has(.badge[title='Escalation level'], .badge[title='Support level']))",
        },
        {
            trigger: ".o_kanban_record:contains('Mail server down')",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_assign_to_me']",
            run: "click",
        },
        {
            // Taken: the button is gone once the ticket is saved with the agent.
            trigger: ".o_form_view:not(:has(button[name='action_assign_to_me']))",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button:contains('In Progress')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
        {
            trigger: ".o_form_button_save:not(:visible), .o_form_status_indicator_buttons:not(:visible)",
        },
    ],
});
