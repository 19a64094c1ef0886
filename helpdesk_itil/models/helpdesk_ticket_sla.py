import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools.business_clock import PLAN_WINDOW
from .helpdesk_sla_policy import SLA_KINDS, SLA_METRICS
from .helpdesk_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

SLA_STATUSES = [
    ("ongoing", "Ongoing"),
    ("paused", "Paused"),
    ("at_risk", "At Risk"),
    ("reached", "Reached"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# Fields of a line read together whenever the engine works on lines.
LINE_FIELDS = [
    "ticket_id",
    "notified_at_risk",
    "notified_failed",
    "policy_id",
    "kind",
    "metric",
    "calendar_id",
    "status",
    "start_date",
    "running_since",
    "paused_since",
    "target_hours",
    "carried_hours",
    "used_hours",
    "paused_hours",
    "deadline",
    "at_risk_date",
    "escalation_date",
    "next_check_date",
    "current_interval_id",
    "settled_date",
]


def clock_key(calendar, company):
    """The key of a business clock (resource.calendar._helpdesk_clocks): no calendar, no clock."""
    return (calendar, company) if calendar else False


class SyncPlan:
    """What one batch does to SLA lines: decided first, then applied with shared clocks."""

    def __init__(self, lines):
        self.settle = self.cancel = self.withdraw = self.pause = self.resume = self.replan = lines
        self.switch = {}  # line: new calendar
        self.start = []  # (ticket, policy) then (ticket, policy, carried hours)


class ClockChanges:
    """What stopping and starting clocks writes, gathered to be written at once
    (``helpdesk.ticket.sla._apply_clock_changes``): the values of each line, the lines whose
    clock starts a running interval at `now`, and the pauses that ended, as closed intervals."""

    def __init__(self, now):
        self.now = now
        self.vals = {}  # line: values
        self.runs = []  # lines that start a running interval
        self.logged = []  # values of closed pause intervals

    def change(self, line, vals, run=False):
        self.vals.setdefault(line, {}).update(vals)
        if run and line not in self.runs:
            self.runs.append(line)

    def log_pause(self, line, start, stop, business_hours):
        self.logged.append(
            {
                "sla_id": line.id,
                "kind": "paused",
                "date_start": start,
                "date_stop": stop,
                "business_hours": business_hours,
            }
        )


class HelpdeskTicketSla(models.Model):
    """The clock of one policy on one ticket.

    A line runs in business hours from the moment its policy applies, pauses while the
    ticket is in a pause stage and is settled once: reached when its metric is met (first
    public agent reply, resolved or closed state, reply to a customer message), failed
    when that happens after the deadline, cancelled when the policy stops applying.
    Settled lines never change again; ``settled_date`` marks them.

    Stored figures: ``used_hours`` are the business hours used up to ``running_since``
    (the start of the current running interval) or up to the last pause; a pause going on
    started at ``paused_since`` and is logged as an interval when it ends; the deadline is
    ``running_since`` plus the remaining hours on the calendar, so a running line's dates
    do not depend on the current time and only change on pause, resume or policy edits.
    ``next_check_date`` is the next moment the SLA watcher must look at the line (at risk,
    breach or escalation), on an index the watcher scans.
    """

    _name = "helpdesk.ticket.sla"
    _description = "Helpdesk Ticket SLA"
    _order = "settled_date desc nulls first, deadline, id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, index=True, ondelete="cascade")
    policy_id = fields.Many2one("helpdesk.sla.policy", required=True, index=True, ondelete="restrict")
    name = fields.Char(related="policy_id.name")
    kind = fields.Selection(SLA_KINDS, required=True)
    metric = fields.Selection(SLA_METRICS, required=True)
    team_id = fields.Many2one(related="ticket_id.team_id", store=True, index=True)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    calendar_id = fields.Many2one("resource.calendar", string="Working Hours", help="Calendar the clock runs on.")
    status = fields.Selection(SLA_STATUSES, required=True, default="ongoing", index=True)
    start_date = fields.Datetime(string="Started On", required=True)
    running_since = fields.Datetime(help="Start of the current running interval; empty while paused or settled.")
    paused_since = fields.Datetime(
        help="Start of the current pause; empty while running or settled. The pause is logged as an interval "
        "when it ends."
    )
    target_hours = fields.Float(string="Target (business hours)")
    carried_hours = fields.Float(help="Business hours carried over from the line settled before a reopen.")
    used_hours = fields.Float(
        string="Used (business hours)", help="Business hours used up to the last pause or the current run's start."
    )
    paused_hours = fields.Float(string="Paused (hours)", help="Elapsed hours spent paused.")
    deadline = fields.Datetime(index=True, help="When the target is reached if the clock keeps running.")
    at_risk_date = fields.Datetime(string="At Risk On", index=True)
    reached_date = fields.Datetime(string="Reached On", help="When the metric was met.")
    settled_date = fields.Datetime(string="Settled On", index=True)
    escalation_date = fields.Datetime(help="When the next escalation rule of this line becomes due.")
    next_check_date = fields.Datetime(help="Next moment the SLA watcher looks at this line.")
    # Agent notices sent (helpdesk.notice._notify_sla_lines): once per line and status.
    notified_at_risk = fields.Boolean(string="At Risk Notice Sent", readonly=True, copy=False)
    notified_failed = fields.Boolean(string="Failure Notice Sent", readonly=True, copy=False)
    current_interval_id = fields.Many2one(
        "helpdesk.ticket.sla.interval", readonly=True, help="The running interval, while the clock runs."
    )
    interval_ids = fields.One2many("helpdesk.ticket.sla.interval", "sla_id", string="Intervals")

    # The watcher scans this index; settled and paused lines are not in it.
    _next_check_idx = models.Index("(next_check_date) WHERE next_check_date IS NOT NULL")
    # One running promise per ticket, kind and metric, even with concurrent writers.
    _open_line_uniq = models.UniqueIndex(
        "(ticket_id, kind, metric) WHERE settled_date IS NULL",
        "A ticket has one open SLA line per kind and metric.",
    )

    @api.depends("policy_id", "kind", "metric")
    def _compute_display_name(self):
        kinds = dict(SLA_KINDS)
        for line in self:
            line.display_name = f"{kinds.get(line.kind, '')} {line.policy_id.name or ''}".strip()

    def _clock_key(self):
        """The business clock this line runs on: its calendar, in its ticket's company."""
        self.ensure_one()
        return clock_key(self.calendar_id, self.ticket_id.company_id)

    def _date_at_used(self, hours, clocks):
        """When this running line will have used `hours` business hours in all (the start of
        its current run if it already has); False while paused or settled, or never."""
        self.ensure_one()
        if not self.running_since or self.settled_date:
            return False
        return clocks.get(self._clock_key()).plan(self.running_since, hours - self.used_hours)

    # ------------------------------------------------------------------
    # Ticket events
    # ------------------------------------------------------------------

    @api.model
    def _sync_tickets(self, tickets, rematch_tickets=None, now=None, created=False):
        """Bring the SLA lines of `tickets` in line with their state, stage and classification.

        Called once per batch by ticket create() and write(). Policies are matched again
        for `rematch_tickets` (created, reclassified or reopened): new lines start, lines
        of policies that no longer apply are cancelled, the others keep their time. Then
        every open line follows the ticket: settled when the ticket is resolved, closed or
        cancelled, paused in a pause stage, resumed outside. The number of queries does not
        depend on the number of lines per ticket. `created`: the tickets are new, so they
        have no lines and no history to look up.
        """
        now = now or fields.Datetime.now()
        tickets = tickets.sudo()
        rematch_tickets = (rematch_tickets or tickets.browse()).sudo()
        if created:
            lines = self.sudo().browse()
        else:
            # Ordered by id: the default order would flush every line written before.
            lines = self.sudo().search_fetch(
                Domain("ticket_id", "in", tickets.ids) & Domain("settled_date", "=", False), LINE_FIELDS, order="id"
            )
        lines_by_ticket = lines.grouped("ticket_id")
        matches = self.env["helpdesk.sla.policy"]._get_matching_policies(
            rematch_tickets.filtered(lambda t: t.state in OPEN_STATES)
        )
        plan = SyncPlan(lines.browse())
        for ticket in tickets:
            ticket_lines = lines_by_ticket.get(ticket, lines.browse())
            if ticket.state == "cancelled":
                # Nothing was delivered: the promises are withdrawn, never "reached".
                plan.withdraw |= ticket_lines
                continue
            if ticket.state not in OPEN_STATES:
                # Resolved or closed: every promise still running is settled.
                plan.settle |= ticket_lines
                continue
            if ticket in matches:
                ticket_lines = ticket_lines._plan_rematch(ticket, matches[ticket], plan)
            ticket_lines._plan_clock(plan)
        if created:
            plan.start = [(ticket, policy, 0.0) for ticket, policy in plan.start]
        elif plan.start:
            plan.start = self._filter_starts(plan.start)
        self._apply_sync_plan(plan, now)

    def _plan_rematch(self, ticket, winners, plan):
        """Cancel lines of `ticket` whose policy lost, start winners; return the lines kept."""
        cancelled = self.filtered(lambda line: winners.get((line.kind, line.metric)) != line.policy_id)
        plan.cancel |= cancelled
        kept = self - cancelled
        kept_keys = {(line.kind, line.metric) for line in kept}
        replaced = {(line.kind, line.metric) for line in cancelled}
        for (kind, metric), policy in winners.items():
            if (kind, metric) in kept_keys:
                continue
            # A next-response line is opened by a customer message only; here it is
            # started again only to replace the line of a policy that stopped applying.
            if metric == "next_response" and (kind, metric) not in replaced:
                continue
            if metric == "first_response" and ticket.first_response_date:
                continue
            plan.start.append((ticket, policy))
        return kept

    def _plan_clock(self, plan):
        """Pause, resume or move to another calendar the open lines as their ticket requires."""
        for line in self:
            ticket = line.ticket_id
            calendar = line.policy_id._get_calendar(ticket)
            if calendar and calendar != line.calendar_id:
                plan.switch[line] = calendar
            pause = line.policy_id._is_pause_stage(ticket.stage_id)
            if pause and line.running_since:
                plan.pause |= line
            elif not pause and not line.running_since:
                plan.resume |= line

    @api.model
    def _apply_sync_plan(self, plan, now):
        # Declare every time range the batch needs first: one fetch of working intervals
        # per calendar, whatever the number of lines.
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        switched = plan.settle.browse([line.id for line in plan.switch])
        horizon = now + PLAN_WINDOW
        for line in plan.settle | plan.cancel | plan.withdraw | plan.pause | plan.resume | switched | plan.replan:
            clocks.need(line._clock_key(), line.running_since or line.paused_since or now, horizon)
        for line, calendar in plan.switch.items():
            clocks.need(clock_key(calendar, line.ticket_id.company_id), now, horizon)
        for ticket, policy, _carried in plan.start:
            clocks.need(clock_key(policy._get_calendar(ticket), ticket.company_id), now, horizon)
        changes = ClockChanges(now)
        plan.settle._settle(now, now, clocks)
        plan.cancel._settle(now, now, clocks, status="cancelled")
        plan.withdraw._settle(now, now, clocks, status="withdrawn")
        plan.pause._pause(now, clocks, changes)
        plan.resume._resume(now, clocks, changes)
        for line, calendar in plan.switch.items():
            if line in plan.pause or line in plan.resume:
                # The interval was already cut at `now`: the new one runs on the new calendar.
                line.calendar_id = calendar
            else:
                line._switch_calendar(calendar, now, clocks, changes)
        if plan.cancel and plan.start:
            # Replacement lines: the unique index on open lines needs the old ones settled.
            plan.cancel.flush_recordset(["settled_date"])
        new_lines = self._start_lines(plan.start, now, clocks)
        self._apply_clock_changes(changes)
        (new_lines | plan.resume | switched | plan.replan)._plan(now, clocks)

    @api.model
    def _filter_starts(self, starts):
        """Drop starts a ticket has already had, and find the time a reopen carries over."""
        tickets = self.env["helpdesk.ticket"].browse({ticket.id for ticket, _policy in starts})
        history = self.sudo().search_fetch(
            Domain("ticket_id", "in", tickets.ids)
            & Domain("status", "in", ("reached", "failed"))
            & Domain("metric", "in", ("first_response", "resolution")),
            ["ticket_id", "kind", "metric", "used_hours", "settled_date"],
            order="settled_date desc, id desc",
        )
        last_settled = {}
        for line in history:
            last_settled.setdefault((line.ticket_id, line.kind, line.metric), line)
        result = []
        for ticket, policy in starts:
            previous = last_settled.get((ticket, policy.kind, policy.metric))
            if policy.metric == "first_response" and previous:
                continue
            carried = previous.used_hours if previous and policy.metric == "resolution" else 0.0
            result.append((ticket, policy, carried))
        return result

    @api.model
    def _start_lines(self, starts, now, clocks):
        """Create the lines of `starts` [(ticket, policy, carried hours)]; the running ones
        with their first interval (a line starting paused logs its pause when it ends)."""
        vals_list = []
        for ticket, policy, carried in starts:
            calendar = policy._get_calendar(ticket)
            if not calendar:
                _logger.warning("SLA policy %s: no working hours for ticket %s, not applied.", policy.id, ticket.id)
                continue
            paused = policy._is_pause_stage(ticket.stage_id)
            vals_list.append(
                {
                    "ticket_id": ticket.id,
                    "policy_id": policy.id,
                    "kind": policy.kind,
                    "metric": policy.metric,
                    "calendar_id": calendar.id,
                    "status": "paused" if paused else "ongoing",
                    "start_date": now,
                    "running_since": False if paused else now,
                    "paused_since": now if paused else False,
                    "target_hours": policy.target_hours,
                    "carried_hours": carried,
                    "used_hours": carried,
                }
            )
        lines = self.sudo().create(vals_list)
        running = lines.filtered("running_since")
        intervals = (
            self.env["helpdesk.ticket.sla.interval"]
            .sudo()
            .create([{"sla_id": line.id, "kind": "running", "date_start": now} for line in running])
        )
        for line, interval in zip(running, intervals, strict=True):
            line.current_interval_id = interval
        return lines

    def _close_current(self, when, clocks, changes):
        """Stop each line's clock at `when`: its running interval closed, or its pause
        logged in `changes` as a closed interval; return the line values it changes.
        Intervals closed with the same values (lines started together on one calendar)
        are written together."""
        result = {}
        closing = defaultdict(list)
        for line in self:
            clock = clocks.get(line._clock_key()) if line.calendar_id else None
            if line.running_since:
                hours = clock.duration(line.running_since, when) if clock else 0.0
                if line.current_interval_id:
                    closing[hours].append(line.current_interval_id.id)
                result[line] = {
                    "used_hours": line.used_hours + hours,
                    "running_since": False,
                    "current_interval_id": False,
                }
            elif line.paused_since:
                start = min(line.paused_since, when)
                hours = clock.duration(start, when) if clock else 0.0
                changes.log_pause(line, start, when, hours)
                result[line] = {
                    "paused_hours": line.paused_hours + (when - start).total_seconds() / 3600,
                    "paused_since": False,
                }
            else:
                result[line] = {}
        Interval = self.env["helpdesk.ticket.sla.interval"]
        for hours, interval_ids in closing.items():
            Interval.browse(interval_ids).write({"date_stop": when, "business_hours": hours})
        return result

    def _settle(self, when, now, clocks, status=None):
        """Settle open lines once: reached if met in time, else failed. `status`:
        "cancelled" (the policy no longer applies), or "withdrawn" (the ticket is cancelled:
        failed if the promise was already broken, else cancelled — never reached)."""
        changes = ClockChanges(now)
        for line, vals in self._close_current(when, clocks, changes).items():
            if line.status == "failed":
                failed = True
            elif line.running_since:
                failed = bool(line.deadline and when > line.deadline)
            else:
                # Paused: its used time is final, compare it with the target.
                failed = vals.get("used_hours", line.used_hours) > line.target_hours + 1e-6
            if status == "cancelled" or (status == "withdrawn" and not failed):
                final = "cancelled"
            else:
                final = "failed" if failed else "reached"
            vals.update(
                status=final,
                settled_date=now,
                reached_date=when if final != "cancelled" else False,
                at_risk_date=line.at_risk_date if line.running_since else False,
                escalation_date=False,
                next_check_date=False,
            )
            changes.change(line, vals)
        self._apply_clock_changes(changes)

    def _pause(self, now, clocks, changes):
        # A pause opens no interval: it is logged when it ends.
        for line, vals in self._close_current(now, clocks, changes).items():
            vals.update(
                status="failed" if line.status == "failed" else "paused",
                paused_since=now,
                deadline=False,
                at_risk_date=False,
                escalation_date=False,
                next_check_date=False,
            )
            changes.change(line, vals)

    def _resume(self, now, clocks, changes):
        for line, vals in self._close_current(now, clocks, changes).items():
            vals["running_since"] = now
            changes.change(line, vals, run=True)

    def _switch_calendar(self, calendar, now, clocks, changes):
        """Run on another calendar from now on (team change, policy edit)."""
        self.ensure_one()
        if self.running_since:
            vals = self._close_current(now, clocks, changes)[self]
            vals["running_since"] = now
            changes.change(self, {}, run=True)
        else:
            vals = {}
        vals["calendar_id"] = calendar.id
        self.write(vals)
        clocks.need(self._clock_key(), now, now + PLAN_WINDOW)

    @api.model
    def _apply_clock_changes(self, changes):
        """Create the intervals of `changes` in one go (the pauses that ended, the runs that
        start) and write each line once, with its new running interval if it has one."""
        logged, runs = changes.logged, changes.runs
        if logged or runs:
            intervals = (
                self.env["helpdesk.ticket.sla.interval"]
                .sudo()
                .create(logged + [{"sla_id": line.id, "kind": "running", "date_start": changes.now} for line in runs])
            )
            for line, interval in zip(runs, intervals[len(logged) :], strict=True):
                changes.vals[line]["current_interval_id"] = interval.id
        for line, vals in changes.vals.items():
            if vals:
                line.write(vals)

    def _plan(self, now, clocks):
        """Compute deadline, at-risk date, status, escalation and next check of running lines."""
        running = self.filtered(lambda line: line.running_since and not line.settled_date)
        for line in running:
            clocks.need(line._clock_key(), line.running_since, now + PLAN_WINDOW)
        for line in running:
            deadline = line._date_at_used(line.target_hours, clocks)
            at_risk_date = line._date_at_used(line.target_hours * line.policy_id.at_risk_percent / 100, clocks)
            status = line.status
            if status != "failed":
                if deadline and deadline <= now:
                    status = "failed"
                elif at_risk_date and at_risk_date <= now:
                    status = "at_risk"
                else:
                    status = "ongoing"
            line.write({"deadline": deadline, "at_risk_date": at_risk_date, "status": status})
        running._compute_escalation_dates(clocks)

    # ------------------------------------------------------------------
    # Merge and unmerge
    # ------------------------------------------------------------------

    @api.model
    def _cancel_tickets(self, tickets, now=None):
        """Cancel the open lines of `tickets` (merged into another ticket): kept as history,
        never counted in compliance. Returns the lines cancelled."""
        now = now or fields.Datetime.now()
        lines = self.sudo().search_fetch(
            Domain("ticket_id", "in", tickets.ids) & Domain("settled_date", "=", False), LINE_FIELDS
        )
        if lines:
            plan = SyncPlan(lines.browse())
            plan.cancel = lines
            self._apply_sync_plan(plan, now)
        return lines

    @api.model
    def _carry_over(self, cancelled, now=None):
        """After an unmerge reopened their ticket: the promises of the lines a merge cancelled
        (`cancelled`, which stay cancelled) go on in open lines carrying the business time
        they had used. An open line of the same kind and metric (started by the reopen) takes
        that time; otherwise a new line of the cancelled line's policy starts with it (never a
        first response already given)."""
        now = now or fields.Datetime.now()
        cancelled = cancelled.sudo().filtered(lambda line: line.status == "cancelled")
        tickets = cancelled.ticket_id.filtered(lambda t: t.state in OPEN_STATES)
        if not tickets:
            return self.browse()
        open_lines = self.sudo().search_fetch(
            Domain("ticket_id", "in", tickets.ids) & Domain("settled_date", "=", False), LINE_FIELDS
        )
        by_key = {(line.ticket_id, line.kind, line.metric): line for line in open_lines}
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        carried = self.sudo().browse()
        starts = []
        for line in cancelled.filtered(lambda line: line.ticket_id in tickets):
            current = by_key.get((line.ticket_id, line.kind, line.metric))
            if current:
                current.write(
                    {
                        "carried_hours": line.used_hours,
                        "used_hours": current.used_hours - current.carried_hours + line.used_hours,
                    }
                )
                carried |= current
            elif not (line.metric == "first_response" and line.ticket_id.first_response_date):
                starts.append((line.ticket_id, line.policy_id, line.used_hours))
        for ticket, policy, _hours in starts:
            clocks.need(clock_key(policy._get_calendar(ticket), ticket.company_id), now, now + PLAN_WINDOW)
        for line in carried.filtered("running_since"):
            clocks.need(line._clock_key(), line.running_since, now + PLAN_WINDOW)
        new_lines = self._start_lines(starts, now, clocks)
        (carried | new_lines)._plan(now, clocks)
        return carried | new_lines

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------

    @api.model
    def _on_agent_reply(self, tickets, when):
        """A public reply of an agent meets the first response and any awaited next response."""
        lines = self.sudo().search_fetch(
            Domain("ticket_id", "in", tickets.ids)
            & Domain("settled_date", "=", False)
            & Domain("metric", "in", ("first_response", "next_response")),
            LINE_FIELDS,
        )
        if not lines:
            return
        now = fields.Datetime.now()
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        for line in lines:
            clocks.need(line._clock_key(), line.running_since or line.paused_since or when, max(when, now))
        lines._settle(min(when, now), now, clocks)

    @api.model
    def _on_customer_message(self, tickets):
        """A customer message on an answered, open ticket awaits the next agent reply."""
        tickets = tickets.sudo().filtered(lambda t: t.state in OPEN_STATES and t.first_response_date)
        if not tickets:
            return
        now = fields.Datetime.now()
        awaiting = set(
            self.sudo()
            .search_fetch(
                Domain("ticket_id", "in", tickets.ids)
                & Domain("settled_date", "=", False)
                & Domain("metric", "=", "next_response"),
                ["ticket_id", "kind"],
            )
            .mapped(lambda line: (line.ticket_id, line.kind))
        )
        starts = [
            (ticket, policy, 0.0)
            for ticket, winners in self.env["helpdesk.sla.policy"]._get_matching_policies(tickets).items()
            for (kind, metric), policy in winners.items()
            if metric == "next_response" and (ticket, kind) not in awaiting
        ]
        if starts:
            clocks = self.env["resource.calendar"]._helpdesk_clocks()
            for ticket, policy, _carried in starts:
                clocks.need(clock_key(policy._get_calendar(ticket), ticket.company_id), now, now + PLAN_WINDOW)
            self._start_lines(starts, now, clocks)._plan(now, clocks)

    # ------------------------------------------------------------------
    # Policy edits
    # ------------------------------------------------------------------

    @api.model
    def _on_policy_change(self, policies, now):
        """Apply a policy's new target, threshold, calendar or pause stages to its open lines.

        Running intervals go on unless the calendar changed; settled lines never change.
        """
        lines = self.sudo().search_fetch(
            Domain("policy_id", "in", policies.ids) & Domain("settled_date", "=", False), LINE_FIELDS
        )
        for line in lines:
            if line.target_hours != line.policy_id.target_hours:
                line.target_hours = line.policy_id.target_hours
        plan = SyncPlan(lines.browse())
        lines._plan_clock(plan)
        plan.replan = lines
        self._apply_sync_plan(plan, now)

    # ------------------------------------------------------------------
    # Escalation dates
    # ------------------------------------------------------------------

    def _compute_escalation_dates(self, clocks=None):
        """Set escalation_date (the earliest SLA rule still to fire, see
        helpdesk.escalation.rule._get_pending_sla_rules) and next_check_date of the lines."""
        clocks = clocks or self.env["resource.calendar"]._helpdesk_clocks()
        running = self.filtered(lambda line: line.running_since and not line.settled_date)
        pending = self.env["helpdesk.escalation.rule"]._get_pending_sla_rules(running)
        for line in pending:
            clocks.need(line._clock_key(), line.running_since, line.running_since + PLAN_WINDOW)
        for line in self:
            escalation_date = False
            if line in pending:
                escalation_date = line._date_at_used(
                    min(rule._sla_threshold_hours(line) for rule in pending[line]), clocks
                )
            candidates = [escalation_date] if line in running else []
            if line in running and line.status == "ongoing":
                candidates.append(line.at_risk_date)
            if line in running and line.status != "failed":
                candidates.append(line.deadline)
            candidates = [date for date in candidates if date]
            vals = {"escalation_date": escalation_date, "next_check_date": min(candidates) if candidates else False}
            if any(line[fname] != value for fname, value in vals.items()):
                line.write(vals)

    # ------------------------------------------------------------------
    # Audit
    # ------------------------------------------------------------------

    def _recompute_from_intervals(self):
        """Recompute business hours of closed intervals from the calendar, then the lines' figures.

        used_hours = carried hours + business hours of closed running intervals;
        paused_hours = elapsed hours of closed paused intervals. Open lines keep their
        current run open, so their deadline is planned again from it.
        """
        intervals = (
            self.env["helpdesk.ticket.sla.interval"]
            .sudo()
            .search_fetch(
                [("sla_id", "in", self.ids), ("date_stop", "!=", False)],
                ["sla_id", "kind", "date_start", "date_stop", "business_hours"],
            )
        )
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        for interval in intervals:
            clocks.need(interval.sla_id._clock_key(), interval.date_start, interval.date_stop)
        used = defaultdict(float)
        paused = defaultdict(float)
        for interval in intervals:
            line = interval.sla_id
            hours = (
                clocks.get(line._clock_key()).duration(interval.date_start, interval.date_stop)
                if line.calendar_id
                else 0.0
            )
            if abs(hours - interval.business_hours) > 1e-6:
                interval.business_hours = hours
            if interval.kind == "running":
                used[line] += hours
            else:
                paused[line] += (interval.date_stop - interval.date_start).total_seconds() / 3600
        for line in self:
            line.write({"used_hours": line.carried_hours + used[line], "paused_hours": paused[line]})
        self.filtered(lambda line: not line.settled_date)._plan(fields.Datetime.now(), clocks)

    # ------------------------------------------------------------------
    # SLA watcher (a ticket timer: helpdesk.ticket._timer_sla_watch)
    # ------------------------------------------------------------------

    @api.model
    def _due_domain(self, now):
        """Lines the watcher must look at: open, with a next check that has come (on the
        partial index of next_check_date)."""
        return Domain("next_check_date", "<=", now) & Domain("settled_date", "=", False)

    @api.model
    def _watch_tickets(self, tickets, now):
        """Handle the due lines of `tickets` (locked by the caller): statuses, escalations,
        next checks. No commit."""
        lines = self.sudo().search_fetch(self._due_domain(now) & Domain("ticket_id", "in", tickets.ids), LINE_FIELDS)
        for line in lines.filtered("running_since"):
            if line.status != "failed" and line.deadline and line.deadline <= now:
                line.status = "failed"
            elif line.status == "ongoing" and line.at_risk_date and line.at_risk_date <= now:
                line.status = "at_risk"
        # The assignee (or the team leader) is told, once per line and status.
        self.env["helpdesk.notice"]._notify_sla_lines(lines.filtered("running_since"))
        # One set of clocks for the batch, shared with the escalation engine.
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        for line in lines.filtered("running_since"):
            clocks.need(line._clock_key(), line.running_since, now + PLAN_WINDOW)
        due = lines.filtered(lambda line: line.escalation_date and line.escalation_date <= now)
        if due:
            self.env["helpdesk.escalation.rule"].sudo()._fire_for_sla_lines(due, now, clocks)
        # Escalation actions may have re-matched the ticket and settled or replaced lines.
        lines.filtered(lambda line: not line.settled_date)._compute_escalation_dates(clocks)
        return lines

    @api.model
    def _schedule_next_watch(self, now):
        """Ask the scheduled action to run again at the earliest next check."""
        upcoming = self.sudo().search_fetch(
            Domain("next_check_date", ">", now), ["next_check_date"], order="next_check_date", limit=1
        )
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch", raise_if_not_found=False)
        if not upcoming or not cron:
            return
        # The cron runs every minute: do not pile up one trigger per run for the same check.
        already = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [("cron_id", "=", cron.id), ("call_at", ">", now), ("call_at", "<=", upcoming.next_check_date)], limit=1
            )
        )
        if not already:
            cron._trigger(upcoming.next_check_date)
