from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

LINK_TYPES = [
    ("relates_to", "Relates To"),
    ("duplicate_of", "Duplicate Of"),
    ("blocks", "Blocks"),
    ("follow_up_of", "Follow-up Of"),
]
# How a link reads from either side: "HD-1 blocks HD-2", "HD-2 is blocked by HD-1". The key
# is what a ticket's form (and the Add Link dialog) offers; the value is the stored type and
# whether the ticket is the link's target.
WORDINGS = [
    ("relates_to", "Relates to"),
    ("duplicate_of", "Duplicate of"),
    ("has_duplicate", "Has duplicate"),
    ("blocks", "Blocks"),
    ("blocked_by", "Blocked by"),
    ("follow_up_of", "Follow-up of"),
    ("followed_up_by", "Followed up by"),
]
WORDING_LINKS = {
    "relates_to": ("relates_to", False),
    "duplicate_of": ("duplicate_of", False),
    "has_duplicate": ("duplicate_of", True),
    "blocks": ("blocks", False),
    "blocked_by": ("blocks", True),
    "follow_up_of": ("follow_up_of", False),
    "followed_up_by": ("follow_up_of", True),
}
# {type: {read from the target's side: wording}}: "relates to" reads the same both ways.
LINK_WORDINGS = {
    "relates_to": {False: "relates_to", True: "relates_to"},
    "duplicate_of": {False: "duplicate_of", True: "has_duplicate"},
    "blocks": {False: "blocks", True: "blocked_by"},
    "follow_up_of": {False: "follow_up_of", True: "followed_up_by"},
}


class HelpdeskTicketLink(models.Model):
    """A typed link between two tickets, stored once for the pair and read from both sides:
    "HD-1 blocks HD-2" is "HD-2 blocked by HD-1" on HD-2's form. `ticket_id` is the subject
    of the type (the duplicate, the blocker, the follow-up); `relates_to` reads the same both
    ways. The cause of an incident is not a link: it is the ticket's problem."""

    _name = "helpdesk.ticket.link"
    _description = "Helpdesk Ticket Link"
    _order = "id desc"

    ticket_id = fields.Many2one("helpdesk.ticket", string="From Ticket", required=True, index=True, ondelete="cascade")
    target_id = fields.Many2one(
        "helpdesk.ticket", string="Linked Ticket", required=True, index=True, ondelete="cascade"
    )
    link_type = fields.Selection(LINK_TYPES, string="Type", required=True, default="relates_to")
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)

    _no_self_link = models.Constraint("CHECK (ticket_id <> target_id)", "A ticket cannot be linked to itself.")
    # One row per pair, whatever its direction.
    _pair_uniq = models.UniqueIndex(
        "(LEAST(ticket_id, target_id), GREATEST(ticket_id, target_id))", "These tickets are already linked."
    )

    @api.depends("ticket_id", "target_id", "link_type")
    def _compute_display_name(self):
        labels = dict(self.env["helpdesk.ticket.link.side"]._fields["wording"]._description_selection(self.env))
        for link in self:
            link.display_name = (
                f"{link.ticket_id.reference or ''} {labels[LINK_WORDINGS[link.link_type][False]].lower()} "
                f"{link.target_id.reference or ''}"
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_pairs([(vals.get("ticket_id"), vals.get("target_id")) for vals in vals_list])
        links = super().create(vals_list)
        self._invalidate_ticket_links()
        return links

    def write(self, vals):
        result = super().write(vals)
        self._invalidate_ticket_links()
        return result

    def unlink(self):
        result = super().unlink()
        self._invalidate_ticket_links()
        return result

    @api.model
    def _invalidate_ticket_links(self):
        # The tickets' lists of links are read from these rows (and the view over them).
        self.env["helpdesk.ticket"].invalidate_model(["link_ids", "link_side_ids", "related_ticket_ids"])

    @api.model
    def _check_pairs(self, pairs):
        """Refuse a self link or a pair already linked, with a message (not a database error)."""
        for ticket_id, target_id in pairs:
            if ticket_id and ticket_id == target_id:
                raise ValidationError(self.env._("A ticket cannot be related to itself."))
        existing = self.sudo()._find_pairs(pairs)
        if existing:
            link = next(iter(existing.values()))
            raise ValidationError(
                self.env._(
                    "%(first)s and %(second)s are already linked (%(link)s): one link per pair of tickets.",
                    first=link.ticket_id.reference,
                    second=link.target_id.reference,
                    link=link.display_name,
                )
            )

    @api.model
    def _find_pairs(self, pairs):
        """{(smaller id, greater id): link} of the pairs [(ticket id, ticket id)] already linked."""
        keys = {(min(a, b), max(a, b)) for a, b in pairs if a and b}
        if not keys:
            return {}
        ids = {ticket_id for key in keys for ticket_id in key}
        links = self.search(Domain("ticket_id", "in", list(ids)) & Domain("target_id", "in", list(ids)))
        found = {}
        for link in links:
            key = (min(link.ticket_id.id, link.target_id.id), max(link.ticket_id.id, link.target_id.id))
            if key in keys:
                found[key] = link
        return found

    @api.model
    def _link(self, ticket, wording, other):
        """Link `ticket` to `other` as `wording` reads from `ticket`'s side (WORDINGS)."""
        link_type, reverse = WORDING_LINKS[wording]
        first, second = (other, ticket) if reverse else (ticket, other)
        return self.create({"ticket_id": first.id, "target_id": second.id, "link_type": link_type})
