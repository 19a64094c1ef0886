import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";

/**
 * "My performance": the current user's open tickets, those with an SLA at risk, and the
 * median time to first response (business hours) of the tickets they first answered this
 * week, read from helpdesk.team.get_my_performance (the stamped KPI fields, read-only).
 */
export class HelpdeskMyPerformance extends Component {
    static template = "helpdesk_itil.MyPerformance";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ figures: null });
        onWillStart(async () => {
            this.state.figures = await this.orm.call("helpdesk.team", "get_my_performance", []);
        });
    }

    get firstResponse() {
        const median = this.state.figures.first_response_median;
        return median === null || median === false ? "–" : `${median.toFixed(1)} h`;
    }

    async openTickets(atRisk) {
        const action = await this.orm.call("helpdesk.team", "action_my_tickets", [], { at_risk: atRisk });
        return this.action.doAction(action);
    }
}

export class HelpdeskTeamOverviewRenderer extends KanbanRenderer {
    static template = "helpdesk_itil.TeamOverviewRenderer";
    static components = { ...KanbanRenderer.components, HelpdeskMyPerformance };
}

registry.category("views").add("helpdesk_team_overview_kanban", {
    ...kanbanView,
    Renderer: HelpdeskTeamOverviewRenderer,
});
