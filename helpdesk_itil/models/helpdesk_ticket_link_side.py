from odoo import fields, models, tools
from odoo.tools import SQL

from .helpdesk_ticket_link import LINK_TYPES, LINK_WORDINGS, WORDINGS


class HelpdeskTicketLinkSide(models.Model):
    """A link as one of its two tickets reads it (SQL view, two rows per link): what a
    ticket's Links tab lists, "blocks HD-2" on HD-1 and "blocked by HD-1" on HD-2."""

    _name = "helpdesk.ticket.link.side"
    _description = "Helpdesk Ticket Link (one side)"
    _auto = False
    _order = "link_id desc, id"
    _depends = {"helpdesk.ticket.link": ["ticket_id", "target_id", "link_type"]}

    link_id = fields.Many2one("helpdesk.ticket.link", string="Link Record", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", string="This Ticket", readonly=True)
    other_ticket_id = fields.Many2one("helpdesk.ticket", string="Ticket", readonly=True)
    link_type = fields.Selection(LINK_TYPES, string="Type", readonly=True)
    wording = fields.Selection(WORDINGS, string="Link", readonly=True)
    create_date = fields.Datetime(string="Linked On", readonly=True)
    other_stage_id = fields.Many2one(related="other_ticket_id.stage_id", string="Stage")
    other_partner_id = fields.Many2one(related="other_ticket_id.partner_id", string="Customer")

    def init(self):
        forward = SQL(" ").join(
            SQL("WHEN %s THEN %s", link_type, wordings[False]) for link_type, wordings in LINK_WORDINGS.items()
        )
        reverse = SQL(" ").join(
            SQL("WHEN %s THEN %s", link_type, wordings[True]) for link_type, wordings in LINK_WORDINGS.items()
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %(view)s AS (
                    SELECT l.id * 2 AS id, l.id AS link_id, l.ticket_id, l.target_id AS other_ticket_id,
                           l.link_type, CASE l.link_type %(forward)s END AS wording, l.create_date
                      FROM helpdesk_ticket_link l
                     UNION ALL
                    SELECT l.id * 2 + 1, l.id, l.target_id, l.ticket_id,
                           l.link_type, CASE l.link_type %(reverse)s END, l.create_date
                      FROM helpdesk_ticket_link l
                )""",
                view=SQL.identifier(self._table),
                forward=forward,
                reverse=reverse,
            )
        )

    def action_remove(self):
        """Remove the link (the button of the ticket form's Links tab)."""
        self.link_id.unlink()
        return {"type": "ir.actions.client", "tag": "soft_reload"}
