from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.helpdesk_priority_matrix import PRIORITIES
from ..models.helpdesk_stage import TICKET_STATES
from ..models.helpdesk_ticket import CHANNELS

ACTIVITY_KINDS = [("created", "Created"), ("resolved", "Resolved"), ("reply", "Agent Reply")]


class HelpdeskTicketActivity(models.Model):
    """What happened on the desk, one row per event: a ticket created, a ticket resolved
    (its first resolution: a later reopen does not take it back), a public reply of an agent
    (the same predicate as the first response: a comment or email with the Discussions
    subtype by an internal user other than OdooBot, so never the acknowledgement). Created
    vs resolved per week, and agents' replies per day."""

    _name = "helpdesk.ticket.activity"
    _inherit = ["helpdesk.report.mixin"]
    _description = "Helpdesk Activity"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "ticket_id"
    _depends = {
        "helpdesk.ticket": [
            "active",
            "company_id",
            "team_id",
            "user_id",
            "category_id",
            "type_id",
            "channel",
            "commercial_partner_id",
            "priority",
            "state",
            "merged_into_id",
            "create_date",
            "first_resolved_date",
        ],
        "mail.message": ["model", "res_id", "message_type", "subtype_id", "author_id", "date"],
        "res.users": ["partner_id", "share"],
    }

    kind = fields.Selection(ACTIVITY_KINDS, string="Event", readonly=True)
    date = fields.Datetime(readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    active = fields.Boolean(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True, help="The ticket's assignee.")
    author_id = fields.Many2one("res.users", string="Replied By", readonly=True)
    category_id = fields.Many2one("helpdesk.category", readonly=True)
    type_id = fields.Many2one("helpdesk.ticket.type", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    priority = fields.Selection(PRIORITIES, readonly=True)
    state = fields.Selection(TICKET_STATES, string="Ticket State", readonly=True)
    merged_into_id = fields.Many2one("helpdesk.ticket", readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    resolved_count = fields.Integer(string="Resolved", readonly=True)
    reply_count = fields.Integer(string="Agent Replies", readonly=True)

    def _query(self):
        ticket_columns = SQL(
            """t.active, t.company_id, t.team_id, t.user_id, t.category_id, t.type_id, t.channel,
               t.commercial_partner_id, t.priority, t.state, t.merged_into_id"""
        )
        return SQL(
            """
            SELECT t.id::bigint * 3 AS id, 'created' AS kind, t.create_date AS date, t.id AS ticket_id,
                   NULL::integer AS author_id, %(ticket)s,
                   1 AS created_count, 0 AS resolved_count, 0 AS reply_count
              FROM helpdesk_ticket t
             UNION ALL
            SELECT t.id::bigint * 3 + 1, 'resolved', t.first_resolved_date, t.id,
                   NULL::integer, %(ticket)s,
                   0, 1, 0
              FROM helpdesk_ticket t
             WHERE t.first_resolved_date IS NOT NULL
             UNION ALL
            SELECT m.id::bigint * 3 + 2, 'reply', m.date, t.id,
                   author.id, %(ticket)s,
                   0, 0, 1
              FROM mail_message m
              JOIN helpdesk_ticket t ON t.id = m.res_id
              JOIN LATERAL (SELECT u.id FROM res_users u
                             WHERE u.partner_id = m.author_id AND NOT u.share
                          ORDER BY u.id LIMIT 1) author ON TRUE
             WHERE m.model = 'helpdesk.ticket'
               AND m.message_type IN ('comment', 'email')
               AND m.subtype_id = (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'mt_comment')
               AND m.author_id <> (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'partner_root')
            """,
            ticket=ticket_columns,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
