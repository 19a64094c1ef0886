import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import mute_logger

from .helpdesk_priority_matrix import URGENT_PRIORITIES
from .helpdesk_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# Tickets closed per committed batch by the lifecycle timers.
AUTO_CLOSE_BATCH_SIZE = 200


class HelpdeskTeam(models.Model):
    _name = "helpdesk.team"
    _description = "Helpdesk Team"
    _inherit = ["rating.parent.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    def _default_stage_ids(self):
        return self.env["helpdesk.stage"].search([])

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    description = fields.Text(translate=True)
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
    # Customer portal, verified closure and satisfaction
    portal_company_visibility = fields.Boolean(
        string="Company Sees All Its Tickets",
        help="In the customer portal, every contact of a customer company sees all of the "
        "company's tickets of this team. Otherwise a contact sees only the tickets they "
        "opened or follow.",
    )
    auto_close_days = fields.Integer(
        string="Close Unconfirmed After (days)",
        default=7,
        help="A resolved ticket that the customer neither confirms nor rejects is closed "
        "automatically after this many days (recorded as closed without confirmation). "
        "0 keeps it resolved until someone acts.",
    )
    use_rating = fields.Boolean(
        string="Customer Ratings",
        default=True,
        help="Ask the customer to rate the service when one of this team's tickets is closed.",
    )
    survey_url = fields.Char(
        string="Follow-up Survey",
        help="Optional link to a longer satisfaction survey, added to the rating request email.",
    )
    ticket_ids = fields.One2many("helpdesk.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(string="Open Tickets", compute="_compute_ticket_counters")
    unassigned_ticket_count = fields.Integer(string="Unassigned", compute="_compute_ticket_counters")
    urgent_ticket_count = fields.Integer(string="Urgent", compute="_compute_ticket_counters")
    my_ticket_count = fields.Integer(string="My Tickets", compute="_compute_ticket_counters")

    _auto_close_days_positive = models.Constraint(
        "CHECK (auto_close_days >= 0)", "The number of days before closing an unconfirmed ticket cannot be negative."
    )

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

    @api.constrains("survey_url")
    def _check_survey_url(self):
        for team in self:
            if team.survey_url and not team.survey_url.startswith(("https://", "http://")):
                raise ValidationError(
                    self.env._(
                        "The follow-up survey of %(team)s must be a web address starting with https:// or http://.",
                        team=team.name,
                    )
                )

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

    def action_view_ratings(self):
        """The customer ratings of this team's tickets."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.rating_rating_action_helpdesk")
        action["domain"] = [("parent_res_model", "=", self._name), ("parent_res_id", "=", self.id), ("consumed", "=", True)]
        action["display_name"] = self.env._("Ratings of %(team)s", team=self.name)
        return action

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

    def _get_stage_for_state(self, state):
        """This team's first stage in ITIL `state` (any team's when it has none)."""
        self.ensure_one()
        stages = self.stage_ids.filtered(lambda s: s.state == state).sorted()
        return stages[:1] or self.env["helpdesk.stage"].search([("state", "=", state)], limit=1)

    # Lifecycle timers (calendar days), run by the single lifecycle cron.

    @api.model
    def _cron_lifecycle_timers(self):
        """Every per-team lifecycle timer. Stub: the SLA work owns this method; on merge,
        keep its body and add the call below."""
        return self._close_unconfirmed_resolved(fields.Datetime.now())

    @api.model
    def _close_unconfirmed_resolved(self, now, batch_size=AUTO_CLOSE_BATCH_SIZE):
        """Close resolved tickets the customer did not answer within their team's
        `auto_close_days`: customer confirmation "none", a note "closed without
        confirmation", then the usual closure effects (rating request).

        Set-based: one search per batch, one write per team and batch, messages logged in
        batch. Commits after each batch (`ir.cron._commit_progress`) and skips tickets
        another worker holds. Returns False when the cron's time ran out, True when done.
        """
        teams = self.sudo().with_context(active_test=False).search([("auto_close_days", ">", 0)])
        if not teams:
            return True
        by_days = {}
        for team in teams:
            by_days.setdefault(team.auto_close_days, []).extend(team.ids)
        domain = Domain("state", "=", "resolved") & Domain.OR(
            Domain("team_id", "in", team_ids) & Domain("resolved_date", "<=", now - timedelta(days=days))
            for days, team_ids in by_days.items()
        )
        Ticket = self.env["helpdesk.ticket"].with_user(SUPERUSER_ID).sudo()
        seen = []
        while True:
            tickets = Ticket.search(domain & Domain("id", "not in", seen), order="resolved_date, id", limit=batch_size)
            if not tickets:
                return True
            seen += tickets.ids
            locked = self._lock_tickets_still_due(tickets, domain)
            for team in locked.team_id:
                team_tickets = locked.filtered(lambda t, team=team: t.team_id == team)
                stage = team._get_stage_for_state("closed")
                if not stage:
                    _logger.warning("Team %s has no closed stage: %s tickets stay resolved", team.id, len(team_tickets))
                    continue
                team_tickets.write({"stage_id": stage.id, "customer_confirmation": "none"})
                note = Markup("<p>%s</p>") % self.env._(
                    "Closed without confirmation: the customer did not answer within %(days)s days of the resolution.",
                    days=team.auto_close_days,
                )
                team_tickets._message_log_batch(dict.fromkeys(team_tickets.ids, note))
            if not self.env["ir.cron"]._commit_progress(len(tickets)):
                return False

    @api.model
    def _lock_tickets_still_due(self, tickets, domain):
        """The `tickets` no other worker holds, locked, that still match `domain`.

        Rows held by another worker are skipped; when another worker changed and
        committed some of them since this transaction's snapshot, the batch is left to
        the next run rather than handled twice.
        """
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                locked = tickets.try_lock_for_update()
        except psycopg2.errors.SerializationFailure:
            return tickets.browse()
        locked.invalidate_recordset()
        return locked.filtered_domain(domain)
