from odoo import api, fields, models
from odoo.fields import Domain

from .helpdesk_priority_matrix import URGENT_PRIORITIES
from .helpdesk_stage import OPEN_STATES


class HelpdeskTeam(models.Model):
    _name = "helpdesk.team"
    _description = "Helpdesk Team"
    _order = "sequence, name, id"
    _check_company_auto = True

    def _default_stage_ids(self):
        return self.env["helpdesk.stage"].search([])

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    description = fields.Text(translate=True)
    # ERP: where field tasks go, and which finished documents resolve the ticket
    service_project_id = fields.Many2one(
        "project.project",
        string="Service Project",
        check_company=True,
        help="Project that field tasks made from this team's tickets go to.",
    )
    resolve_on_order_confirmed = fields.Boolean(
        string="Resolve When the Quotation Is Confirmed",
        help="Confirming a quotation made from a ticket resolves the ticket (closure code "
        "“Fulfilled by ERP Document”). A note is posted on the ticket in any case.",
    )
    resolve_on_task_done = fields.Boolean(
        string="Resolve When the Field Task Is Done",
        help="Marking the last open field task of a ticket done resolves the ticket.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    member_ids = fields.Many2many(
        "res.users",
        "helpdesk_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Agents who work this queue. Automatic assignment picks among them.",
    )
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Receives hierarchical escalations.",
    )
    stage_ids = fields.Many2many(
        "helpdesk.stage",
        "helpdesk_team_stage_rel",
        "team_id",
        "stage_id",
        string="Stages",
        default=lambda self: self._default_stage_ids(),
        help="Stages of this team's pipeline; new tickets start in the first one.",
    )
    assignment_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round Robin"),
            ("least_open", "Least Open Tickets"),
        ],
        required=True,
        default="manual",
        help="How new tickets without an assignee get one: not at all (manual), each "
        "member in turn (round robin), or the member with the fewest open tickets.",
    )
    last_assigned_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, help="Where round robin continues from."
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        compute="_compute_resource_calendar_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Business hours and holidays that SLA clocks of this team run on.",
    )
    ticket_ids = fields.One2many("helpdesk.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(string="Open Tickets", compute="_compute_ticket_counters")
    unassigned_ticket_count = fields.Integer(string="Unassigned", compute="_compute_ticket_counters")
    urgent_ticket_count = fields.Integer(string="Urgent", compute="_compute_ticket_counters")
    my_ticket_count = fields.Integer(string="My Tickets", compute="_compute_ticket_counters")

    @api.depends("company_id")
    def _compute_resource_calendar_id(self):
        for team in self:
            calendar_company = team.resource_calendar_id.company_id
            if not team.resource_calendar_id or (calendar_company and calendar_company != team.company_id):
                team.resource_calendar_id = team.company_id.resource_calendar_id

    @api.depends_context("uid")
    def _compute_ticket_counters(self):
        groups = self.env["helpdesk.ticket"]._read_group(
            [("team_id", "in", self.ids), ("state", "in", OPEN_STATES)],
            ["team_id", "user_id", "priority"],
            ["__count"],
        )
        counters = {team.id: dict.fromkeys(("open", "unassigned", "urgent", "mine"), 0) for team in self}
        for team, user, priority, count in groups:
            team_counters = counters[team.id]
            team_counters["open"] += count
            if not user:
                team_counters["unassigned"] += count
            elif user == self.env.user:
                team_counters["mine"] += count
            if priority in URGENT_PRIORITIES:
                team_counters["urgent"] += count
        for team in self:
            team.open_ticket_count = counters[team.id]["open"]
            team.unassigned_ticket_count = counters[team.id]["unassigned"]
            team.urgent_ticket_count = counters[team.id]["urgent"]
            team.my_ticket_count = counters[team.id]["mine"]

    def action_view_tickets(self):
        """Open the team's tickets; `ticket_filter` in the context picks a search filter."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        ticket_filter = self.env.context.get("ticket_filter")
        context = {
            "default_team_id": self.id,
            "search_default_team_id": self.id,
            "search_default_filter_open": 1,
        }
        if ticket_filter in ("unassigned", "urgent", "my"):
            context[f"search_default_filter_{ticket_filter}"] = 1
        action["context"] = context
        action["display_name"] = self.name
        return action

    def _get_resolved_stage(self):
        """The stage automatic resolutions (ERP documents done) move this team's tickets to."""
        self.ensure_one()
        stages = self.stage_ids or self.env["helpdesk.stage"].search([])
        return stages.filtered(lambda s: s.state == "resolved")[:1]

    def _get_first_stage(self):
        """The stage new tickets of this team start in."""
        self.ensure_one()
        stages = self.stage_ids or self.env["helpdesk.stage"].search([])
        return stages.filtered(lambda s: s.state == "new")[:1] or stages[:1]

    def _pick_assignees(self, count):
        """Return `count` users (empty records for manual teams) for new tickets."""
        self.ensure_one()
        members = self.member_ids.filtered("active").sorted("id")
        if self.assignment_method == "manual" or not members or count <= 0:
            return [self.env["res.users"]] * count
        # Serialise assignment per team: two requests creating tickets at once would
        # otherwise both read the same last assignee or the same loads.
        self.env.cr.execute("SELECT id FROM helpdesk_team WHERE id = %s FOR UPDATE", [self.id])
        if self.assignment_method == "round_robin":
            start = 0
            if self.last_assigned_user_id in members:
                start = list(members).index(self.last_assigned_user_id) + 1
            picked = [members[(start + i) % len(members)] for i in range(count)]
            self.sudo().last_assigned_user_id = picked[-1]
            return picked
        loads = dict.fromkeys(members, 0)
        loads.update(
            self.env["helpdesk.ticket"]
            .sudo()
            ._read_group(
                Domain("user_id", "in", members.ids) & Domain("state", "in", OPEN_STATES),
                ["user_id"],
                ["__count"],
            )
        )
        picked = []
        for _i in range(count):
            user = min(members, key=lambda u: (loads[u], u.id))
            loads[user] += 1
            picked.append(user)
        return picked
