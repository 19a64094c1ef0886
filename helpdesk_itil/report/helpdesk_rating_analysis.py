from odoo import api, fields, models, tools
from odoo.tools import SQL

from odoo.addons.rating.models.rating_data import RATING_LIMIT_MIN, RATING_LIMIT_OK, RATING_LIMIT_SATISFIED, RATING_TEXT

from ..models.helpdesk_priority_matrix import PRIORITIES
from ..models.helpdesk_ticket import CHANNELS


def _share(string, help_text):
    return fields.Float(string=string, readonly=True, aggregator="avg", digits=(16, 1), help=help_text)


class HelpdeskRatingAnalysis(models.Model):
    """Customer satisfaction: one row per rating request of a ticket (Odoo's rating.rating;
    its id is the rating's). A request is received once the customer rated (1 to 5); the
    average and the happy / neutral / unhappy shares are over received ratings, the response
    rate over requests."""

    _name = "helpdesk.rating.analysis"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk Customer Satisfaction"
    _auto = False
    _order = "request_date desc, id desc"
    _rec_name = "ticket_id"
    _depends = {
        "rating.rating": ["res_model", "res_id", "consumed", "rating", "rated_on", "partner_id", "create_date"],
        "helpdesk.ticket": [
            "active",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "type_id",
            "channel",
            "priority",
            "commercial_partner_id",
        ],
    }

    rating_id = fields.Many2one("rating.rating", string="Rating Request", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    active = fields.Boolean(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("helpdesk.category", readonly=True)
    type_id = fields.Many2one("helpdesk.ticket.type", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Rated By", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    request_date = fields.Datetime(string="Requested On", readonly=True)
    rated_on = fields.Datetime(readonly=True)
    rating_text = fields.Selection(RATING_TEXT, string="Rating", readonly=True)
    rating = fields.Float(
        string="Average Rating (1-5)", readonly=True, aggregator="avg", digits=(16, 2), help="Received ratings only."
    )
    happy_rate = _share("Happy (%)", "Received ratings of 4 or 5.")
    neutral_rate = _share("Neutral (%)", "Received ratings of 3.")
    unhappy_rate = _share("Unhappy (%)", "Received ratings of 1 or 2.")
    response_rate = _share("Response Rate (%)", "Ratings received among ratings requested.")
    requested_count = fields.Integer(string="Requested", readonly=True)
    received_count = fields.Integer(string="Received", readonly=True)

    @api.model
    def _report_ticket_fields(self):
        # partner_id is who rated, not the ticket's contact.
        mapping = super()._report_ticket_fields()
        mapping.pop("partner_id", None)
        return mapping

    def _query(self):
        received = SQL("(r.consumed AND r.rating >= %s)", RATING_LIMIT_MIN)
        return SQL(
            """
            SELECT r.id AS id,
                   r.id AS rating_id,
                   t.id AS ticket_id,
                   t.active,
                   t.company_id,
                   t.team_id,
                   t.user_id,
                   t.category_id,
                   t.type_id,
                   t.channel,
                   t.priority,
                   r.partner_id,
                   t.commercial_partner_id,
                   r.create_date AS request_date,
                   CASE WHEN %(received)s THEN r.rated_on END AS rated_on,
                   CASE WHEN NOT %(received)s THEN 'none'
                        WHEN r.rating >= %(satisfied)s THEN 'top'
                        WHEN r.rating >= %(ok)s THEN 'ok'
                        ELSE 'ko' END AS rating_text,
                   CASE WHEN %(received)s THEN r.rating END AS rating,
                   CASE WHEN %(received)s THEN CASE WHEN r.rating >= %(satisfied)s THEN 100.0 ELSE 0.0 END
                   END AS happy_rate,
                   CASE WHEN %(received)s
                        THEN CASE WHEN r.rating >= %(ok)s AND r.rating < %(satisfied)s THEN 100.0 ELSE 0.0 END
                   END AS neutral_rate,
                   CASE WHEN %(received)s THEN CASE WHEN r.rating < %(ok)s THEN 100.0 ELSE 0.0 END
                   END AS unhappy_rate,
                   CASE WHEN %(received)s THEN 100.0 ELSE 0.0 END AS response_rate,
                   1 AS requested_count,
                   %(received)s::int AS received_count
              FROM rating_rating r
              JOIN helpdesk_ticket t ON t.id = r.res_id
             WHERE r.res_model = 'helpdesk.ticket'
            """,
            received=received,
            satisfied=RATING_LIMIT_SATISFIED,
            ok=RATING_LIMIT_OK,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
