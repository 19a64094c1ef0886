from odoo import Command, api, fields, models

from ..models.helpdesk_problem import OPEN_PROBLEM_STATES


class HelpdeskProblemLink(models.TransientModel):
    """Link tickets to an open problem (ticket list action): they become its incidents."""

    _name = "helpdesk.problem.link"
    _description = "Link Tickets to a Problem"

    ticket_ids = fields.Many2many("helpdesk.ticket", string="Incidents", required=True)
    problem_id = fields.Many2one(
        "helpdesk.problem",
        required=True,
        domain=[("state", "in", OPEN_PROBLEM_STATES)],
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "ticket_ids" in fields_list
            and not values.get("ticket_ids")
            and context.get("active_model") == "helpdesk.ticket"
        ):
            values["ticket_ids"] = [Command.set(context.get("active_ids") or [])]
        return values

    def action_link(self):
        self.ensure_one()
        self.problem_id._link_incidents(self.ticket_ids)
        return {"type": "ir.actions.act_window_close"}
