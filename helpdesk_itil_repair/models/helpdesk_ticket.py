from odoo import api, fields, models
from odoo.exceptions import ValidationError

REPAIR_READERS = "stock.group_stock_user"


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        tracking=True,
        index="btree_not_null",
        groups=REPAIR_READERS,
        domain="[('product_id', '=', product_id)]",
    )
    repair_ids = fields.One2many("repair.order", "helpdesk_ticket_id", string="Repair Orders", groups=REPAIR_READERS)
    repair_count = fields.Integer(string="Repairs", compute="_compute_repair_count", groups=REPAIR_READERS)
    repair_state = fields.Selection(
        selection=lambda self: self.env["repair.order"]._fields["state"].selection,
        string="Repair Status",
        compute="_compute_repair_count",
        groups=REPAIR_READERS,
        help="Status of the ticket's latest repair order.",
    )

    @api.depends("repair_ids.state")
    def _compute_repair_count(self):
        for ticket in self:
            repairs = ticket.repair_ids
            ticket.repair_count = len(repairs)
            ticket.repair_state = repairs.sorted("id")[-1:].state or False

    @api.constrains("product_id", "lot_id")
    def _check_lot_product(self):
        for ticket in self.sudo():
            if ticket.lot_id and ticket.lot_id.product_id != ticket.product_id:
                raise ValidationError(
                    self.env._(
                        "%(ticket)s: serial number %(lot)s is a %(lot_product)s, not a %(product)s.",
                        ticket=ticket.reference or ticket.name,
                        lot=ticket.lot_id.name,
                        lot_product=ticket.lot_id.product_id.display_name,
                        product=ticket.product_id.display_name or self.env._("(no product)"),
                    )
                )

    @api.onchange("product_id")
    def _onchange_product_id(self):
        # Only inventory users see the serial number (and may read it).
        if self.env.user.has_group(REPAIR_READERS) and self.lot_id.product_id != self.product_id:
            self.lot_id = False

    def write(self, vals):
        if "product_id" in vals and "lot_id" not in vals:
            # Another product: its serial number no longer applies, also for users who
            # cannot see serial numbers.
            stale = self.sudo().filtered(lambda t: t.lot_id and t.lot_id.product_id.id != vals["product_id"])
            if stale:
                stale.write({"lot_id": False})
        return super().write(vals)

    @api.model
    def _merge_documents(self):
        # A merge moves the repair orders made from the merged tickets too.
        return {**super()._merge_documents(), "repair.order": "helpdesk_ticket_id"}

    def action_create_repair(self):
        return self._action_open_conversion_wizard(
            "helpdesk_itil_repair.helpdesk_ticket_repair_wizard_action",
            "stock.group_stock_user",
            "repair.order",
            self.env._("a repair order"),
        )

    def action_view_repairs(self):
        return self._action_view_documents(
            "repair.action_repair_order_tree", self.repair_ids, "repair.view_repair_order_form"
        )
