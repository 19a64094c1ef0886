from collections import defaultdict
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import is_html_empty

from .helpdesk_priority_matrix import PRIORITIES
from .helpdesk_stage import OPEN_STATES

TRIGGERS = [
    ("sla_share", "Share of SLA Target Used"),
    ("sla_breach", "SLA Breached"),
    ("no_first_response", "No First Response"),
    ("priority_on_create", "High Priority (at creation or raised)"),
]
SLA_TRIGGERS = ("sla_share", "sla_breach")
# Rule fields that move the date at which tickets without a response escalate.
NO_RESPONSE_FIELDS = {"active", "trigger", "team_id", "company_id", "offset_hours", "level"}
# SLA line statuses on which no escalation fires: the clock is stopped or settled.
SLA_QUIET_STATUSES = ("paused", "reached", "cancelled")


class HelpdeskEscalationRule(models.Model):
    """One rung of the escalation ladder.

    A rule fires at most once per ticket and level (enforced in the database by the
    unique index of ``helpdesk.escalation.log``), only while the ticket's escalation
    level is below the rule's level, and always raises the ticket to that level.
    """

    _name = "helpdesk.escalation.rule"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Escalation Rule"
    _order = "level, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    team_id = fields.Many2one(
        "helpdesk.team",
        index=True,
        ondelete="cascade",
        check_company=True,
        help="Applies to tickets of this team only; leave empty for every team of the company.",
    )
    policy_id = fields.Many2one(
        "helpdesk.sla.policy",
        string="SLA Policy",
        index="btree_not_null",
        ondelete="cascade",
        check_company=True,
        help="SLA triggers only: applies to the lines of this policy. Empty: to every SLA line of "
        "the tickets the rule applies to.",
    )
    level = fields.Integer(
        required=True,
        default=1,
        help="Rung of the ladder (1, 2, 3…). The ticket's escalation level is raised to it; "
        "the rule no longer fires once the ticket is at this level or higher.",
    )
    trigger = fields.Selection(TRIGGERS, required=True, default="sla_breach", index=True)
    share_percent = fields.Float(
        string="Share of Target Used (%)",
        default=75.0,
        help="Fires when this share of the SLA line's target (business hours) is used.",
    )
    offset_hours = fields.Float(
        string="Offset (business hours)",
        help="SLA breached: hours after the deadline (0 = at the breach). "
        "No first response: hours after creation without a public agent reply. "
        "Counted on the working hours of the SLA line or of the team.",
    )
    priority_threshold = fields.Selection(
        PRIORITIES,
        string="Priority at Least",
        default="1",
        help="High priority: fires for tickets created with this priority or a more urgent one, "
        "and for tickets raised to it later (once per ticket and level).",
    )

    # Actions
    reassign_team_id = fields.Many2one(
        "helpdesk.team",
        string="Reassign to Team",
        check_company=True,
        help="Functional escalation: move the ticket to this team; its assignment method picks the assignee.",
    )
    reassign_user_mode = fields.Selection(
        [("none", "Keep / Team Method"), ("team_leader", "Team Leader"), ("specific", "Specific User")],
        string="Reassign to User",
        required=True,
        default="none",
        help="Hierarchical escalation: give the ticket to the leader of the (new) team or to a given user. "
        "Agents on leave are skipped.",
    )
    reassign_user_id = fields.Many2one(
        "res.users", string="User", domain="[('share', '=', False), ('company_ids', 'in', company_id)]"
    )
    raise_priority = fields.Boolean(help="Make the ticket one level more urgent (never beyond P1).")
    follower_ids = fields.Many2many(
        "res.partner",
        "helpdesk_escalation_rule_res_partner_rel",
        "rule_id",
        "partner_id",
        string="Add Followers",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'helpdesk.ticket')]",
        help="Sent (and logged on the ticket) to the template's recipients.",
    )
    activity_type_id = fields.Many2one("mail.activity.type", string="Schedule Activity")
    activity_summary = fields.Char()
    activity_user_mode = fields.Selection(
        [("assignee", "Assignee"), ("team_leader", "Team Leader")],
        string="Activity For",
        default="assignee",
    )
    post_internal_note = fields.Boolean(
        help="Add these instructions to the internal note that every escalation logs on the ticket."
    )
    note = fields.Html(string="Instructions")
    log_count = fields.Integer(string="Escalations", compute="_compute_log_count")

    @api.depends_context("uid")
    def _compute_log_count(self):
        counts = dict(
            self.env["helpdesk.escalation.log"]._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count"])
        )
        for rule in self:
            rule.log_count = counts.get(rule, 0)

    @api.constrains(
        "level",
        "trigger",
        "share_percent",
        "offset_hours",
        "priority_threshold",
        "reassign_team_id",
        "team_id",
        "reassign_user_mode",
        "reassign_user_id",
        "activity_type_id",
        "activity_user_mode",
        "post_internal_note",
        "note",
        "mail_template_id",
        "policy_id",
    )
    def _check_configuration(self):
        for rule in self:
            error = rule._get_configuration_error()
            if error:
                raise ValidationError(self.env._("Escalation rule “%(rule)s”: %(error)s", rule=rule.name, error=error))

    def _get_configuration_error(self):
        """What is wrong with this rule's settings, in words; False when nothing is."""
        self.ensure_one()
        # String comparisons stay out of the list: Odoo's term extractor would take their
        # literals for translatable terms.
        wrong_share = self.trigger == "sla_share" and not 0 < self.share_percent <= 100
        missing_priority = self.trigger == "priority_on_create" and not self.priority_threshold
        missing_user = self.reassign_user_mode == "specific" and not self.reassign_user_id
        foreign_template = self.mail_template_id and self.mail_template_id.model != "helpdesk.ticket"
        checks = [
            (self.level < 1, self.env._("the level must be 1 or more (the ladder starts at 1).")),
            (
                wrong_share,
                self.env._("the share of the target used must be more than 0 % and at most 100 %."),
            ),
            (self.offset_hours < 0, self.env._("the offset cannot be negative.")),
            (
                missing_priority,
                self.env._("choose the priority that makes a major incident."),
            ),
            (
                missing_user,
                self.env._("choose the user the ticket is reassigned to."),
            ),
            (
                self.reassign_team_id and self.reassign_team_id == self.team_id,
                self.env._(
                    "it applies to team %(team)s and cannot reassign to that same team.", team=self.team_id.name
                ),
            ),
            (
                self.activity_type_id and not self.activity_user_mode,
                self.env._("choose who gets the activity."),
            ),
            (
                self.post_internal_note and is_html_empty(self.note),
                self.env._("write the instructions to post in the note."),
            ),
            (
                foreign_template,
                self.env._("the email template must be made for tickets."),
            ),
            (
                self.policy_id and self.trigger not in SLA_TRIGGERS,
                self.env._("only SLA triggers (share used, breach) can be limited to a policy."),
            ),
        ]
        return next((message for failed, message in checks if failed), False)

    @api.model
    @tools.ormcache("triggers")
    def _get_active_rule_ids(self, triggers):
        return tuple(self.sudo().with_context(active_test=True).search([("trigger", "in", triggers)]).ids)

    @api.model
    def _get_active_rules(self, triggers, companies):
        """Active rules with one of `triggers` in `companies`, in ladder order.

        Every new ticket and every watcher pass asks; the ids are cached for the registry
        (cleared when a rule changes), so that a desk without such rules pays no query.
        """
        rules = self.sudo().browse(self._get_active_rule_ids(tuple(triggers)))
        return rules.filtered(lambda rule: rule.company_id in companies)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._recompute_no_response_dates(rules._get_waiting_tickets())
        return rules

    def write(self, vals):
        if not NO_RESPONSE_FIELDS.intersection(vals):
            return super().write(vals)
        # Tickets the rules applied to before the change, and those they apply to after it.
        waiting = self._get_waiting_tickets()
        result = super().write(vals)
        self._recompute_no_response_dates(waiting | self._get_waiting_tickets())
        return result

    def unlink(self):
        waiting = self._get_waiting_tickets()
        result = super().unlink()
        self._recompute_no_response_dates(waiting)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_fired(self):
        if self.env["helpdesk.escalation.log"].sudo().search_count([("rule_id", "in", self.ids)], limit=1):
            raise UserError(
                self.env._("This escalation rule has already escalated tickets; archive it instead of deleting it.")
            )

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_escalation_log_action")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Matching and due dates
    # ------------------------------------------------------------------

    def _matches(self, ticket, policy=None):
        self.ensure_one()
        if self.company_id != ticket.company_id:
            return False
        if self.team_id and self.team_id != ticket.team_id:
            return False
        return not self.policy_id or self.policy_id == policy

    def _sla_threshold_hours(self, line):
        """Business hours `line` has used when this SLA rule is due: a share of its target
        (share used) or its target plus the offset (breach)."""
        self.ensure_one()
        if self.trigger == "sla_share":
            return line.target_hours * self.share_percent / 100
        return line.target_hours + self.offset_hours

    @api.model
    def _get_pending_sla_rules(self, lines):
        """{line: SLA rules that may still fire for it}: active share/breach rules that match
        the line's ticket and policy, above the ticket's escalation level, with no log for
        (ticket, rule, level) yet. Two queries at most for the batch (rules are cached)."""
        if not lines:
            return {}
        rules = self._get_active_rules(SLA_TRIGGERS, lines.ticket_id.company_id)
        if not rules:
            return {}
        fired = self._fired_keys(lines.ticket_id, rules)
        result = {}
        for line in lines:
            ticket = line.ticket_id
            pending = rules.filtered(
                lambda rule, ticket=ticket, line=line: (
                    rule.level > ticket.escalation_level
                    and (ticket.id, rule.id, rule.level) not in fired
                    and rule._matches(ticket, line.policy_id)
                )
            )
            if pending:
                result[line] = pending
        return result

    def _no_response_due_date(self, ticket, clocks):
        """When `ticket`, still unanswered, is due for this rule: `offset_hours` business hours
        after its creation on the ticket's working hours (plain hours without any)."""
        self.ensure_one()
        start = ticket.create_date or fields.Datetime.now()
        key = ticket._get_clock_key()
        due = key and clocks.get(key).plan(start, self.offset_hours)
        return due or start + timedelta(hours=self.offset_hours)

    @api.model
    def _compute_no_response_dates(self, tickets):
        """Compute `no_response_escalation_date`: when the next no-first-response rule is due."""
        todo = tickets.filtered(lambda t: not t.first_response_date and t.company_id)
        (tickets - todo).no_response_escalation_date = False
        if not todo:
            return
        rules = self._get_active_rules(("no_first_response",), todo.company_id)
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        for ticket in todo:
            dates = [
                rule._no_response_due_date(ticket, clocks)
                for rule in rules
                if rule.level > ticket.escalation_level and rule._matches(ticket)
            ]
            ticket.no_response_escalation_date = min(dates) if dates else False

    def _get_waiting_tickets(self):
        """Open tickets without first response that the no-response rules of `self` apply to."""
        rules = self.filtered(lambda r: r.trigger == "no_first_response")
        if not rules:
            return self.env["helpdesk.ticket"].sudo()
        domain = (
            Domain("first_response_date", "=", False)
            & Domain("state", "in", OPEN_STATES)
            & Domain("company_id", "in", rules.company_id.ids)
        )
        if all(rule.team_id for rule in rules):
            domain &= Domain("team_id", "in", rules.team_id.ids)
        return self.env["helpdesk.ticket"].sudo().search(domain)

    @api.model
    def _recompute_no_response_dates(self, tickets):
        """`no_response_escalation_date` of `tickets` follows the rules' changes."""
        if tickets:
            self.env.add_to_compute(tickets._fields["no_response_escalation_date"], tickets)

    # ------------------------------------------------------------------
    # Firing: the SLA watcher, the no-response timer, priority changes
    # ------------------------------------------------------------------

    @api.model
    def _fire_for_sla_lines(self, lines, now, clocks=None):
        """Fire the SLA rules (share used, breach + offset) due at `now` for `lines`
        (``helpdesk.ticket.sla``), on the batch's business clocks. Returns the logs created."""
        clocks = clocks or self.env["resource.calendar"]._helpdesk_clocks()
        lines = lines.sudo().filtered(
            lambda line: line.ticket_id.state in OPEN_STATES and line.status not in SLA_QUIET_STATUSES
        )
        candidates = []
        for line, rules in self._get_pending_sla_rules(lines).items():
            for rule in rules:
                due = line._date_at_used(rule._sla_threshold_hours(line), clocks)
                if due and due <= now:
                    candidates.append((line.ticket_id, rule, rule._describe_sla(line)))
        return self._fire(candidates, now)

    @api.model
    def _fire_no_response(self, tickets, now):
        """Escalate `tickets` (open, unanswered) whose no-first-response rules are due."""
        if not tickets:
            return self.env["helpdesk.escalation.log"]
        rules = self._get_active_rules(("no_first_response",), tickets.company_id)
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        candidates = [
            (
                ticket,
                rule,
                self.env._(
                    "no agent replied to the customer within %(hours)s business hours of creation",
                    hours=f"{rule.offset_hours:g}",
                ),
            )
            for ticket in tickets
            for rule in rules
            if rule.level > ticket.escalation_level
            and rule._matches(ticket)
            and rule._no_response_due_date(ticket, clocks) <= now
        ]
        logs = self._fire(candidates, now)
        # Tickets whose rules changed since the date was computed must leave the queue too.
        self.env.add_to_compute(tickets._fields["no_response_escalation_date"], tickets)
        tickets.flush_recordset(["no_response_escalation_date"])
        return logs

    @api.model
    def _fire_on_priority(self, tickets):
        """Major incidents: tickets created with, or raised to, a priority at least as urgent
        as a rule's threshold; each rule once per ticket and level."""
        rules = self._get_active_rules(("priority_on_create",), tickets.company_id)
        if not rules:
            return self.env["helpdesk.escalation.log"]
        labels = dict(PRIORITIES)
        candidates = [
            (
                ticket,
                rule,
                self.env._(
                    "the ticket has priority %(priority)s (major incident from %(threshold)s)",
                    priority=labels[ticket.priority],
                    threshold=labels[rule.priority_threshold],
                ),
            )
            for ticket in tickets
            for rule in rules
            if ticket.priority <= rule.priority_threshold and rule._matches(ticket)
        ]
        return self._fire(candidates, fields.Datetime.now())

    def _describe_sla(self, line):
        self.ensure_one()
        metric = line._fields["metric"].convert_to_export(line.metric, line)
        policy = line.policy_id.display_name
        if self.trigger == "sla_share":
            return self.env._(
                "%(share)s %% of the %(metric)s target of policy %(policy)s (%(target)s business hours) is used",
                share=f"{self.share_percent:g}",
                metric=metric,
                policy=policy,
                target=f"{line.target_hours:g}",
            )
        if self.offset_hours:
            return self.env._(
                "the %(metric)s target of policy %(policy)s was breached %(hours)s business hours ago",
                metric=metric,
                policy=policy,
                hours=f"{self.offset_hours:g}",
            )
        return self.env._("the %(metric)s target of policy %(policy)s is breached", metric=metric, policy=policy)

    @api.model
    def _fired_keys(self, tickets, rules):
        groups = (
            self.env["helpdesk.escalation.log"]
            .sudo()
            ._read_group(
                [("ticket_id", "in", tickets.ids), ("rule_id", "in", rules.ids)],
                ["ticket_id", "rule_id", "level_to"],
            )
        )
        return {(ticket.id, rule.id, level) for ticket, rule, level in groups}

    @api.model
    def _fire(self, candidates, now):
        """Escalate (ticket, rule, reason) candidates: per ticket in ladder order, rules
        above the level reached so far and not logged yet, each through
        ``helpdesk.ticket._escalate``. When another worker already logged one of a ticket's
        escalations, the rest of that ticket's ladder is left to it. Returns the logs."""
        by_ticket = defaultdict(dict)
        for ticket, rule, reason in candidates:
            by_ticket[ticket].setdefault(rule, reason)
        Log = self.env["helpdesk.escalation.log"]
        if not by_ticket:
            return Log
        tickets = self.env["helpdesk.ticket"].union(*by_ticket)
        fired = self._fired_keys(tickets, self.union(*(rule for reasons in by_ticket.values() for rule in reasons)))
        system_env = self.env(user=SUPERUSER_ID, su=True)
        logs = Log
        for ticket, reasons in by_ticket.items():
            for rule in sorted(reasons, key=lambda r: (r.level, r.sequence, r.id)):
                if rule.level <= ticket.escalation_level or (ticket.id, rule.id, rule.level) in fired:
                    continue
                log = rule.with_env(system_env)._apply(ticket.with_env(system_env), reasons[rule], now)
                if not log:
                    break
                logs |= log
        return logs.with_env(self.env)

    def _apply(self, ticket, reason, now):
        """Escalate `ticket` by this rule (system environment): its reassignment, priority
        and notifications, through the one escalation of ``helpdesk.ticket._escalate``."""
        self.ensure_one()
        team = self.reassign_team_id or ticket.team_id
        user, lines = self._pick_escalation_user(ticket, team, now)
        return ticket._escalate(
            self.level,
            reason,
            rule=self,
            team=team,
            user=user,
            raise_priority=self.raise_priority,
            notes=lines,
            details=self.note if self.post_internal_note and not is_html_empty(self.note) else None,
            after=self._apply_notifications,
        )

    def _apply_notifications(self, ticket):
        """Followers, activity and email; returns the lines of the note."""
        self.ensure_one()
        lines = []
        if self.follower_ids:
            ticket.message_subscribe(partner_ids=self.follower_ids.ids)
            lines.append(self.env._("Followers added: %(names)s.", names=", ".join(self.follower_ids.mapped("name"))))
        if self.activity_type_id:
            lines.append(self._schedule_activity(ticket))
        if self.mail_template_id:
            # Sent by the system: an automatic email is not an agent's first response.
            ticket.message_post_with_source(
                self.mail_template_id, subtype_xmlid="mail.mt_note", author_id=self.env.user.partner_id.id
            )
            lines.append(self.env._("Email “%(template)s” sent.", template=self.mail_template_id.name))
        return lines

    def _pick_escalation_user(self, ticket, team, now):
        """Assignee after escalation to `team` (None: see ``helpdesk.ticket._escalate``),
        skipping agents on leave; with lines for the note."""
        self.ensure_one()
        if self.reassign_user_mode == "specific":
            return self._pick_available(ticket, team, self.reassign_user_id, self.env._("the escalation user"), now)
        if self.reassign_user_mode == "team_leader":
            if not team.leader_id:
                user, lines = self._pick_available(ticket, team, team.leader_id, "", now)
                return user, [self.env._("Team %(team)s has no leader.", team=team.name or "-"), *lines]
            return self._pick_available(ticket, team, team.leader_id, self.env._("the team leader"), now)
        # Keep the assignee in the same team; in another team, its assignment method picks
        # one (helpdesk.ticket._retriage, which skips agents on leave).
        return None, []

    def _pick_available(self, ticket, team, wanted, role, now):
        """`wanted` unless on leave; else the team leader (for a specific user), else an available
        member, skilled for `ticket` and under capacity if possible (team._pick_available_member)."""
        if wanted and not team._users_on_leave(wanted, now):
            return wanted, []
        lines = []
        if wanted:
            lines.append(self.env._("%(user)s (%(role)s) is on leave.", user=wanted.name, role=role))
        fallback = self.env["res.users"]
        if wanted != team.leader_id and team.leader_id and not team._users_on_leave(team.leader_id, now):
            fallback = team.leader_id
        if not fallback and team:
            fallback = team._pick_available_member(now, exclude=wanted, ticket=ticket)
        if fallback:
            lines.append(self.env._("Assigned to %(user)s instead.", user=fallback.name))
            return fallback, lines
        if team != ticket.team_id:
            lines.append(self.env._("Nobody of team %(team)s is available: left unassigned.", team=team.name))
            return fallback, lines
        lines.append(self.env._("Nobody else is available: the assignee is kept."))
        return ticket.user_id, lines

    def _schedule_activity(self, ticket):
        self.ensure_one()
        leader = ticket.team_id.leader_id
        first, second = (ticket.user_id, leader) if self.activity_user_mode == "assignee" else (leader, ticket.user_id)
        user = first or second
        if not user:
            return self.env._(
                "Activity “%(type)s” not scheduled: the ticket has neither assignee nor team leader.",
                type=self.activity_type_id.name,
            )
        ticket.activity_schedule(
            activity_type_id=self.activity_type_id.id,
            summary=self.activity_summary or self.name,
            date_deadline=self.activity_type_id._get_date_deadline(),
            user_id=user.id,
        )
        return self.env._(
            "Activity “%(type)s” scheduled for %(user)s.", type=self.activity_type_id.name, user=user.name
        )
