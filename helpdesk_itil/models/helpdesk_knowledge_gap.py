from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.similarity import query_words

QUERY_MAX_LENGTH = 200


class HelpdeskKnowledgeGap(models.Model):
    """A search of the help pages that found no article, one row per query (its words,
    lower-cased) with how often it was made: what the knowledge base lacks."""

    _name = "helpdesk.knowledge.gap"
    _description = "Search Without Result"
    _order = "search_count desc, last_date desc"
    _rec_name = "query"

    query = fields.Char(required=True, readonly=True)
    search_count = fields.Integer(string="Searches", readonly=True, default=1)
    last_date = fields.Datetime(string="Last Searched", readonly=True, default=fields.Datetime.now)

    _query_uniq = models.Constraint("unique (query)", "A search is recorded once; it counts its repetitions.")

    @api.model
    def _record(self, text):
        """Count one search for `text` that found nothing (upsert: two visitors searching
        the same words at once add up)."""
        query = query_words(text)[:QUERY_MAX_LENGTH]
        if not query:
            return
        now = fields.Datetime.now()
        self.env.execute_query(
            SQL(
                """INSERT INTO helpdesk_knowledge_gap
                          (query, search_count, last_date, create_uid, create_date, write_uid, write_date)
                   VALUES (%(query)s, 1, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
                   ON CONFLICT (query) DO UPDATE
                      SET search_count = helpdesk_knowledge_gap.search_count + 1, last_date = %(now)s""",
                query=query,
                now=now,
                uid=self.env.uid,
            )
        )
