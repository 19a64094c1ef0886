from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.query import Query

from .helpdesk_stage import RESOLUTION_STATES
from .helpdesk_ticket import MACHINE_CHANNELS

# The resolved tickets a new ticket is compared with: the most similar subjects, at least
# this similar (trigram similarity of the normalised subjects, 0–1).
SUGGESTION_NEIGHBOURS = 20
SUGGESTION_SIMILARITY = 0.3
# How many of the company's latest resolved tickets are compared with.
SUGGESTION_HISTORY = 1000
# A neighbour of the same customer company counts this many times.
SAME_CUSTOMER_WEIGHT = 2.0
# At most that many categories are proposed, the largest share first.
MAX_SUGGESTIONS = 3


class HelpdeskTicketCategorySuggestion(models.Model):
    """A category proposed for a new ticket that arrived without one: the categories of the
    most similar resolved tickets (helpdesk.ticket._find_similar_tickets), each with its
    share of their weighted similarity, shown as one-click chips in the form's Assist area.
    Found once, when the ticket is created; the category the agent then sets is recorded
    on the suggestion (`chosen`), which is what the first-suggestion accuracy is measured on.
    """

    _name = "helpdesk.ticket.category.suggestion"
    _description = "Suggested Ticket Category"
    _order = "ticket_id, rank"
    _rec_name = "category_id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, readonly=True, index=True, ondelete="cascade")
    category_id = fields.Many2one("helpdesk.category", required=True, readonly=True, ondelete="cascade")
    rank = fields.Integer(readonly=True, help="1: the largest share.")
    share = fields.Float(
        readonly=True,
        aggregator=None,
        help="The category's part of the similar resolved tickets, weighted by similarity (same customer "
        "company counts double), 0–1.",
    )
    share_percent = fields.Integer(string="Share (%)", compute="_compute_share_percent")
    chosen = fields.Boolean(readonly=True, help="The ticket's category was set to this one (from the chip or by hand).")

    _ticket_category_uniq = models.Constraint(
        "unique (ticket_id, category_id)", "A category is suggested once per ticket."
    )

    @api.depends("share")
    def _compute_share_percent(self):
        for suggestion in self:
            suggestion.share_percent = round(suggestion.share * 100)

    def action_apply(self):
        """The agent picks this category (a chip): the ticket gets it, as the agent (their
        rights and the field's tracking apply), and the chatter says it was a suggestion."""
        self.ensure_one()
        ticket = self.ticket_id
        ticket.check_access("write")
        ticket.category_id = self.category_id
        ticket._message_log(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Category %(category)s chosen from the suggestions (%(percent)s %%, suggestion %(rank)s of "
                "%(count)s) by %(user)s.",
                category=self.category_id.display_name,
                percent=self.share_percent,
                rank=self.rank,
                count=len(ticket.sudo().category_suggestion_ids),
                user=self.env.user.name,
            )
        )
        return True

    # ------------------------------------------------------------------
    # Suggesting (helpdesk.ticket.create) and recording the choice (write)
    # ------------------------------------------------------------------

    @api.model
    def _suggest(self, tickets):
        """Record suggested categories for the new `tickets` that have none (no triage
        rule gave one): one similarity query per ticket over the company's latest resolved
        and closed tickets with a category (`_history_ids`, read once per batch and
        company; for a single ticket, a subquery of its similarity query), whoever creates
        the ticket."""
        values = []
        history = {}
        pending = tickets.filtered(lambda t: not t.category_id and t.channel not in MACHINE_CHANNELS)
        for ticket in pending:
            if ticket.company_id not in history:
                history[ticket.company_id] = (
                    self._history_query(ticket.company_id)
                    if len(pending) == 1
                    else self._history_ids(ticket.company_id)
                )
            neighbours = self._neighbours(ticket, history[ticket.company_id])
            for rank, (category, share) in enumerate(self._rank(ticket, neighbours), start=1):
                values.append({"ticket_id": ticket.id, "category_id": category.id, "rank": rank, "share": share})
        if values:
            self.sudo().create(values)

    @api.model
    def _history_ids(self, company, exclude=None):
        """Ids of `company`'s latest SUGGESTION_HISTORY resolved or closed tickets with a
        category (the newest first): the history suggestions are drawn from. Bounded, so
        that the cost of a suggestion does not grow with the desk, and recent, so that
        today's categories count rather than those of years ago."""
        return self._history_query(company, exclude).get_result_ids()

    @api.model
    def _history_query(self, company, exclude=None):
        """The query of `_history_ids`, not run: a subquery for a single ticket's lookup."""
        domain = (
            Domain("company_id", "=", company.id)
            & Domain("state", "in", list(RESOLUTION_STATES))
            & Domain("category_id", "!=", False)
        )
        if exclude:
            domain &= Domain("id", "not in", exclude.ids)
        return self.env["helpdesk.ticket"].sudo()._search(domain, order="id desc", limit=SUGGESTION_HISTORY)

    @api.model
    def _neighbours(self, ticket, history_ids=None):
        """[(ticket, similarity)] of the history tickets (`_history_ids`) whose subject is
        most like `ticket`'s, read as superuser; the similarity is computed on those few
        thousand tickets only (not searched through the trigram index of the whole table).
        `history_ids` may also be the not yet run query of `_history_query`."""
        if history_ids is None:
            history_ids = self._history_ids(ticket.company_id, exclude=ticket)
        if not isinstance(history_ids, Query):
            if not history_ids:
                return []
            history_ids = list(history_ids)
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            ._find_similar_tickets(
                ticket.name,
                domain=Domain("id", "in", history_ids),
                limit=SUGGESTION_NEIGHBOURS,
                threshold=SUGGESTION_SIMILARITY,
                indexed=False,
            )
        )

    @api.model
    def _rank(self, ticket, neighbours):
        """[(category, share)] of the similar tickets `neighbours` ([(ticket, similarity)]),
        the largest share first, at most MAX_SUGGESTIONS."""
        weights = defaultdict(float)
        customer = ticket.commercial_partner_id
        for neighbour, similarity in neighbours:
            same_customer = customer and neighbour.commercial_partner_id == customer
            weights[neighbour.category_id] += similarity * (SAME_CUSTOMER_WEIGHT if same_customer else 1.0)
        total = sum(weights.values())
        if not total:
            return []
        ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0].id))[:MAX_SUGGESTIONS]
        return [(category, weight / total) for category, weight in ranked]

    @api.model
    def _on_ticket_write(self, tickets, vals):
        """After `vals` were written on `tickets`: when their category changed, record which
        suggestion (if any) the category now set is."""
        if "category_id" not in vals:
            return
        suggestions = self.sudo().search([("ticket_id", "in", tickets.ids)])
        for suggestion in suggestions:
            chosen = suggestion.category_id == suggestion.ticket_id.category_id
            if suggestion.chosen != chosen:
                suggestion.chosen = chosen
