from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, is_html_empty, mute_logger

from .helpdesk_priority_matrix import PRIORITIES
from .helpdesk_stage import OPEN_STATES

TRIGGERS = [
    ("sla_share", "Share of SLA Target Used"),
    ("sla_breach", "SLA Breached"),
    ("no_first_response", "No First Response"),
    ("priority_on_create", "Created With High Priority"),
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
        string="Team",
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
        help="Created with high priority: fires for tickets created with this priority or a more urgent one.",
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
    activity_summary = fields.Char(string="Activity Summary")
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
        _ = self.env._
        checks = [
            (self.level < 1, _("the level must be 1 or more (the ladder starts at 1).")),
            (
                self.trigger == "sla_share" and not 0 < self.share_percent <= 100,
                _("the share of the target used must be more than 0 % and at most 100 %."),
            ),
            (self.offset_hours < 0, _("the offset cannot be negative.")),
            (
                self.trigger == "priority_on_create" and not self.priority_threshold,
                _("choose the priority that makes a major incident."),
            ),
            (
                self.reassign_user_mode == "specific" and not self.reassign_user_id,
                _("choose the user the ticket is reassigned to."),
            ),
            (
                self.reassign_team_id and self.reassign_team_id == self.team_id,
                _("it applies to team %(team)s and cannot reassign to that same team.", team=self.team_id.name),
            ),
            (self.activity_type_id and not self.activity_user_mode, _("choose who gets the activity.")),
            (
                self.post_internal_note and is_html_empty(self.note),
                _("write the instructions to post in the note."),
            ),
            (
                self.mail_template_id and self.mail_template_id.model != "helpdesk.ticket",
                _("the email template must be made for tickets."),
            ),
            (
                self.policy_id and self.trigger not in SLA_TRIGGERS,
                _("only SLA triggers (share used, breach) can be limited to a policy."),
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
        if self.policy_id and self.policy_id != policy:
            return False
        return True

    @api.model
    def _ticket_calendar(self, ticket):
        return ticket.team_id.resource_calendar_id or ticket.company_id.resource_calendar_id

    @api.model
    def _plan_business_hours(self, calendar, hours, start, cache=None):
        """`start` plus `hours` working hours of `calendar` (holidays excluded).

        Without a calendar, or with one that has no working time, hours are plain hours.
        """
        key = (calendar.id, hours, start)
        if cache is not None and key in cache:
            return cache[key]
        result = False
        if calendar:
            result = calendar.plan_hours(hours, start, compute_leaves=True)
        if not result:
            result = start + timedelta(hours=hours)
        if cache is not None:
            cache[key] = result
        return result

    @api.model
    def _sla_line_calendar(self, line):
        """Working hours an SLA line runs on: the line's, its policy's, then the team's."""
        if "calendar_id" in line._fields and line.calendar_id:
            return line.calendar_id
        if line.policy_id:
            return line.policy_id._get_calendar(line.ticket_id)
        return self._ticket_calendar(line.ticket_id)

    def _sla_due_date(self, line, cache=None):
        """When this rule is due for `line`; False when it cannot be known (paused, settled).

        Share rules are due when `share_percent` of the target is used, breach rules when
        the target plus `offset_hours` is: both in business hours of the line's clock.
        """
        self.ensure_one()
        if self.trigger not in SLA_TRIGGERS or ("settled_date" in line._fields and line.settled_date):
            return False
        target = line.target_hours or 0.0
        used = line.used_hours or 0.0
        if self.trigger == "sla_share":
            threshold = target * self.share_percent / 100.0
        else:
            threshold = target + self.offset_hours
        if target and used >= threshold:
            return line.running_since or line.deadline or fields.Datetime.now()
        if target and hasattr(line, "_time_at_share"):
            return line._time_at_share(threshold / target)
        if self.trigger == "sla_share":
            if not line.running_since:
                return False
            return self._plan_business_hours(self._sla_line_calendar(line), threshold - used, line.running_since, cache)
        if not line.deadline:
            return False
        if not self.offset_hours:
            return line.deadline
        return self._plan_business_hours(self._sla_line_calendar(line), self.offset_hours, line.deadline, cache)

    def _no_response_due_date(self, ticket, cache=None):
        self.ensure_one()
        start = ticket.create_date or fields.Datetime.now()
        return self._plan_business_hours(self._ticket_calendar(ticket), self.offset_hours, start, cache)

    @api.model
    def _compute_no_response_dates(self, tickets):
        """Compute `no_response_escalation_date`: when the next no-first-response rule is due."""
        todo = tickets.filtered(lambda t: not t.first_response_date and t.company_id)
        (tickets - todo).no_response_escalation_date = False
        if not todo:
            return
        rules = self._get_active_rules(("no_first_response",), todo.company_id)
        cache = {}
        for ticket in todo:
            dates = [
                rule._no_response_due_date(ticket, cache)
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
    # Firing API (called by the SLA watcher cron and by ticket creation)
    # ------------------------------------------------------------------

    @api.model
    def _fire_for_sla_lines(self, lines, now=None):
        """Fire the SLA rules (share used, breach + offset) due at `now` for `lines`.

        `lines` are ``helpdesk.ticket.sla`` records; each matching rule fires once per
        ticket and level, in level order. Returns the escalation logs created.
        """
        now = now or fields.Datetime.now()
        lines = lines.sudo().filtered(
            lambda line: line.ticket_id.state in OPEN_STATES and line.status not in SLA_QUIET_STATUSES
        )
        if not lines:
            return self.env["helpdesk.escalation.log"]
        rules = self._get_active_rules(SLA_TRIGGERS, lines.ticket_id.company_id)
        candidates = []
        cache = {}
        for line in lines:
            ticket = line.ticket_id
            for rule in rules:
                if rule.level <= ticket.escalation_level or not rule._matches(ticket, line.policy_id):
                    continue
                due = rule._sla_due_date(line, cache)
                if due and due <= now:
                    candidates.append((ticket, rule, rule._describe_sla(line)))
        return self._fire(candidates, now)

    @api.model
    def _cron_escalate_no_response(self, batch_size=200):
        """Escalate open tickets nobody answered in time; set-based, in committed batches.

        Returns True when every due ticket was handled, False when the cron's time ran out.
        """
        Ticket = self.env["helpdesk.ticket"].sudo()
        seen = []
        while True:
            now = fields.Datetime.now()
            domain = (
                Domain("no_response_escalation_date", "<=", now)
                & Domain("first_response_date", "=", False)
                & Domain("state", "in", OPEN_STATES)
            )
            tickets = Ticket.search(
                domain & Domain("id", "not in", seen), order="no_response_escalation_date, id", limit=batch_size
            )
            if not tickets:
                return True
            seen += tickets.ids
            locked = self.env["helpdesk.team"]._lock_due_tickets(tickets, domain)
            self._fire_no_response(locked, now)
            if not self.env["ir.cron"]._commit_progress(len(tickets)):
                return False

    @api.model
    def _fire_no_response(self, tickets, now):
        if not tickets:
            return self.env["helpdesk.escalation.log"]
        rules = self._get_active_rules(("no_first_response",), tickets.company_id)
        cache = {}
        candidates = []
        for ticket in tickets:
            for rule in rules:
                if rule.level <= ticket.escalation_level or not rule._matches(ticket):
                    continue
                if rule._no_response_due_date(ticket, cache) <= now:
                    candidates.append(
                        (
                            ticket,
                            rule,
                            self.env._(
                                "no agent replied to the customer within %(hours)s business hours of creation",
                                hours=f"{rule.offset_hours:g}",
                            ),
                        )
                    )
        logs = self._fire(candidates, now)
        # Tickets whose rules changed since the date was computed must leave the queue too.
        self.env.add_to_compute(tickets._fields["no_response_escalation_date"], tickets)
        tickets.flush_recordset(["no_response_escalation_date"])
        return logs

    @api.model
    def _fire_on_create(self, tickets):
        """Major incidents: tickets created with a priority at least as urgent as the rule's."""
        rules = self._get_active_rules(("priority_on_create",), tickets.company_id)
        if not rules:
            return self.env["helpdesk.escalation.log"]
        labels = dict(PRIORITIES)
        candidates = [
            (
                ticket,
                rule,
                self.env._(
                    "the ticket was created with priority %(priority)s (major incident from %(threshold)s)",
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
        metric = line._fields["metric"].convert_to_export(line.metric, line) if "metric" in line._fields else ""
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

    # ------------------------------------------------------------------
    # Firing core
    # ------------------------------------------------------------------

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
    def _plan_escalations(self, candidates):
        """Order (ticket, rule, reason) candidates into escalations to perform.

        Per ticket, in level order: skip rules already logged for that level and rules
        not above the level reached so far. Returns [(ticket, rule, reason, level_from)].
        """
        by_ticket = defaultdict(dict)
        for ticket, rule, reason in candidates:
            by_ticket[ticket].setdefault(rule, reason)
        if not by_ticket:
            return []
        tickets = self.env["helpdesk.ticket"].union(*by_ticket)
        rules = self.union(*(rule for reasons in by_ticket.values() for rule in reasons))
        fired = self._fired_keys(tickets, rules)
        plans = []
        for ticket, reasons in by_ticket.items():
            level = ticket.escalation_level
            for rule in sorted(reasons, key=lambda r: (r.level, r.sequence, r.id)):
                if rule.level <= level or (ticket.id, rule.id, rule.level) in fired:
                    continue
                plans.append((ticket, rule, reasons[rule], level))
                level = rule.level
        return plans

    @api.model
    def _fire(self, candidates, now):
        return self._execute_escalations(self._plan_escalations(candidates), now)

    @api.model
    def _execute_escalations(self, plans, now):
        """Insert the logs of `plans`, then run the actions of the rows actually inserted.

        ``INSERT … ON CONFLICT DO NOTHING`` against the unique (ticket, rule, level) index
        makes a concurrent worker that planned the same escalation insert nothing, so
        its actions never run twice.
        """
        Log = self.env["helpdesk.escalation.log"]
        if not plans:
            return Log
        system_env = self.env(user=SUPERUSER_ID, su=True)
        inserted = self._insert_logs(plans, now)
        logs = Log
        for ticket, rule, reason, level_from in plans:
            log_id = inserted.get((ticket.id, rule.id))
            if not log_id:
                continue
            log = Log.with_env(system_env).browse(log_id)
            rule.with_env(system_env)._apply(ticket.with_env(system_env), log, reason, level_from, now)
            logs |= log
        return logs.with_env(self.env)

    @api.model
    def _insert_logs(self, plans, now):
        """Insert the logs of `plans`; return {(ticket id, rule id): log id} of the rows inserted.

        A ticket's escalations are inserted all or none: when a concurrent worker logged
        one of them (unique index conflict, or a serialization failure when its row is
        newer than this transaction's snapshot), none of that ticket's plans runs here.
        """
        self.env["helpdesk.ticket"].flush_model()
        self.env["helpdesk.escalation.log"].flush_model()
        rows_by_ticket = defaultdict(list)
        for ticket, rule, reason, level_from in plans:
            rows_by_ticket[ticket.id].append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    ticket.id,
                    rule.id,
                    ticket.company_id.id,
                    level_from,
                    rule.level,
                    ticket.team_id.id or None,
                    ticket.user_id.id or None,
                    SUPERUSER_ID,
                    now,
                    reason,
                    rule.trigger,
                    SUPERUSER_ID,
                    now,
                    SUPERUSER_ID,
                    now,
                )
            )
        # One statement for the whole batch; per ticket only when something conflicted.
        inserted = self._insert_log_rows([row for rows in rows_by_ticket.values() for row in rows])
        if inserted is None:
            inserted = {}
            for rows in rows_by_ticket.values():
                inserted.update(self._insert_log_rows(rows) or {})
        self.env["helpdesk.ticket"].browse(rows_by_ticket).invalidate_recordset(["escalation_log_ids"])
        return inserted

    @api.model
    def _insert_log_rows(self, rows):
        """Insert every row or none (savepoint); None when any of them conflicts."""
        query = SQL(
            """INSERT INTO helpdesk_escalation_log
                   (ticket_id, rule_id, company_id, level_from, level_to, team_from_id, user_from_id,
                    escalated_by_id, date, reason, trigger, create_uid, create_date, write_uid, write_date)
               VALUES %s
               ON CONFLICT DO NOTHING
               RETURNING id, ticket_id, rule_id""",
            SQL(", ").join(rows),
        )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False) as savepoint:
                result = self.env.execute_query(query)
                if len(result) < len(rows):
                    savepoint.close(rollback=True)
                    return None
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.UniqueViolation):
            return None
        return {(ticket_id, rule_id): log_id for log_id, ticket_id, rule_id in result}

    def _apply(self, ticket, log, reason, level_from, now):
        """Run this rule's actions on `ticket` (system environment) and log them."""
        self.ensure_one()
        lines = self._apply_reassignment(ticket, now)
        lines += self._apply_notifications(ticket)
        header = self.env._(
            "Escalated to level %(level)s by rule “%(rule)s”: %(reason)s.",
            level=self.level,
            rule=self.name,
            reason=reason,
        )
        body = Markup("<p>%s</p>") % header
        if lines:
            body += Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % line for line in lines)
        if self.post_internal_note and not is_html_empty(self.note):
            body += Markup("<div>%s</div>") % self.note
        ticket.message_post(body=body, subtype_xmlid="mail.mt_note", message_type="comment")
        log.write(
            {"team_to_id": ticket.team_id.id, "user_to_id": ticket.user_id.id, "reason": "\n".join([header, *lines])}
        )

    def _apply_reassignment(self, ticket, now):
        """Level, team, assignee and priority, in one write; returns the lines of the note."""
        self.ensure_one()
        lines = []
        vals = {"escalation_level": self.level}
        old_team, old_user = ticket.team_id, ticket.user_id
        team = old_team
        if self.reassign_team_id and self.reassign_team_id != old_team:
            team = self.reassign_team_id
            vals["team_id"] = team.id
            lines.append(self.env._("Team: %(old)s → %(new)s.", old=old_team.name or "-", new=team.name))
        user, user_lines = self._pick_escalation_user(ticket, team, now)
        lines += user_lines
        if user != old_user:
            vals["user_id"] = user.id
            lines.append(self.env._("Assignee: %(old)s → %(new)s.", old=old_user.name or "-", new=user.name or "-"))
        if self.raise_priority:
            labels = dict(PRIORITIES)
            if ticket.priority > "1":
                vals["priority"] = str(int(ticket.priority) - 1)
                lines.append(
                    self.env._(
                        "Priority: %(old)s → %(new)s.", old=labels[ticket.priority], new=labels[vals["priority"]]
                    )
                )
            else:
                lines.append(self.env._("Priority already %(priority)s.", priority=labels[ticket.priority]))
        if old_user and "team_id" in vals:
            # Earlier handlers keep access to the ticket as followers.
            ticket.message_subscribe(partner_ids=old_user.partner_id.ids)
        ticket.write(vals)
        return lines

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
        """Assignee after escalation to `team`, skipping agents on leave; with lines for the note."""
        self.ensure_one()
        if self.reassign_user_mode == "specific":
            return self._pick_available(ticket, team, self.reassign_user_id, self.env._("the escalation user"), now)
        if self.reassign_user_mode == "team_leader":
            if not team.leader_id:
                user, lines = self._pick_available(ticket, team, team.leader_id, "", now)
                return user, [self.env._("Team %(team)s has no leader.", team=team.name or "-"), *lines]
            return self._pick_available(ticket, team, team.leader_id, self.env._("the team leader"), now)
        if team == ticket.team_id:
            return ticket.user_id, []
        if not team:
            return self.env["res.users"], []
        # Functional escalation: the new team's assignment method, which skips agents on leave.
        on_leave = team._users_on_leave(team.member_ids, now)
        lines = []
        if on_leave:
            names = ", ".join(on_leave.sorted("id").mapped("name"))
            lines.append(self.env._("Skipped (on leave): %(names)s.", names=names))
        return team._pick_assignees(1)[0], lines

    def _pick_available(self, ticket, team, wanted, role, now):
        """`wanted` unless on leave; else the team leader (for a specific user), else an available member."""
        if wanted and not team._users_on_leave(wanted, now):
            return wanted, []
        lines = []
        if wanted:
            lines.append(self.env._("%(user)s (%(role)s) is on leave.", user=wanted.name, role=role))
        fallback = self.env["res.users"]
        if wanted != team.leader_id and team.leader_id and not team._users_on_leave(team.leader_id, now):
            fallback = team.leader_id
        if not fallback and team:
            fallback = team._pick_available_member(now, exclude=wanted)
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
