from odoo import api, fields, models, tools
from odoo.fields import Domain
from odoo.tools import SQL

from ..models.helpdesk_priority_matrix import PRIORITIES
from ..models.helpdesk_sla_policy import SLA_KINDS, SLA_METRICS
from ..models.helpdesk_stage import TICKET_STATES
from ..models.helpdesk_ticket import CHANNELS
from ..models.helpdesk_ticket_sla import SLA_STATUSES

# Fields of the view that are the ticket's, not the line's (drill-down, see
# _report_ticket_fields); the report calls the ticket's state ticket_state.
TICKET_LEVEL_FIELDS = {
    "user_id": "user_id",
    "category_id": "category_id",
    "type_id": "type_id",
    "priority": "priority",
    "channel": "channel",
    "partner_id": "partner_id",
    "commercial_partner_id": "commercial_partner_id",
    "ticket_state": "state",
    "merged_into_id": "merged_into_id",
    "active": "active",
}


class HelpdeskSlaAnalysis(models.Model):
    """SLA and OLA compliance: one row per SLA line (its id is the line's), with its ticket's
    classification. Compliance counts reached and failed lines only: cancelled lines (the
    policy stopped applying, or the ticket was cancelled before the promise was broken)
    are shown apart, running ones are neither (a deadline not yet past is not a success).

    A line counts in the period of its deadline (``period_date``; a line settled while
    paused has no deadline: its settlement date), in the time zone of its team's working
    hours (``period_tz``): the SLA attainment per period (helpdesk.sla.attainment) is
    computed from this view, so both always agree."""

    _name = "helpdesk.sla.analysis"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk SLA Analysis"
    _auto = False
    _order = "period_date desc, id desc"
    _depends = {
        "helpdesk.ticket.sla": [
            "ticket_id",
            "policy_id",
            "kind",
            "metric",
            "status",
            "calendar_id",
            "start_date",
            "deadline",
            "reached_date",
            "settled_date",
            "target_hours",
            "used_hours",
            "paused_hours",
        ],
        "helpdesk.ticket": [
            "active",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "type_id",
            "priority",
            "channel",
            "partner_id",
            "commercial_partner_id",
            "state",
            "merged_into_id",
        ],
        "helpdesk.team": ["resource_calendar_id"],
        "resource.calendar": ["tz"],
    }

    line_id = fields.Many2one("helpdesk.ticket.sla", string="SLA Line", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    policy_id = fields.Many2one("helpdesk.sla.policy", readonly=True)
    kind = fields.Selection(SLA_KINDS, readonly=True)
    metric = fields.Selection(SLA_METRICS, readonly=True)
    status = fields.Selection(SLA_STATUSES, readonly=True)
    active = fields.Boolean(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("helpdesk.category", readonly=True)
    type_id = fields.Many2one("helpdesk.ticket.type", readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    ticket_state = fields.Selection(TICKET_STATES, readonly=True)
    merged_into_id = fields.Many2one("helpdesk.ticket", readonly=True)

    start_date = fields.Datetime(string="Started On", readonly=True)
    deadline = fields.Datetime(readonly=True)
    reached_date = fields.Datetime(string="Reached On", readonly=True)
    settled_date = fields.Datetime(string="Settled On", readonly=True)
    period_date = fields.Datetime(
        string="Period", readonly=True, help="The line counts in the period of this date: its deadline."
    )
    period_tz = fields.Char(string="Period Time Zone", readonly=True)

    reached_count = fields.Integer(string="Reached", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    cancelled_count = fields.Integer(string="Cancelled", readonly=True)
    running_count = fields.Integer(string="Running", readonly=True, help="Not settled and not failed yet.")
    at_risk_count = fields.Integer(string="At Risk Now", readonly=True)
    compliance_rate = fields.Float(
        string="Compliance (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Reached lines among reached and failed ones; cancelled and running lines do not count.",
    )
    target_hours = fields.Float(string="Target (business h)", readonly=True, aggregator="avg")
    used_hours = fields.Float(
        string="Used (business h) Mean",
        readonly=True,
        aggregator="avg",
        help="Business hours the line used until it was reached or failed; empty while it runs.",
    )
    used_hours_median = fields.Float(string="Used (business h) Median", readonly=True, aggregator="median")
    used_hours_p90 = fields.Float(string="Used (business h) P90", readonly=True, aggregator="p90")
    paused_hours = fields.Float(string="Paused (h)", readonly=True, aggregator="avg")

    @api.model
    def _report_ticket_fields(self):
        lines = self.env["helpdesk.ticket.sla"]
        mapping = {
            fname: fname
            for fname, field in self._fields.items()
            if fname in lines._fields
            and lines._fields[fname].type == field.type
            and lines._fields[fname].store
            and fname not in ("id", "display_name", "used_hours")
        }
        mapping.update({fname: f"ticket_id.{target}" for fname, target in TICKET_LEVEL_FIELDS.items()})
        mapping.update({"id": "id", "line_id": "id"})
        return mapping

    @api.model
    def _report_translate_domain(self, domain):
        # Conditions on the lines: the tickets are those having such a line.
        line_domain = super()._report_translate_domain(domain)
        return None if line_domain is None else Domain("sla_ids", "any", line_domain)

    def _query(self):
        return SQL(
            """
            SELECT l.id AS id,
                   l.id AS line_id,
                   l.ticket_id,
                   l.policy_id,
                   l.kind,
                   l.metric,
                   l.status,
                   t.active,
                   t.company_id,
                   t.team_id,
                   t.user_id,
                   t.category_id,
                   t.type_id,
                   t.priority,
                   t.channel,
                   t.partner_id,
                   t.commercial_partner_id,
                   t.state AS ticket_state,
                   t.merged_into_id,
                   l.start_date,
                   l.deadline,
                   l.reached_date,
                   l.settled_date,
                   COALESCE(l.deadline, l.settled_date) AS period_date,
                   COALESCE(team_calendar.tz, line_calendar.tz, 'UTC') AS period_tz,
                   (l.status = 'reached')::int AS reached_count,
                   (l.status = 'failed')::int AS failed_count,
                   (l.status = 'cancelled')::int AS cancelled_count,
                   (l.settled_date IS NULL AND l.status <> 'failed')::int AS running_count,
                   (l.status = 'at_risk')::int AS at_risk_count,
                   CASE l.status WHEN 'reached' THEN 100.0 WHEN 'failed' THEN 0.0 END AS compliance_rate,
                   l.target_hours,
                   CASE WHEN l.status IN ('reached', 'failed') AND l.settled_date IS NOT NULL
                        THEN l.used_hours END AS used_hours,
                   CASE WHEN l.status IN ('reached', 'failed') AND l.settled_date IS NOT NULL
                        THEN l.used_hours END AS used_hours_median,
                   CASE WHEN l.status IN ('reached', 'failed') AND l.settled_date IS NOT NULL
                        THEN l.used_hours END AS used_hours_p90,
                   l.paused_hours
              FROM helpdesk_ticket_sla l
              JOIN helpdesk_ticket t ON t.id = l.ticket_id
         LEFT JOIN helpdesk_team team ON team.id = t.team_id
         LEFT JOIN resource_calendar team_calendar ON team_calendar.id = team.resource_calendar_id
         LEFT JOIN resource_calendar line_calendar ON line_calendar.id = l.calendar_id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
