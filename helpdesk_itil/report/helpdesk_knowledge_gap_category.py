from odoo import fields, models
from odoo.tools import SQL


class HelpdeskKnowledgeGapCategory(models.Model):
    """Knowledge gaps by category: per category, the resolved (or closed) tickets and how
    many of them were solved or documented with a knowledge article (the ticket's article).
    Categories with many tickets and few articles are where an article would help most.
    Merged and cancelled tickets are left out, as in the other reports."""

    _name = "helpdesk.knowledge.gap.category"
    _description = "Knowledge Gaps by Category"
    _auto = False
    _order = "without_article_count desc, category_id"
    _rec_name = "category_id"
    _depends = {
        "helpdesk.ticket": ["category_id", "team_id", "state", "article_id", "resolved_date", "active", "user_id"]
    }

    category_id = fields.Many2one("helpdesk.category", readonly=True)
    team_id = fields.Many2one("helpdesk.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    resolved_date = fields.Datetime(readonly=True)
    ticket_count = fields.Integer(string="Resolved Tickets", readonly=True, aggregator="sum")
    with_article_count = fields.Integer(string="With an Article", readonly=True, aggregator="sum")
    without_article_count = fields.Integer(string="Without an Article", readonly=True, aggregator="sum")

    def _query(self):
        return SQL(
            """SELECT t.id AS id, t.category_id, t.team_id, t.user_id, t.resolved_date,
                      1 AS ticket_count,
                      CASE WHEN t.article_id IS NULL THEN 0 ELSE 1 END AS with_article_count,
                      CASE WHEN t.article_id IS NULL THEN 1 ELSE 0 END AS without_article_count
                 FROM helpdesk_ticket t
                WHERE t.state IN ('resolved', 'closed') AND t.active"""
        )

    def init(self):
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
