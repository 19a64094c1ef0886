import { registry } from "@web/core/registry";
import { graphView } from "@web/views/graph/graph_view";
import { GraphRenderer } from "@web/views/graph/graph_renderer";
import { pivotView } from "@web/views/pivot/pivot_view";
import { PivotRenderer } from "@web/views/pivot/pivot_renderer";

/**
 * Helpdesk reports: a pivot cell or a graph point opens the tickets behind it (the report
 * model's action_open_tickets), not the report's own rows.
 */
async function openTickets(component, domain, newWindow) {
    const action = await component.env.services.orm.call(
        component.model.metaData.resModel,
        "action_open_tickets",
        [],
        { domain }
    );
    return component.env.services.action.doAction(action, { newWindow });
}

export class HelpdeskReportPivotRenderer extends PivotRenderer {
    openView(domain, views, context, newWindow) {
        return openTickets(this, domain, newWindow);
    }
}

export class HelpdeskReportGraphRenderer extends GraphRenderer {
    openView(domain, views, context, newWindow) {
        return openTickets(this, domain, newWindow);
    }
}

registry.category("views").add("helpdesk_report_pivot", {
    ...pivotView,
    Renderer: HelpdeskReportPivotRenderer,
});

registry.category("views").add("helpdesk_report_graph", {
    ...graphView,
    Renderer: HelpdeskReportGraphRenderer,
});
