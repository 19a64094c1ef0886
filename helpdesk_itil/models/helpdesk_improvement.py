from odoo import api, fields, models

IMPROVEMENT_CATEGORIES = [
    ("process", "Process"),
    ("tools", "Tools"),
    ("documentation", "Documentation"),
    ("product", "Product"),
]
IMPROVEMENT_STATES = [("new", "New"), ("accepted", "Accepted"), ("done", "Done"), ("rejected", "Rejected")]


class HelpdeskImprovement(models.Model):
    """An improvement suggestion raised while working a ticket (the process, the tools,
    the documentation or the product). Any internal user raises one; helpdesk managers
    decide (accepted, done, rejected)."""

    _name = "helpdesk.improvement"
    _description = "Improvement Suggestion"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"

    name = fields.Char(string="Suggestion", required=True, tracking=True)
    description = fields.Text()
    category = fields.Selection(IMPROVEMENT_CATEGORIES, required=True, default="process", tracking=True)
    state = fields.Selection(IMPROVEMENT_STATES, required=True, default="new", tracking=True, index=True)
    raised_by_id = fields.Many2one("res.users", required=True, default=lambda self: self.env.user, readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", string="From Ticket", ondelete="set null", index="btree_not_null")
    team_id = fields.Many2one(
        "helpdesk.team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The team it concerns: the ticket's by default.",
    )
    decision_note = fields.Text(help="Why it was accepted or rejected, what was done.")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.depends("ticket_id")
    def _compute_team_id(self):
        for suggestion in self:
            if suggestion.ticket_id:
                suggestion.team_id = suggestion.ticket_id.team_id

    def action_accept(self):
        self.write({"state": "accepted"})

    def action_done(self):
        self.write({"state": "done"})

    def action_reject(self):
        self.write({"state": "rejected"})

    def action_reset(self):
        self.write({"state": "new"})
