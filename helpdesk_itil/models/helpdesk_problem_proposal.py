from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

PROPOSAL_STATES = [("new", "New"), ("accepted", "Accepted"), ("dismissed", "Dismissed")]
# Least trigram similarity of two subjects (same team and category) to be one group: the
# duplicates' similarity (DESIGN.md "Similarity, one home").
PROPOSAL_SIMILARITY = 0.6
# A surge: this many similar incidents within this many hours (a possible major incident).
SURGE_COUNT = 4
SURGE_HOURS = 4
# At most that many incidents compared per team and run (the newest ones).
DETECTION_LIMIT = 2000


class HelpdeskProblemProposal(models.Model):
    """A group of similar incidents without a problem, found by the detection cron
    (``_cron_detect``): the team leader creates a problem from it or dismisses it.

    ``key`` names the group (team, category or alert source, and the first incident's
    normalised subject): unique, so a group is proposed once; a dismissed proposal stays
    and keeps blocking it. Incidents that later join the group are added to a new proposal.
    """

    _name = "helpdesk.problem.proposal"
    _description = "Helpdesk Problem Proposal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    key = fields.Char(required=True, readonly=True, index=True, copy=False)
    team_id = fields.Many2one("helpdesk.team", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    category_id = fields.Many2one("helpdesk.category", readonly=True)
    alert_source_id = fields.Many2one("helpdesk.alert.source", readonly=True, ondelete="cascade")
    incident_ids = fields.Many2many("helpdesk.ticket", string="Incidents", readonly=True)
    incident_count = fields.Integer(compute="_compute_incident_count")
    state = fields.Selection(PROPOSAL_STATES, default="new", required=True, readonly=True, tracking=True, index=True)
    problem_id = fields.Many2one("helpdesk.problem", readonly=True, copy=False, tracking=True)
    surge_date = fields.Datetime(
        string="Surge Noticed On",
        readonly=True,
        copy=False,
        help=f"When {SURGE_COUNT} of its incidents within {SURGE_HOURS} hours were reported to the team leader "
        "as a possible major incident (once per group).",
    )

    _key_uniq = models.Constraint("unique (key)", "This group of incidents has already been proposed.")

    @api.depends("incident_ids")
    def _compute_incident_count(self):
        for proposal in self:
            proposal.incident_count = len(proposal.incident_ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_can_decide(self):
        self.check_access("write")
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_agent"):
            raise UserError(self.env._("Only agents and managers decide problem proposals."))
        if decided := self.filtered(lambda p: p.state != "new"):
            raise UserError(self.env._("Already decided: %(names)s.", names=", ".join(decided.mapped("name"))))

    def action_create_problem(self):
        """Create a problem from each proposal, its incidents linked (caused by)."""
        self._check_can_decide()
        for proposal in self:
            problem = self.env["helpdesk.problem"].create(
                {
                    "name": proposal.name,
                    "team_id": proposal.team_id.id,
                    "category_id": proposal.category_id.id,
                    "company_id": proposal.company_id.id,
                    "user_id": self.env.user.id,
                }
            )
            proposal.incident_ids.filtered(lambda t: not t.problem_id).write({"problem_id": problem.id})
            proposal.write({"state": "accepted", "problem_id": problem.id})
            proposal.activity_ids.action_done()
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "helpdesk.problem",
                "res_id": self.problem_id.id,
                "view_mode": "form",
            }
        return True

    def action_dismiss(self):
        """Not a problem: the proposal stays dismissed, so its group is not proposed again."""
        self._check_can_decide()
        self.write({"state": "dismissed"})
        self.activity_ids.action_done()
        return True

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------

    @api.model
    def _detection_domain(self, team, since):
        # Incidents without a problem reported within the window, not cancelled.
        return (
            Domain("team_id", "=", team.id)
            & Domain("problem_id", "=", False)
            & Domain("create_date", ">=", since)
            & Domain("state", "!=", "cancelled")
        )

    @api.model
    def _cron_detect(self):
        """Propose a problem for each new group of similar incidents of a team (see
        ``_detect_team``), one team per committed batch."""
        Team = self.env["helpdesk.team"].sudo()
        teams = Team.search([("problem_detection_count", ">", 0)])
        for done, team in enumerate(teams, start=1):
            self.sudo()._detect_team(team)
            if not self.env["ir.cron"]._commit_progress(1, remaining=len(teams) - done):
                return

    def _detect_team(self, team):
        now = fields.Datetime.now()
        since = now - timedelta(days=team.problem_detection_days or 7)
        # The newest incidents if there are more, compared oldest first (a group's first one
        # names it).
        tickets = (
            self.env["helpdesk.ticket"]
            .search(self._detection_domain(team, since), order="create_date desc, id desc", limit=DETECTION_LIMIT)
            .sorted(lambda t: (t.create_date, t.id))
        )
        for key, group, category, source in self._groups(tickets):
            self._propose(team, key, group, category, source, now)

    def _groups(self, tickets):
        """(key, tickets, category, alert source) of each group of `tickets`: alert tickets of
        the same source, other tickets of the same category, with similar subjects. Alert
        labels are not stored per ticket: the subject (the alert's summary, "… on <instance>"
        when it does not name it) stands for them, similar across instances."""
        Source = self.env["helpdesk.alert.source"]
        tickets = tickets.filtered("subject_normalized")
        for source in tickets.alert_source_id:
            for seed, group in self._clusters(tickets.filtered(lambda t, s=source: t.alert_source_id == s)):
                yield f"alert:{source.id}:{seed.subject_normalized}", group, group.category_id[:1], source
        others = tickets.filtered(lambda t: not t.alert_source_id and t.category_id)
        for category in others.category_id:
            for seed, group in self._clusters(others.filtered(lambda t, c=category: t.category_id == c)):
                yield f"subject:{seed.team_id.id}:{category.id}:{seed.subject_normalized}", group, category, Source

    def _clusters(self, tickets):
        """(first ticket, group) of `tickets` (in order of creation): each group is the first
        ticket left and the tickets left whose subject is similar to it."""
        Ticket = self.env["helpdesk.ticket"]
        left = tickets
        while left:
            seed = left[0]
            similar = Ticket._find_similar_tickets(
                seed.name,
                domain=[("id", "in", left.ids)],
                limit=len(left),
                threshold=PROPOSAL_SIMILARITY,
                indexed=False,
            )
            group = left & (seed | Ticket.union(*(ticket for ticket, _score in similar)))
            left -= group
            yield seed, group

    def _propose(self, team, key, group, category, source, now):
        known = self.search(Domain("key", "=", key) | Domain("incident_ids", "in", group.ids))
        if known.filtered(lambda p: p.state != "new"):
            return  # decided: never proposed again
        surge = self._surge(group)
        proposal = known[:1]
        if not proposal:
            if len(group) < team.problem_detection_count and not surge:
                return
            proposal = self.create(
                {
                    "name": group[0].name,
                    "key": key,
                    "team_id": team.id,
                    "category_id": category.id,
                    "alert_source_id": source.id,
                    "incident_ids": [Command.set(group.ids)],
                }
            )
            proposal._notify_leader(
                self.env._("Possible problem: %(count)s similar incidents", count=len(group)),
                self.env._(
                    "%(count)s similar incidents without a problem: create a problem or dismiss the proposal.",
                    count=len(group),
                ),
            )
        elif group - proposal.incident_ids:
            proposal.incident_ids = [Command.link(ticket.id) for ticket in group - proposal.incident_ids]
        if surge and not proposal.surge_date:
            proposal.surge_date = now
            proposal._notify_leader(
                self.env._("Possible major incident"),
                self.env._(
                    "%(count)s similar incidents within %(hours)s hours: possibly a major incident.",
                    count=SURGE_COUNT,
                    hours=SURGE_HOURS,
                ),
            )

    @api.model
    def _surge(self, group):
        """True when SURGE_COUNT incidents of `group` were created within SURGE_HOURS."""
        dates = sorted(group.mapped("create_date"))
        window = timedelta(hours=SURGE_HOURS)
        return any(dates[i + SURGE_COUNT - 1] - dates[i] <= window for i in range(len(dates) - SURGE_COUNT + 1))

    def _notify_leader(self, summary, note):
        """A message on the proposal and a to-do for the team leader (plain notices, not
        escalations: DESIGN.md "Notifications")."""
        self.ensure_one()
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        if self.team_id.leader_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=self.team_id.leader_id.id
            )
