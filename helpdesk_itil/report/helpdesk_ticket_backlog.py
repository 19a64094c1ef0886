from odoo import api, fields, models
from odoo.tools import SQL

from ..models.helpdesk_priority_matrix import PRIORITIES, PRIORITY_WEIGHTS
from ..models.helpdesk_stage import OPEN_STATES, TICKET_STATES
from ..models.helpdesk_ticket import CHANNELS, SLA_TICKET_STATUSES
from .helpdesk_report_mixin import report_now

# Age buckets of open tickets, in business days: (key, label, lower bound included).
AGE_BUCKETS = [
    ("0_1", "0–1 days", 0),
    ("1_3", "1–3 days", 1),
    ("3_7", "3–7 days", 3),
    ("7_30", "7–30 days", 7),
    ("30", "Over 30 days", 30),
]


class HelpdeskTicketBacklog(models.Model):
    """Backlog and workload: one row per open ticket (new, in progress, pending; its id is
    the ticket's), aged at the moment the report is read.

    The age in business days counts the working days of the ticket's calendar (its team's,
    else its company's, as its clocks) after the day it was created, up to today, in the
    calendar's time zone: days with working hours that a public holiday or a leave of the
    calendar does not cover (at midday). A ticket without any calendar counts calendar days.
    The weighted load gives each ticket its priority's weight (PRIORITY_WEIGHTS)."""

    _name = "helpdesk.ticket.backlog"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk Backlog"
    _auto = False
    _order = "create_date, id"
    _rec_name = "reference"
    _depends = {
        "helpdesk.ticket": [
            "reference",
            "name",
            "active",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "type_id",
            "channel",
            "partner_id",
            "commercial_partner_id",
            "priority",
            "stage_id",
            "state",
            "sla_status",
            "create_date",
        ],
        "helpdesk.team": ["resource_calendar_id"],
        "res.company": ["resource_calendar_id"],
        "resource.calendar": ["tz"],
        "resource.calendar.attendance": ["calendar_id", "dayofweek", "display_type"],
        "resource.calendar.leaves": ["resource_id", "time_type", "calendar_id", "company_id", "date_from", "date_to"],
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
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    stage_id = fields.Many2one("helpdesk.stage", readonly=True)
    state = fields.Selection(TICKET_STATES, readonly=True)
    sla_status = fields.Selection(SLA_TICKET_STATUSES, string="SLA Status", readonly=True)
    create_date = fields.Datetime(string="Created On", readonly=True)
    age_bucket = fields.Selection(
        [(key, label) for key, label, _lower in AGE_BUCKETS], string="Age (business days)", readonly=True
    )
    age_business_days = fields.Integer(string="Age (business days) Mean", readonly=True, aggregator="avg")
    age_business_days_max = fields.Integer(string="Oldest (business days)", readonly=True, aggregator="max")
    age_days = fields.Float(string="Age (days) Mean", readonly=True, aggregator="avg", digits=(16, 1))
    age_days_max = fields.Float(string="Oldest (days)", readonly=True, aggregator="max", digits=(16, 1))
    priority_weight = fields.Integer(
        string="Weighted Load", readonly=True, help="Open tickets weighted by priority: P1 = 4, P2 = 3, P3 = 2, P4 = 1."
    )

    @api.model
    def _report_ticket_fields(self):
        return {**super()._report_ticket_fields(), "id": "id", "ticket_id": "id"}

    @property
    def _table_query(self):
        # Evaluated at each read: the ages are the ages now (the ORM's clock).
        return self._backlog_query()

    @api.model
    def _backlog_query(self, condition=None):
        """The view's query; `condition` (SQL on the tickets ``t``) keeps only some open
        tickets before their ages are computed, e.g. the oldest open ticket of each team for
        the overview (helpdesk.team), where filtering the whole view would age every open
        ticket first."""
        weights = SQL(" ").join(SQL("WHEN %s THEN %s", key, weight) for key, weight in PRIORITY_WEIGHTS.items())
        buckets = SQL(" ").join(
            SQL("WHEN age.business_days >= %s THEN %s", lower, key) for key, _label, lower in reversed(AGE_BUCKETS)
        )
        return SQL(
            """
            WITH open_tickets AS (
                SELECT t.id, t.reference, t.name, t.active, t.company_id, t.team_id, t.user_id, t.category_id,
                       t.type_id, t.channel, t.partner_id, t.commercial_partner_id, t.priority, t.stage_id,
                       t.state, t.sla_status, t.create_date,
                       COALESCE(team.resource_calendar_id, company.resource_calendar_id) AS calendar_id
                  FROM helpdesk_ticket t
                  JOIN res_company company ON company.id = t.company_id
             LEFT JOIN helpdesk_team team ON team.id = t.team_id
                 WHERE t.state IN %(open_states)s AND %(condition)s
            ), clocks AS (
                SELECT DISTINCT o.calendar_id, o.company_id, COALESCE(calendar.tz, 'UTC') AS tz
                  FROM open_tickets o
                  JOIN resource_calendar calendar ON calendar.id = o.calendar_id
            ), days AS (
                -- Working days of each calendar over the backlog's span, in its time zone.
                SELECT clock.calendar_id, clock.company_id, day::date AS day,
                       (EXISTS (SELECT 1 FROM resource_calendar_attendance attendance
                                 WHERE attendance.calendar_id = clock.calendar_id
                                   AND attendance.display_type IS NULL
                                   AND attendance.dayofweek = (EXTRACT(ISODOW FROM day)::int - 1)::varchar)
                        AND NOT EXISTS (
                                SELECT 1 FROM resource_calendar_leaves leave
                                 WHERE leave.resource_id IS NULL AND leave.time_type = 'leave'
                                   AND (leave.calendar_id = clock.calendar_id
                                        OR (leave.calendar_id IS NULL AND leave.company_id = clock.company_id))
                                   AND leave.date_from <= ((day::date + time '12:00') AT TIME ZONE clock.tz)
                                                          AT TIME ZONE 'UTC'
                                   AND leave.date_to > ((day::date + time '12:00') AT TIME ZONE clock.tz)
                                                       AT TIME ZONE 'UTC'))::int AS working
                  FROM clocks clock,
                       generate_series((SELECT MIN(create_date) FROM open_tickets)::date - 1,
                                       %(now)s::date + 1, interval '1 day') AS day
            ), day_index AS (
                SELECT calendar_id, company_id, day,
                       SUM(working) OVER (PARTITION BY calendar_id, company_id ORDER BY day) AS working_days
                  FROM days
            ), age AS (
                SELECT o.id,
                       CASE WHEN clock.calendar_id IS NULL
                            THEN %(now)s::date - o.create_date::date
                            ELSE today.working_days - created.working_days END AS business_days,
                       EXTRACT(EPOCH FROM (%(now)s - o.create_date)) / 86400 AS days
                  FROM open_tickets o
             LEFT JOIN clocks clock ON clock.calendar_id = o.calendar_id AND clock.company_id = o.company_id
             LEFT JOIN day_index created
                    ON created.calendar_id = o.calendar_id AND created.company_id = o.company_id
                   AND created.day = ((o.create_date AT TIME ZONE 'UTC') AT TIME ZONE clock.tz)::date
             LEFT JOIN day_index today
                    ON today.calendar_id = o.calendar_id AND today.company_id = o.company_id
                   AND today.day = ((%(now)s AT TIME ZONE 'UTC') AT TIME ZONE clock.tz)::date
            )
            SELECT o.id, o.id AS ticket_id, o.reference, o.name, o.active, o.company_id, o.team_id, o.user_id,
                   o.category_id, o.type_id, o.channel, o.partner_id, o.commercial_partner_id, o.priority,
                   o.stage_id, o.state, o.sla_status, o.create_date,
                   CASE %(buckets)s END AS age_bucket,
                   age.business_days AS age_business_days,
                   age.business_days AS age_business_days_max,
                   age.days AS age_days,
                   age.days AS age_days_max,
                   CASE o.priority %(weights)s ELSE 0 END AS priority_weight
              FROM open_tickets o
              JOIN age ON age.id = o.id
            """,
            open_states=OPEN_STATES,
            condition=condition or SQL("TRUE"),
            now=report_now(),
            buckets=buckets,
            weights=weights,
        )
