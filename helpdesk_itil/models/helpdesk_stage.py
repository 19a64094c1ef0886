from odoo import api, fields, models, tools

# ITIL lifecycle states a stage maps to. Behaviour (SLA pauses, closure rules, counters)
# keys on the state, never on the stage's name or its position in the pipeline.
TICKET_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("pending", "Pending"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
OPEN_STATES = ("new", "in_progress", "pending")
DONE_STATES = ("resolved", "closed", "cancelled")
FINAL_STATES = ("closed", "cancelled")
# States reached by solving the ticket: entering one needs a resolution note and a closure
# code, and stamps the resolution date.
RESOLUTION_STATES = ("resolved", "closed")


class HelpdeskStage(models.Model):
    _name = "helpdesk.stage"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        TICKET_STATES,
        required=True,
        default="in_progress",
        index=True,
        help="ITIL state this stage stands for. Pending stages pause SLA clocks, "
        "resolved stages need a resolution note and a closure code, "
        "closed and cancelled stages make the ticket read-only.",
    )
    fold = fields.Boolean(
        string="Folded in Kanban",
        compute="_compute_fold",
        store=True,
        readonly=False,
        help="Folded stages are collapsed in the kanban view.",
    )
    is_closing = fields.Boolean(
        string="Closing Stage",
        compute="_compute_is_closing",
        store=True,
        help="Tickets in a closing stage are finished: closed or cancelled.",
    )
    team_ids = fields.Many2many(
        "helpdesk.team",
        "helpdesk_team_stage_rel",
        "stage_id",
        "team_id",
        string="Teams",
        help="Teams using this stage. A stage without teams is offered to every team.",
    )
    description = fields.Text(translate=True)

    @api.depends("state")
    def _compute_fold(self):
        for stage in self:
            stage.fold = stage.state in FINAL_STATES

    @api.depends("state")
    def _compute_is_closing(self):
        for stage in self:
            stage.is_closing = stage.state in FINAL_STATES

    @api.model
    @tools.ormcache("team_id")
    def _get_team_stage_ids(self, team_id):
        """Ids of the stages of a team (helpdesk.team._get_stages), in order: its own and
        those shared by every team; every stage for `team_id` False. Asked for every new
        ticket, cached for the registry (cleared when a stage changes, or a team's stages:
        helpdesk.team)."""
        Stage = self.sudo()
        if not team_id:
            return tuple(Stage.search([]).ids)
        team = self.env["helpdesk.team"].sudo().browse(team_id)
        return tuple((team.stage_ids | Stage.search([("team_ids", "=", False)])).sorted().ids)
