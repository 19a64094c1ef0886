from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.rating.models.rating_data import RATING_TEXT

from .helpdesk_stage import DONE_STATES, OPEN_STATES

CUSTOMER_TIERS = [("standard", "Standard"), ("silver", "Silver"), ("gold", "Gold"), ("platinum", "Platinum")]
# Tickets of these tiers get a priority one level above the impact × urgency matrix.
PRIORITY_BOOST_TIERS = ("gold", "platinum")
# Settled SLA lines: the promise was either kept or broken.
SLA_SETTLED_STATUSES = ("reached", "failed")


class ResPartner(models.Model):
    _inherit = "res.partner"

    helpdesk_tier = fields.Selection(
        CUSTOMER_TIERS,
        string="Service Tier",
        default="standard",
        help="Service level agreed with this customer (set on the company, its contacts follow). "
        "Gold and platinum customers' tickets get a priority one level above the impact × urgency matrix.",
    )
    helpdesk_ticket_ids = fields.One2many("helpdesk.ticket", "partner_id", string="Helpdesk Tickets")
    helpdesk_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_helpdesk_ticket_count", groups="helpdesk_itil.group_helpdesk_user"
    )
    helpdesk_open_ticket_count = fields.Integer(
        string="Open Tickets",
        compute="_compute_helpdesk_ticket_count",
        groups="helpdesk_itil.group_helpdesk_user",
        help="New, in progress or pending.",
    )
    helpdesk_closed_ticket_count = fields.Integer(
        string="Closed Tickets",
        compute="_compute_helpdesk_ticket_count",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Resolved, closed or cancelled.",
    )
    helpdesk_sla_settled_count = fields.Integer(
        string="Settled SLAs",
        compute="_compute_helpdesk_sla_compliance",
        groups="helpdesk_itil.group_helpdesk_user",
        help="SLA lines of this customer's tickets that were reached or failed.",
    )
    helpdesk_sla_compliance = fields.Float(
        string="SLA Compliance",
        compute="_compute_helpdesk_sla_compliance",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Share (%) of the settled SLA lines of this customer's tickets that were reached.",
    )
    helpdesk_last_rating = fields.Float(
        string="Last CSAT Score",
        compute="_compute_helpdesk_last_rating",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Latest satisfaction rating (1 to 5) this customer gave a ticket.",
    )
    helpdesk_last_rating_text = fields.Selection(
        RATING_TEXT,
        string="Last CSAT",
        compute="_compute_helpdesk_last_rating",
        groups="helpdesk_itil.group_helpdesk_user",
    )

    def _helpdesk_partner_tree(self):
        """These partners and their contacts (archived included): a company counts its contacts' tickets."""
        return self.with_context(active_test=False).search_fetch([("id", "child_of", self.ids)], ["parent_id"])

    def _helpdesk_roll_up(self, groups, add):
        """Walk `(partner, *values)` groups up the hierarchy; call `add(partner, *values)`
        for each partner of `self` on the way."""
        self_ids = set(self._ids)
        for partner, *values in groups:
            while partner:
                if partner.id in self_ids:
                    add(self.browse(partner.id), *values)
                partner = partner.parent_id

    @api.depends_context("uid")
    def _compute_helpdesk_ticket_count(self):
        groups = self.env["helpdesk.ticket"]._read_group(
            [("partner_id", "in", self._helpdesk_partner_tree().ids)], ["partner_id", "state"], ["__count"]
        )
        self.helpdesk_ticket_count = 0
        self.helpdesk_open_ticket_count = 0
        self.helpdesk_closed_ticket_count = 0

        def add(partner, state, count):
            partner.helpdesk_ticket_count += count
            if state in OPEN_STATES:
                partner.helpdesk_open_ticket_count += count
            elif state in DONE_STATES:
                partner.helpdesk_closed_ticket_count += count

        self._helpdesk_roll_up(groups, add)

    @api.depends_context("uid")
    def _compute_helpdesk_sla_compliance(self):
        self.helpdesk_sla_settled_count = 0
        self.helpdesk_sla_compliance = 0.0
        # Promises to the customer (not internal OLAs) that were kept or broken.
        domain = (
            Domain("ticket_id.partner_id", "in", self._helpdesk_partner_tree().ids)
            & Domain("status", "in", SLA_SETTLED_STATUSES)
            & Domain("kind", "=", "sla")
        )
        groups = self.env["helpdesk.ticket.sla"]._read_group(domain, ["ticket_id.partner_id", "status"], ["__count"])
        reached = dict.fromkeys(self, 0)

        def add(partner, status, count):
            partner.helpdesk_sla_settled_count += count
            if status == "reached":
                reached[partner] += count

        self._helpdesk_roll_up(groups, add)
        for partner in self:
            if partner.helpdesk_sla_settled_count:
                partner.helpdesk_sla_compliance = 100.0 * reached[partner] / partner.helpdesk_sla_settled_count

    @api.depends_context("uid")
    def _compute_helpdesk_last_rating(self):
        # Ratings are read as superuser: only their score and date reach the contact form.
        Rating = self.env["rating.rating"].sudo()
        groups = Rating._read_group(
            [
                ("res_model", "=", "helpdesk.ticket"),
                ("partner_id", "in", self._helpdesk_partner_tree().ids),
                ("consumed", "=", True),
            ],
            ["partner_id"],
            ["id:max"],
        )
        last_id = dict.fromkeys(self, 0)

        def add(partner, rating_id):
            last_id[partner] = max(last_id[partner], rating_id)

        self._helpdesk_roll_up(groups, add)
        ratings = Rating.browse(rating_id for rating_id in last_id.values() if rating_id)
        for partner in self:
            rating = ratings.browse(last_id[partner]) if last_id[partner] else ratings.browse()
            partner.helpdesk_last_rating = rating.rating
            partner.helpdesk_last_rating_text = rating.rating_text or False

    def write(self, vals):
        result = super().write(vals)
        if "helpdesk_tier" in vals:
            # The tier is a commercial field: the company's write reaches its contacts too.
            self.filtered(
                lambda partner: partner == partner.commercial_partner_id
            )._helpdesk_reprioritise_open_tickets()
        return result

    def _helpdesk_reprioritise_open_tickets(self):
        """A new service tier re-prioritises the open tickets of these customers (commercial
        partners) and their contacts, except where an agent set the priority by hand."""
        tickets = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                Domain("commercial_partner_id", "in", self.ids)
                & Domain("state", "in", OPEN_STATES)
                & Domain("priority_overridden", "=", False)
            )
        )
        if tickets:
            tickets.action_reset_priority()

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "helpdesk_tier"]

    def action_helpdesk_service_report(self):
        """The wizard that prints or sends this customer's monthly service report."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_service_report_wizard_action")
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_view_helpdesk_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action["domain"] = [("partner_id", "child_of", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
