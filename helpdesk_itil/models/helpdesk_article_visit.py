from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

# How long a visitor who opened a suggested article has to file a ticket anyway before
# the visit counts as an inferred deflection.
INFERENCE_DELAY = timedelta(minutes=30)
DEFLECTIONS = [
    ("pending", "Pending"),
    ("confirmed", "Confirmed"),
    ("inferred", "Inferred"),
    ("ticket", "Ticket Sent"),
]
INFER_BATCH_SIZE = 500


class HelpdeskArticleVisit(models.Model):
    """One visitor opening one article from a suggestion (the new-ticket forms): the unit
    deflection is counted in, once per visit and apart per kind.

    - *confirmed*: the visitor answered “Yes, this solved my problem” and sent no ticket;
    - *inferred*: no answer, and no ticket from that visitor (session) or contact within
      30 minutes (decided by its own scheduled action);
    - *ticket*: a ticket came anyway: no deflection.
    """

    _name = "helpdesk.article.visit"
    _description = "Knowledge Article Visit (deflection)"
    _order = "date_opened desc, id desc"
    _rec_name = "article_id"

    article_id = fields.Many2one("helpdesk.article", required=True, ondelete="cascade", index=True)
    visitor_key = fields.Char(required=True, help="The visitor's session: one visit per session and article.")
    partner_id = fields.Many2one("res.partner", string="Contact", ondelete="set null", index="btree_not_null")
    date_opened = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    deflection = fields.Selection(DEFLECTIONS, required=True, default="pending", index=True)
    date_decided = fields.Datetime()
    ticket_id = fields.Many2one("helpdesk.ticket", ondelete="set null", help="The ticket sent anyway.")

    _visitor_article_uniq = models.Constraint(
        "unique (visitor_key, article_id)", "A visitor's visit of an article is counted once."
    )

    @api.model
    def _record_visit(self, article, visitor_key, partner=None):
        """The visit of `article` by this visitor, created at its first opening (a second
        opening in the same session is the same visit)."""
        self.env.execute_query(
            SQL(
                """INSERT INTO helpdesk_article_visit
                          (article_id, visitor_key, partner_id, date_opened, deflection,
                           create_uid, create_date, write_uid, write_date)
                   VALUES (%(article)s, %(key)s, %(partner)s, %(now)s, 'pending',
                           %(uid)s, %(now)s, %(uid)s, %(now)s)
                   ON CONFLICT (visitor_key, article_id) DO NOTHING""",
                article=article.id,
                key=visitor_key,
                partner=partner.id if partner else None,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        return self.search([("visitor_key", "=", visitor_key), ("article_id", "=", article.id)])

    @api.model
    def _confirm(self, article, visitor_key):
        """“Yes, this solved my problem” on a suggested article: a confirmed deflection,
        counted once (a pending visit only). Returns whether it counted."""
        visit = self.search(
            [("visitor_key", "=", visitor_key), ("article_id", "=", article.id), ("deflection", "=", "pending")]
        )
        if not visit:
            return False
        visit.write({"deflection": "confirmed", "date_decided": fields.Datetime.now()})
        return True

    @api.model
    def _on_ticket_submitted(self, ticket, visitor_key):
        """A ticket was sent from a new-ticket form: this visitor's visits of the last 30
        minutes were no deflection, whatever they answered."""
        if not visitor_key:
            return
        now = fields.Datetime.now()
        visits = self.search(
            [
                ("visitor_key", "=", visitor_key),
                ("deflection", "in", ("pending", "confirmed")),
                ("date_opened", ">=", now - INFERENCE_DELAY),
            ]
        )
        visits.write({"deflection": "ticket", "date_decided": now, "ticket_id": ticket.id})

    @api.model
    def _cron_infer_deflection(self, batch_size=INFER_BATCH_SIZE):
        """Visits still pending 30 minutes after the article was opened: a ticket from the
        same contact in those 30 minutes (by email or any channel) makes them *ticket*; the
        others are *inferred* deflections. Committed batches; rows another worker holds
        are skipped."""
        now = fields.Datetime.now()
        due = Domain("deflection", "=", "pending") & Domain("date_opened", "<=", now - INFERENCE_DELAY)
        Visit = self.with_user(SUPERUSER_ID).sudo()
        seen = []
        while True:
            visits = Visit.search(due & Domain("id", "not in", seen), limit=batch_size, order="id")
            if not visits:
                return
            seen += visits.ids
            locked = visits.try_lock_for_update(allow_referencing=True)
            visits = Visit.search(due & Domain("id", "in", locked.ids)) if locked else locked
            tickets_by_partner = {}
            if visits.partner_id:
                tickets = (
                    self.env["helpdesk.ticket"]
                    .sudo()
                    .search_fetch(
                        [
                            ("partner_id", "in", visits.partner_id.ids),
                            ("create_date", ">=", min(visits.mapped("date_opened"))),
                        ],
                        ["partner_id", "create_date"],
                        order="create_date",
                    )
                )
                for ticket in tickets:
                    tickets_by_partner.setdefault(ticket.partner_id, []).append(ticket)
            for visit in visits:
                ticket = next(
                    (
                        t
                        for t in tickets_by_partner.get(visit.partner_id, [])
                        if visit.date_opened <= t.create_date <= visit.date_opened + INFERENCE_DELAY
                    ),
                    None,
                )
                if ticket:
                    visit.write({"deflection": "ticket", "date_decided": now, "ticket_id": ticket.id})
                else:
                    visit.write({"deflection": "inferred", "date_decided": now})
            if not self.env["ir.cron"]._commit_progress(len(visits)):
                return
