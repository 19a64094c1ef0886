from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .helpdesk_report_mixin import report_now

UPTIME_SCOPES = [("source", "Alert Source"), ("customer", "Customer")]


class HelpdeskUptimeAnalysis(models.Model):
    """Monitoring uptime per month, per alert source and per monitored customer.

    Down is any time with at least one alert ticket of the source (or of the customer, any
    source) open: from the ticket's creation (the alert firing) to its resolution (the
    recovery), now for a ticket still open; overlapping tickets count once. Uptime is 24×7
    over calendar months (UTC), from the day the source was set up; cancelled alert tickets
    (false alarms) do not count. A customer without an active monitoring source has no row:
    no uptime, rather than 100 %. Beside it, the mean time to recovery of the alert tickets
    created in the month (their median and P90 are in the Ticket Analysis)."""

    _name = "helpdesk.uptime.analysis"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk Monitoring Uptime"
    _auto = False
    _order = "month desc, scope, id"
    _depends = {
        "helpdesk.alert.source": ["kind", "active", "partner_id", "company_id", "team_id", "create_date"],
        "res.partner": ["commercial_partner_id"],
        "helpdesk.ticket": [
            "channel",
            "alert_source_id",
            "commercial_partner_id",
            "state",
            "active",
            "create_date",
            "resolved_date",
        ],
    }

    _report_ratios = {
        "uptime_percent": ("up_hours", "period_hours", 100.0),
        "mttr_hours": ("recovery_hours", "recovered_count", 1.0),
    }

    scope = fields.Selection(UPTIME_SCOPES, readonly=True)
    alert_source_id = fields.Many2one("helpdesk.alert.source", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    month = fields.Date(readonly=True)
    period_hours = fields.Float(string="Monitored (h)", readonly=True, digits=(16, 2))
    down_hours = fields.Float(string="Down (h)", readonly=True, digits=(16, 2))
    up_hours = fields.Float(string="Up (h)", readonly=True, digits=(16, 2))
    uptime_percent = fields.Float(
        string="Uptime (%)", readonly=True, aggregator="ratio", digits=(16, 3), help="Up hours among monitored hours."
    )
    incident_count = fields.Integer(string="Alert Tickets", readonly=True, help="Alert tickets opened in the month.")
    recovered_count = fields.Integer(string="Recovered", readonly=True)
    recovery_hours = fields.Float(string="Time to Recover (h) Total", readonly=True, digits=(16, 2))
    mttr_hours = fields.Float(
        string="MTTR (h)",
        readonly=True,
        aggregator="ratio",
        digits=(16, 2),
        help="Mean time from firing to recovery of the alert tickets opened in the month and recovered.",
    )

    @api.model
    def _report_ticket_domain(self, domain):
        """The alert tickets that were open during the rows' months."""
        now = fields.Datetime.now()
        conditions = []
        for row in self.search(domain):
            month_end = min(fields.Datetime.to_datetime(fields.Date.add(row.month, months=1)), now)
            key = (
                Domain("alert_source_id", "=", row.alert_source_id.id)
                if row.scope == "source"
                else Domain("commercial_partner_id", "=", row.partner_id.id)
            )
            conditions.append(
                key
                & Domain("create_date", "<", month_end)
                & (Domain("resolved_date", "=", False) | Domain("resolved_date", ">", row.month))
            )
        return (
            Domain("channel", "=", "alert")
            & Domain("alert_source_id", "!=", False)
            & Domain("state", "!=", "cancelled")
            & Domain.OR(conditions)
        )

    @property
    def _table_query(self):
        # Evaluated at each read: the current month runs up to now (the ORM's clock).
        return SQL(
            """
            WITH clock AS (
                SELECT %(now)s AS now
            ), scopes AS (
                SELECT 'source' AS scope, source.id AS key_id, source.id AS alert_source_id,
                       partner.commercial_partner_id AS partner_id, source.company_id, source.team_id,
                       source.create_date AS since
                  FROM helpdesk_alert_source source
             LEFT JOIN res_partner partner ON partner.id = source.partner_id
                 WHERE source.kind = 'alert' AND source.active
                 UNION ALL
                SELECT 'customer', partner.commercial_partner_id, NULL, partner.commercial_partner_id,
                       source.company_id, NULL, MIN(source.create_date)
                  FROM helpdesk_alert_source source
                  JOIN res_partner partner ON partner.id = source.partner_id
                 WHERE source.kind = 'alert' AND source.active
              GROUP BY partner.commercial_partner_id, source.company_id
            ), alert_tickets AS (
                SELECT t.alert_source_id, t.commercial_partner_id, t.create_date AS start,
                       LEAST(COALESCE(t.resolved_date, clock.now), clock.now) AS stop,
                       t.resolved_date
                  FROM helpdesk_ticket t, clock
                 WHERE t.channel = 'alert' AND t.alert_source_id IS NOT NULL
                   AND t.state <> 'cancelled' AND t.active AND t.create_date < clock.now
            ), down AS (
                SELECT 'source' AS scope, alert_source_id AS key_id, start, stop, resolved_date FROM alert_tickets
                 UNION ALL
                SELECT 'customer', commercial_partner_id, start, stop, resolved_date FROM alert_tickets
                 WHERE commercial_partner_id IS NOT NULL
            ), ordered AS (
                SELECT scope, key_id, start, stop,
                       MAX(stop) OVER (PARTITION BY scope, key_id ORDER BY start, stop
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                  FROM down
            ), islands AS (
                SELECT scope, key_id, start, stop,
                       SUM(CASE WHEN reach IS NULL OR start > reach THEN 1 ELSE 0 END)
                           OVER (PARTITION BY scope, key_id ORDER BY start, stop) AS island
                  FROM ordered
            ), merged AS (
                SELECT scope, key_id, MIN(start) AS start, MAX(stop) AS stop
                  FROM islands
              GROUP BY scope, key_id, island
            ), months AS (
                SELECT scope.*, month::timestamp AS month_start,
                       GREATEST(month::timestamp, scope.since) AS period_start,
                       LEAST(month::timestamp + interval '1 month', clock.now) AS period_stop
                  FROM scopes scope, clock,
                       generate_series(date_trunc('month', scope.since), date_trunc('month', clock.now),
                                       interval '1 month') AS month
            ), figures AS (
                SELECT months.*,
                       GREATEST(EXTRACT(EPOCH FROM (period_stop - period_start)), 0) / 3600 AS period_hours,
                       COALESCE((
                           SELECT SUM(EXTRACT(EPOCH FROM (LEAST(merged.stop, period_stop)
                                                          - GREATEST(merged.start, period_start))))
                             FROM merged
                            WHERE merged.scope = months.scope AND merged.key_id = months.key_id
                              AND merged.start < period_stop AND merged.stop > period_start
                       ), 0) / 3600 AS down_hours,
                       incidents.incident_count, incidents.recovered_count, incidents.recovery_hours
                  FROM months
             LEFT JOIN LATERAL (
                       SELECT COUNT(*) AS incident_count,
                              COUNT(down.resolved_date) AS recovered_count,
                              SUM(EXTRACT(EPOCH FROM (down.resolved_date - down.start))) / 3600 AS recovery_hours
                         FROM down
                        WHERE down.scope = months.scope AND down.key_id = months.key_id
                          AND down.start >= months.month_start
                          AND down.start < months.month_start + interval '1 month'
                       ) incidents ON TRUE
            )
            SELECT key_id::bigint * 40000
                       + ((EXTRACT(YEAR FROM month_start)::int - 2000) * 12 + EXTRACT(MONTH FROM month_start)::int) * 2
                       + (scope = 'customer')::int AS id,
                   scope, alert_source_id, partner_id, company_id, team_id, month_start::date AS month,
                   period_hours, down_hours, GREATEST(period_hours - down_hours, 0) AS up_hours,
                   CASE WHEN period_hours > 0 THEN 100.0 * GREATEST(period_hours - down_hours, 0) / period_hours
                   END AS uptime_percent,
                   COALESCE(incident_count, 0) AS incident_count,
                   COALESCE(recovered_count, 0) AS recovered_count,
                   COALESCE(recovery_hours, 0) AS recovery_hours,
                   CASE WHEN recovered_count > 0 THEN recovery_hours / recovered_count END AS mttr_hours
              FROM figures
             WHERE period_hours > 0
            """,
            now=report_now(),
        )
