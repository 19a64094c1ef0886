from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.helpdesk_priority_matrix import IMPACTS, PRIORITIES, URGENCIES
from ..models.helpdesk_stage import TICKET_STATES
from ..models.helpdesk_ticket import CHANNELS, CONFIRMATIONS

# Duration figures of a ticket (tools/ticket_metrics.py, stamped by helpdesk.ticket._kpi_*)
# and the SQL condition saying that their event happened: the report gives NULL, never 0,
# when it has not (a zero is a real zero: an answer within the same second). The waits
# keep adding up while the ticket is open: they count once it is resolved, closed or
# cancelled.
DURATIONS = (
    ("kpi_assign", "t.assign_date IS NOT NULL"),
    ("kpi_first_response", "t.first_response_date IS NOT NULL"),
    ("kpi_first_resolution", "t.first_resolved_date IS NOT NULL"),
    ("kpi_resolution", "t.resolved_date IS NOT NULL"),
    ("kpi_close", "t.closed_date IS NOT NULL"),
    ("kpi_requester_wait", "COALESCE(t.resolved_date, t.closed_date) IS NOT NULL"),
    ("kpi_agent_wait", "COALESCE(t.resolved_date, t.closed_date) IS NOT NULL"),
)
# Each duration, in calendar and in business hours, comes as three report columns: the
# mean (avg), the median and the 90th percentile (helpdesk.report.mixin).
DURATION_UNITS = ("hours", "business_hours")
DURATION_AGGREGATES = ("", "_median", "_p90")
# Other columns of helpdesk.ticket the view reads.
TICKET_COLUMNS = [
    "reference",
    "name",
    "active",
    "company_id",
    "team_id",
    "user_id",
    "category_id",
    "type_id",
    "channel",
    "alert_source_id",
    "partner_id",
    "commercial_partner_id",
    "priority",
    "impact",
    "urgency",
    "stage_id",
    "state",
    "closure_code_id",
    "merged_into_id",
    "customer_confirmation",
    "escalation_level",
    "sla_failed",
    "kpi_one_touch",
    "kpi_first_contact_resolution",
    "create_date",
    "assign_date",
    "first_response_date",
    "first_resolved_date",
    "resolved_date",
    "closed_date",
    "kpi_reply_count",
    "reopen_count",
    "kpi_escalation_count",
    "kpi_team_transfer_count",
]


def duration_column_names():
    return [
        f"{prefix}_{unit}{suffix}"
        for prefix, _condition in DURATIONS
        for unit in DURATION_UNITS
        for suffix in DURATION_AGGREGATES
    ]


def _duration(string, aggregator, help_text):
    return fields.Float(string=string, readonly=True, aggregator=aggregator, digits=(16, 2), help=help_text)


def _rate(string, help_text):
    return fields.Float(string=string, readonly=True, aggregator="avg", digits=(16, 1), help=help_text)


class HelpdeskTicketAnalysis(models.Model):
    """Ticket analysis: one row per ticket (its id is the ticket's), tickets without a team
    included, every figure stamped on the ticket when its event happened (never computed at
    read time). Cancelled and merged tickets are in the view: the
    default search filter leaves them out, as it shows monitoring alerts apart."""

    _name = "helpdesk.ticket.analysis"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk Ticket Analysis"
    _auto = False
    _order = "create_date desc, id desc"
    _rec_name = "reference"
    # Flushed before the view is read (fields the view reads).
    _depends = {
        "helpdesk.ticket": [
            *TICKET_COLUMNS,
            *(f"{prefix}_{unit}" for prefix, _condition in DURATIONS for unit in DURATION_UNITS),
        ],
    }

    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    reference = fields.Char(readonly=True)
    name = fields.Char(string="Subject", readonly=True)
    active = fields.Boolean(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("helpdesk.category", readonly=True)
    type_id = fields.Many2one("helpdesk.ticket.type", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    alert_source_id = fields.Many2one("helpdesk.alert.source", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    impact = fields.Selection(IMPACTS, readonly=True)
    urgency = fields.Selection(URGENCIES, readonly=True)
    stage_id = fields.Many2one("helpdesk.stage", readonly=True)
    state = fields.Selection(TICKET_STATES, readonly=True)
    closure_code_id = fields.Many2one("helpdesk.closure.code", readonly=True)
    merged_into_id = fields.Many2one("helpdesk.ticket", readonly=True)
    customer_confirmation = fields.Selection(CONFIRMATIONS, readonly=True)
    escalation_level = fields.Integer(readonly=True, aggregator="max")
    sla_failed = fields.Boolean(string="SLA Failed", readonly=True)
    kpi_one_touch = fields.Boolean(string="One-Touch Resolution", readonly=True)
    kpi_first_contact_resolution = fields.Boolean(string="First-Contact Resolution", readonly=True)
    closed_without_confirmation = fields.Boolean(readonly=True, help="Closed, and the customer never confirmed.")

    # Periods
    create_date = fields.Datetime(string="Created On", readonly=True)
    assign_date = fields.Datetime(string="Assigned On", readonly=True)
    first_response_date = fields.Datetime(string="First Response On", readonly=True)
    first_resolved_date = fields.Datetime(string="First Resolved On", readonly=True)
    resolved_date = fields.Datetime(string="Resolved On", readonly=True)
    closed_date = fields.Datetime(string="Closed On", readonly=True)

    # Counts
    kpi_reply_count = fields.Integer(string="Agent Replies", readonly=True, help="Public replies of agents.")
    reopen_count = fields.Integer(string="Reopens", readonly=True)
    kpi_escalation_count = fields.Integer(string="Escalations", readonly=True)
    kpi_team_transfer_count = fields.Integer(string="Team Transfers", readonly=True)

    # Rates: 100 or 0 per ticket the rate is about, empty for the others, averaged.
    one_touch_rate = _rate(
        "One-Touch Rate (%)", "Resolved tickets solved with at most one public agent reply, never reopened."
    )
    first_contact_resolution_rate = _rate(
        "First-Contact Resolution Rate (%)",
        "Resolved tickets solved by their first team, never escalated, never reopened.",
    )
    reopen_rate = _rate("Reopen Rate (%)", "Tickets resolved at least once that were reopened.")
    escalation_rate = _rate("Escalation Rate (%)", "Tickets escalated at least once.")
    unconfirmed_close_rate = _rate(
        "Closed Without Confirmation (%)", "Closed tickets whose customer never confirmed the resolution."
    )

    # Durations (see DURATIONS): mean, median and P90, in calendar and business hours.
    kpi_assign_hours = _duration("Time to Assign (h) Mean", "avg", "Creation to first assignment, calendar hours.")
    kpi_assign_hours_median = _duration("Time to Assign (h) Median", "median", "Creation to first assignment.")
    kpi_assign_hours_p90 = _duration("Time to Assign (h) P90", "p90", "Creation to first assignment.")
    kpi_assign_business_hours = _duration(
        "Time to Assign (business h) Mean", "avg", "Creation to first assignment, business hours."
    )
    kpi_assign_business_hours_median = _duration(
        "Time to Assign (business h) Median", "median", "Creation to first assignment, business hours."
    )
    kpi_assign_business_hours_p90 = _duration(
        "Time to Assign (business h) P90", "p90", "Creation to first assignment, business hours."
    )
    kpi_first_response_hours = _duration(
        "Time to First Response (h) Mean", "avg", "Creation to the first public agent reply, calendar hours."
    )
    kpi_first_response_hours_median = _duration(
        "Time to First Response (h) Median", "median", "Creation to the first public agent reply, calendar hours."
    )
    kpi_first_response_hours_p90 = _duration(
        "Time to First Response (h) P90", "p90", "Creation to the first public agent reply, calendar hours."
    )
    kpi_first_response_business_hours = _duration(
        "Time to First Response (business h) Mean", "avg", "Creation to the first public agent reply, business hours."
    )
    kpi_first_response_business_hours_median = _duration(
        "Time to First Response (business h) Median",
        "median",
        "Creation to the first public agent reply, business hours.",
    )
    kpi_first_response_business_hours_p90 = _duration(
        "Time to First Response (business h) P90", "p90", "Creation to the first public agent reply, business hours."
    )
    kpi_first_resolution_hours = _duration(
        "Time to First Resolution (h) Mean", "avg", "Creation to the first resolution, calendar hours."
    )
    kpi_first_resolution_hours_median = _duration(
        "Time to First Resolution (h) Median", "median", "Creation to the first resolution, calendar hours."
    )
    kpi_first_resolution_hours_p90 = _duration(
        "Time to First Resolution (h) P90", "p90", "Creation to the first resolution, calendar hours."
    )
    kpi_first_resolution_business_hours = _duration(
        "Time to First Resolution (business h) Mean", "avg", "Creation to the first resolution, business hours."
    )
    kpi_first_resolution_business_hours_median = _duration(
        "Time to First Resolution (business h) Median", "median", "Creation to the first resolution, business hours."
    )
    kpi_first_resolution_business_hours_p90 = _duration(
        "Time to First Resolution (business h) P90", "p90", "Creation to the first resolution, business hours."
    )
    kpi_resolution_hours = _duration(
        "Time to Resolution (h) Mean", "avg", "Creation to the last resolution (MTTR), calendar hours."
    )
    kpi_resolution_hours_median = _duration(
        "Time to Resolution (h) Median", "median", "Creation to the last resolution, calendar hours."
    )
    kpi_resolution_hours_p90 = _duration(
        "Time to Resolution (h) P90", "p90", "Creation to the last resolution, calendar hours."
    )
    kpi_resolution_business_hours = _duration(
        "Time to Resolution (business h) Mean", "avg", "Creation to the last resolution (MTTR), business hours."
    )
    kpi_resolution_business_hours_median = _duration(
        "Time to Resolution (business h) Median", "median", "Creation to the last resolution, business hours."
    )
    kpi_resolution_business_hours_p90 = _duration(
        "Time to Resolution (business h) P90", "p90", "Creation to the last resolution, business hours."
    )
    kpi_close_hours = _duration("Time to Close (h) Mean", "avg", "Creation to closure, calendar hours.")
    kpi_close_hours_median = _duration("Time to Close (h) Median", "median", "Creation to closure, calendar hours.")
    kpi_close_hours_p90 = _duration("Time to Close (h) P90", "p90", "Creation to closure, calendar hours.")
    kpi_close_business_hours = _duration(
        "Time to Close (business h) Mean", "avg", "Creation to closure, business hours."
    )
    kpi_close_business_hours_median = _duration(
        "Time to Close (business h) Median", "median", "Creation to closure, business hours."
    )
    kpi_close_business_hours_p90 = _duration(
        "Time to Close (business h) P90", "p90", "Creation to closure, business hours."
    )
    kpi_requester_wait_hours = _duration(
        "Requester Wait (h) Mean", "avg", "Time new or in progress, calendar hours (resolved, closed tickets)."
    )
    kpi_requester_wait_hours_median = _duration(
        "Requester Wait (h) Median", "median", "Time new or in progress, calendar hours (resolved, closed tickets)."
    )
    kpi_requester_wait_hours_p90 = _duration(
        "Requester Wait (h) P90", "p90", "Time new or in progress, calendar hours (resolved, closed tickets)."
    )
    kpi_requester_wait_business_hours = _duration(
        "Requester Wait (business h) Mean", "avg", "Time new or in progress, business hours (resolved, closed tickets)."
    )
    kpi_requester_wait_business_hours_median = _duration(
        "Requester Wait (business h) Median",
        "median",
        "Time new or in progress, business hours (resolved, closed tickets).",
    )
    kpi_requester_wait_business_hours_p90 = _duration(
        "Requester Wait (business h) P90", "p90", "Time new or in progress, business hours (resolved, closed tickets)."
    )
    kpi_agent_wait_hours = _duration(
        "Agent Wait (h) Mean", "avg", "Time pending on the customer, calendar hours (resolved, closed tickets)."
    )
    kpi_agent_wait_hours_median = _duration(
        "Agent Wait (h) Median", "median", "Time pending on the customer, calendar hours (resolved, closed tickets)."
    )
    kpi_agent_wait_hours_p90 = _duration(
        "Agent Wait (h) P90", "p90", "Time pending on the customer, calendar hours (resolved, closed tickets)."
    )
    kpi_agent_wait_business_hours = _duration(
        "Agent Wait (business h) Mean",
        "avg",
        "Time pending on the customer, business hours (resolved, closed tickets).",
    )
    kpi_agent_wait_business_hours_median = _duration(
        "Agent Wait (business h) Median",
        "median",
        "Time pending on the customer, business hours (resolved, closed tickets).",
    )
    kpi_agent_wait_business_hours_p90 = _duration(
        "Agent Wait (business h) P90", "p90", "Time pending on the customer, business hours (resolved, closed tickets)."
    )

    @api.model
    def _report_ticket_fields(self):
        # A row is its ticket: same id.
        return {**super()._report_ticket_fields(), "id": "id", "ticket_id": "id"}

    def _select_durations(self):
        return SQL(", ").join(
            SQL(
                "CASE WHEN %s THEN t.%s END AS %s",
                SQL(condition),
                SQL.identifier(f"{prefix}_{unit}"),
                SQL.identifier(f"{prefix}_{unit}{suffix}"),
            )
            for prefix, condition in DURATIONS
            for unit in DURATION_UNITS
            for suffix in DURATION_AGGREGATES
        )

    def _query(self):
        return SQL(
            """
            SELECT t.id AS id,
                   t.id AS ticket_id,
                   t.reference,
                   t.name,
                   t.active,
                   t.company_id,
                   t.team_id,
                   t.user_id,
                   t.category_id,
                   t.type_id,
                   t.channel,
                   t.alert_source_id,
                   t.partner_id,
                   t.commercial_partner_id,
                   t.priority,
                   t.impact,
                   t.urgency,
                   t.stage_id,
                   t.state,
                   t.closure_code_id,
                   t.merged_into_id,
                   t.customer_confirmation,
                   t.escalation_level,
                   COALESCE(t.sla_failed, FALSE) AS sla_failed,
                   COALESCE(t.kpi_one_touch, FALSE) AS kpi_one_touch,
                   COALESCE(t.kpi_first_contact_resolution, FALSE) AS kpi_first_contact_resolution,
                   (t.state = 'closed' AND t.customer_confirmation = 'none') AS closed_without_confirmation,
                   t.create_date,
                   t.assign_date,
                   t.first_response_date,
                   t.first_resolved_date,
                   t.resolved_date,
                   t.closed_date,
                   t.kpi_reply_count,
                   t.reopen_count,
                   t.kpi_escalation_count,
                   t.kpi_team_transfer_count,
                   CASE WHEN t.resolved_date IS NOT NULL
                        THEN CASE WHEN t.kpi_one_touch THEN 100.0 ELSE 0.0 END END AS one_touch_rate,
                   CASE WHEN t.resolved_date IS NOT NULL
                        THEN CASE WHEN t.kpi_first_contact_resolution THEN 100.0 ELSE 0.0 END
                   END AS first_contact_resolution_rate,
                   CASE WHEN t.first_resolved_date IS NOT NULL
                        THEN CASE WHEN t.reopen_count > 0 THEN 100.0 ELSE 0.0 END END AS reopen_rate,
                   CASE WHEN t.kpi_escalation_count > 0 THEN 100.0 ELSE 0.0 END AS escalation_rate,
                   CASE WHEN t.state = 'closed'
                        THEN CASE WHEN t.customer_confirmation = 'none' THEN 100.0 ELSE 0.0 END
                   END AS unconfirmed_close_rate,
                   %s
              FROM helpdesk_ticket t
            """,
            self._select_durations(),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
