import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, split_every

from ..models.helpdesk_sla_policy import SLA_KINDS, SLA_METRICS

_logger = logging.getLogger(__name__)

PERIOD_TYPES = [("month", "Month"), ("week", "Week")]
ATTAINMENT_STATES = [("open", "Open"), ("final", "Final")]
# A period's result is final one day after the period ends: late settlements of its lines
# (a reply recorded a little late, a watcher run) still count; afterwards it never changes.
FREEZE_DELAY = timedelta(days=1)
# Policies per committed batch of the scheduled action.
ATTAINMENT_BATCH_SIZE = 50


class HelpdeskSlaAttainment(models.Model):
    """SLA attainment per period: for each policy, customer (commercial partner) and calendar
    month or ISO week, how many of its lines were reached and failed, the share reached and
    whether the policy's target (e.g. 95 %) was attained.

    A line counts in the period of its deadline (see helpdesk.sla.analysis, the view these
    figures are computed from), in the time zone of its team's working hours; cancelled
    lines are counted apart, running ones are not judged yet. The scheduled action
    "Helpdesk: SLA attainment per period" (``_cron_compute``) computes the periods still
    open and makes a period final one day after it ends: a final period is never computed
    again, whatever happens to its lines later."""

    _name = "helpdesk.sla.attainment"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk SLA Attainment per Period"
    _order = "period_start desc, period_type, policy_id, partner_id, id"

    _report_ratios = {"attainment_percent": ("reached_count", "settled_count", 100.0)}

    policy_id = fields.Many2one("helpdesk.sla.policy", required=True, index=True, ondelete="cascade")
    kind = fields.Selection(SLA_KINDS, required=True)
    metric = fields.Selection(SLA_METRICS, required=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null", ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    period_type = fields.Selection(PERIOD_TYPES, required=True)
    period_start = fields.Date(required=True, index=True, help="First day of the period, in its time zone.")
    period_name = fields.Char(string="Period", required=True)
    tz = fields.Char(string="Time Zone", required=True, help="Time zone of the team's working hours.")
    date_from = fields.Datetime(string="From", required=True, help="Start of the period (UTC).")
    date_to = fields.Datetime(string="To", required=True, help="End of the period, excluded (UTC).")
    line_count = fields.Integer(string="Lines")
    reached_count = fields.Integer(string="Reached")
    failed_count = fields.Integer(string="Failed")
    settled_count = fields.Integer(string="Reached or Failed")
    cancelled_count = fields.Integer(string="Cancelled")
    running_count = fields.Integer(string="Running", help="Lines not settled yet (their deadline is still ahead).")
    attainment_percent = fields.Float(
        string="Attainment (%)",
        aggregator="ratio",
        digits=(16, 2),
        help="Reached lines among reached and failed ones.",
    )
    target_percent = fields.Float(string="Target (%)", aggregator="avg", digits=(16, 1))
    attained = fields.Boolean(help="Lines were reached or failed, and the share reached meets the target.")
    state = fields.Selection(ATTAINMENT_STATES, required=True, default="open")
    computed_date = fields.Datetime(string="Computed On")

    _period_uniq = models.UniqueIndex(
        "(policy_id, COALESCE(partner_id, 0), period_type, period_start, tz)",
        "A policy has one result per customer and period.",
    )

    @api.depends("policy_id", "partner_id", "period_name", "attainment_percent")
    def _compute_display_name(self):
        for result in self:
            result.display_name = " · ".join(
                filter(None, [result.policy_id.name, result.partner_id.name, result.period_name])
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _analysis_domain(self):
        """The SLA Analysis rows (lines) these results count."""
        return Domain.OR(
            Domain("policy_id", "=", result.policy_id.id)
            & Domain("commercial_partner_id", "=", result.partner_id.id or False)
            & Domain("period_tz", "=", result.tz)
            & Domain("period_date", ">=", result.date_from)
            & Domain("period_date", "<", result.date_to)
            for result in self
        )

    @api.model
    def _report_ticket_domain(self, domain):
        analysis = self.env["helpdesk.sla.analysis"]
        return analysis._report_ticket_domain(self.search(domain)._analysis_domain())

    @api.readonly
    def action_open_lines(self):
        """The SLA lines a result counts, in the SLA Analysis."""
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_sla_analysis_action")
        action.update(
            {
                "domain": list(self._analysis_domain()),
                "context": {},
                "view_mode": "list,pivot,graph",
                "views": [(False, "list"), (False, "pivot"), (False, "graph")],
            }
        )
        return action

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_compute(self, now=None, batch_size=ATTAINMENT_BATCH_SIZE):
        """Scheduled action "Helpdesk: SLA attainment per period" (hourly).

        Computes the results of the periods that are not final yet, policy by policy, in
        committed batches (``ir.cron._commit_progress``), and makes final the periods that
        ended more than a day ago. The first run (no result yet) goes through the whole
        history once. Returns False when the cron's time ran out (it runs again at once).

        Its own batch loop, not helpdesk.ticket._run_timer: that helper locks the tickets it
        changes and skips those another worker holds, which here would leave lines out of a
        period's count; this job only reads lines and writes its own results, and Odoo never
        runs one scheduled action in two workers at once (the unique index on results backs
        it). Same shape otherwise: bounded batches, ``ir.cron._commit_progress`` after each.
        """
        now = now or fields.Datetime.now()
        self.env.flush_all()
        since = self._compute_since(now)
        policy_ids = self._policies_to_compute(since)
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(policy_ids))
        for batch in split_every(batch_size, policy_ids):
            self._compute_policies(list(batch), since, now)
            if not cron._commit_progress(len(batch)):
                return False
        return True

    @api.model
    def _compute_since(self, now):
        """The earliest period date (UTC) to look at: the oldest open result, the first
        period after the last final one of each type, the periods around now that are not
        final yet; None when nothing was ever computed (the whole history). One day earlier,
        so that no time zone's period starts before it."""
        rows = self.env.execute_query(
            SQL(
                """SELECT period_type,
                          MIN(date_from) FILTER (WHERE state = 'open'),
                          MAX(date_to) FILTER (WHERE state = 'final')
                     FROM helpdesk_sla_attainment
                 GROUP BY period_type"""
            )
        )
        if not rows:
            return None
        cutoff = now - FREEZE_DELAY - timedelta(days=1)
        candidates = [
            cutoff.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
            (cutoff - timedelta(days=cutoff.weekday())).replace(hour=0, minute=0, second=0, microsecond=0),
        ]
        for _period_type, open_from, final_to in rows:
            candidates += [date for date in (open_from, final_to) if date]
        return min(candidates) - timedelta(days=1)

    @api.model
    def _policies_to_compute(self, since):
        """Policies with lines counting from `since` on, or with results still open."""
        rows = self.env.execute_query(
            SQL(
                """SELECT policy_id FROM helpdesk_sla_analysis WHERE %s
                    UNION
                   SELECT policy_id FROM helpdesk_sla_attainment WHERE state = 'open'
                 ORDER BY 1""",
                SQL("period_date >= %s", since) if since else SQL("period_date IS NOT NULL"),
            )
        )
        return [policy_id for (policy_id,) in rows]

    @api.model
    def _compute_policies(self, policy_ids, since, now):
        """Compute the open periods of `policy_ids` from `since` on, in one query."""
        keys = ("policy_id", "partner_id", "company_id", "period_type", "period_start", "tz")
        figures = self.env.execute_query(
            SQL(
                """
                WITH lines AS (
                    -- A running line past its deadline has failed, whether or not the SLA
                    -- watcher has marked it yet.
                    SELECT policy_id, commercial_partner_id AS partner_id, company_id, period_tz AS tz,
                           CASE WHEN status = 'failed' OR (settled_date IS NULL AND deadline <= %(now)s)
                                THEN 'failed'
                                WHEN settled_date IS NULL THEN 'running'
                                ELSE status END AS status,
                           (period_date AT TIME ZONE 'UTC') AT TIME ZONE period_tz AS local_date
                      FROM helpdesk_sla_analysis
                     WHERE policy_id = ANY(%(policies)s) AND active AND %(since)s
                ), periods AS (
                    SELECT 'month' AS period_type, date_trunc('month', local_date)::date AS period_start, *
                      FROM lines
                     UNION ALL
                    SELECT 'week', date_trunc('week', local_date)::date, *
                      FROM lines
                )
                SELECT policy_id, partner_id, company_id, period_type, period_start, tz,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE status = 'reached'),
                       COUNT(*) FILTER (WHERE status = 'failed'),
                       COUNT(*) FILTER (WHERE status = 'cancelled'),
                       COUNT(*) FILTER (WHERE status = 'running')
                  FROM periods
              GROUP BY policy_id, partner_id, company_id, period_type, period_start, tz
                """,
                policies=policy_ids,
                now=now,
                since=SQL("period_date >= %s", since) if since else SQL("period_date IS NOT NULL"),
            )
        )
        results = self.sudo().with_context(active_test=False)
        existing = results.search(
            Domain("policy_id", "in", policy_ids)
            & (Domain("state", "=", "open") | Domain("date_to", ">", since) if since else Domain.TRUE)
        )
        final_periods = {
            (row.policy_id.id, row.period_type, row.period_start, row.tz) for row in existing if row.state == "final"
        }
        by_key = {
            (row.policy_id.id, row.partner_id.id or None, row.period_type, row.period_start, row.tz): row
            for row in existing
            if row.state == "open"
        }
        policies = self.env["helpdesk.sla.policy"].sudo().with_context(active_test=False).browse(policy_ids)
        policies.fetch(["kind", "metric", "attainment_target"])
        bounds = self._period_bounds({(row[3], row[4], row[5]) for row in figures})
        to_create = []
        for row in figures:
            key = dict(zip(keys, row[:6], strict=True))
            policy = policies.browse(key["policy_id"])
            if (policy.id, key["period_type"], key["period_start"], key["tz"]) in final_periods:
                continue
            lines, reached, failed, cancelled, running = row[6:]
            settled = reached + failed
            percent = 100.0 * reached / settled if settled else 0.0
            date_from, date_to = bounds[key["period_type"], key["period_start"], key["tz"]]
            vals = {
                "kind": policy.kind,
                "metric": policy.metric,
                "company_id": key["company_id"],
                "line_count": lines,
                "reached_count": reached,
                "failed_count": failed,
                "settled_count": settled,
                "cancelled_count": cancelled,
                "running_count": running,
                "attainment_percent": percent,
                "target_percent": policy.attainment_target,
                "attained": bool(settled) and percent >= policy.attainment_target - 1e-9,
                "state": "final" if now >= date_to + FREEZE_DELAY else "open",
                "computed_date": now,
            }
            current = by_key.pop(
                (policy.id, key["partner_id"], key["period_type"], key["period_start"], key["tz"]), None
            )
            if current:
                current.write(vals)
            else:
                to_create.append(
                    {
                        **vals,
                        "policy_id": policy.id,
                        "partner_id": key["partner_id"],
                        "period_type": key["period_type"],
                        "period_start": key["period_start"],
                        "period_name": self._period_name(key["period_type"], key["period_start"]),
                        "tz": key["tz"],
                        "date_from": date_from,
                        "date_to": date_to,
                    }
                )
        results.create(to_create)
        # Open results whose lines moved to another period (a deadline moved by a pause).
        results.union(*by_key.values()).unlink()

    @api.model
    def _period_bounds(self, periods):
        """{(period type, first day, time zone): (start, end) as naive UTC datetimes}."""
        if not periods:
            return {}
        rows = self.env.execute_query(
            SQL(
                """SELECT p.period_type, p.period_start, p.tz,
                          (p.period_start::timestamp AT TIME ZONE p.tz) AT TIME ZONE 'UTC',
                          ((p.period_start + CASE p.period_type WHEN 'month' THEN interval '1 month'
                                                                ELSE interval '7 days' END)::timestamp
                            AT TIME ZONE p.tz) AT TIME ZONE 'UTC'
                     FROM unnest(%s::varchar[], %s::date[], %s::varchar[]) AS p(period_type, period_start, tz)""",
                [period[0] for period in periods],
                [period[1] for period in periods],
                [period[2] for period in periods],
            )
        )
        return {(row[0], row[1], row[2]): (row[3], row[4]) for row in rows}

    @api.model
    def _period_name(self, period_type, start):
        if period_type == "week":
            year, week, _weekday = start.isocalendar()
            return f"{year}-W{week:02d}"
        return start.strftime("%Y-%m")
