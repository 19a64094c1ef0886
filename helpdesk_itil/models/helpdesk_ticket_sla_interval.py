from odoo import api, fields, models


class HelpdeskTicketSlaInterval(models.Model):
    """One stretch of an SLA line's life: its clock running, or paused.

    The log is the audit trail of a line: the used and paused hours stored on the line
    are sums over its closed rows (see ``helpdesk.ticket.sla._recompute_from_intervals``).
    A running interval is opened when the clock starts, as the line's
    ``current_interval_id``, and closed when it stops. A pause is logged once it ends,
    closed; while it goes on, its start is the line's ``paused_since``: a ticket moved to a
    pause stage, the most frequent move, writes no row.
    """

    _name = "helpdesk.ticket.sla.interval"
    _description = "Helpdesk SLA Interval"
    _order = "date_start, id"

    sla_id = fields.Many2one("helpdesk.ticket.sla", string="SLA Line", required=True, index=True, ondelete="cascade")
    ticket_id = fields.Many2one(related="sla_id.ticket_id")
    kind = fields.Selection([("running", "Running"), ("paused", "Paused")], required=True)
    date_start = fields.Datetime(string="Start", required=True)
    date_stop = fields.Datetime(string="Stop", help="Empty while the interval is still open.")
    business_hours = fields.Float(
        help="Working hours of the line's calendar inside the interval, set when it closes. "
        "For a running interval this is the time used; for a paused one the time the pause saved."
    )
    wall_hours = fields.Float(string="Elapsed Hours", compute="_compute_wall_hours")

    @api.depends("date_start", "date_stop")
    def _compute_wall_hours(self):
        for interval in self:
            if interval.date_start and interval.date_stop:
                interval.wall_hours = (interval.date_stop - interval.date_start).total_seconds() / 3600
            else:
                interval.wall_hours = 0.0
