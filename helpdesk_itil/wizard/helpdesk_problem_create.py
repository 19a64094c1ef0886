from odoo import Command, api, fields, models

from ..models.helpdesk_priority_matrix import IMPACTS, URGENCIES


class HelpdeskProblemCreate(models.TransientModel):
    """Create a problem from tickets (ticket list action): the tickets become its incidents."""

    _name = "helpdesk.problem.create"
    _description = "Create Problem from Tickets"

    ticket_ids = fields.Many2many("helpdesk.ticket", string="Incidents", required=True)
    name = fields.Char(
        string="Title",
        compute="_compute_from_tickets",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    team_id = fields.Many2one(
        "helpdesk.team", compute="_compute_from_tickets", store=True, readonly=False, precompute=True
    )
    category_id = fields.Many2one(
        "helpdesk.category", compute="_compute_from_tickets", store=True, readonly=False, precompute=True
    )
    impact = fields.Selection(IMPACTS, default="medium", required=True)
    urgency = fields.Selection(URGENCIES, default="medium", required=True)
    symptom = fields.Html()

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

    @api.depends("ticket_ids")
    def _compute_from_tickets(self):
        # The first ticket (oldest) names the problem; its team and category are proposed.
        for wizard in self:
            first = wizard.ticket_ids._origin.sorted(lambda t: (t.create_date or fields.Datetime.now(), t.id))[:1]
            wizard.name = wizard.name or first.name
            wizard.team_id = wizard.team_id or first.team_id
            wizard.category_id = wizard.category_id or first.category_id

    def action_create(self):
        self.ensure_one()
        problem = self.env["helpdesk.problem"].create(
            {
                "name": self.name,
                "team_id": self.team_id.id,
                "category_id": self.category_id.id,
                "impact": self.impact,
                "urgency": self.urgency,
                "symptom": self.symptom,
            }
        )
        problem._link_incidents(self.ticket_ids)
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.problem",
            "res_id": problem.id,
            "view_mode": "form",
            "target": "current",
        }
