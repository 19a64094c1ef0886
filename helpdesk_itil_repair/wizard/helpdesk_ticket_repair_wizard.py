from odoo import api, fields, models


class HelpdeskTicketRepairWizard(models.TransientModel):
    _name = "helpdesk.ticket.repair.wizard"
    _inherit = ["helpdesk.ticket.conversion.mixin"]
    _description = "Create a Repair Order from a Ticket"
    _conversion_model = "repair.order"
    _conversion_group = "stock.group_stock_user"

    product_id = fields.Many2one(
        "product.product",
        string="Product to Repair",
        compute="_compute_from_ticket",
        store=True,
        readonly=False,
        domain="[('type', '=', 'consu'), '|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        compute="_compute_from_ticket",
        store=True,
        readonly=False,
        domain="[('product_id', '=', product_id)]",
    )
    tracking = fields.Selection(related="product_id.tracking")
    description = fields.Html(
        string="Internal Notes", compute="_compute_from_ticket", store=True, readonly=False, sanitize=True
    )
    under_warranty = fields.Boolean(help="Parts added to the repair are not charged.")

    @api.depends("ticket_id")
    def _compute_from_ticket(self):
        for wizard in self:
            ticket = wizard.ticket_id
            wizard.product_id = ticket.product_id
            wizard.lot_id = ticket.lot_id
            wizard.description = ticket.description

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.lot_id and self.lot_id.product_id != self.product_id:
            self.lot_id = False

    def _get_document_description(self):
        return self.env._("a repair order")

    def _prepare_repair_values(self):
        ticket = self.ticket_id
        return {
            "partner_id": ticket.partner_id.id,
            "product_id": self.product_id.id,
            "lot_id": self.lot_id.id,
            "internal_notes": self.description,
            "under_warranty": self.under_warranty,
            "company_id": ticket.company_id.id,
            "helpdesk_ticket_id": ticket.id,
        }

    def action_create_repair(self):
        self.ensure_one()
        self._check_conversion()
        repair = self.env["repair.order"].create(self._prepare_repair_values())
        # The ticket remembers the device, for the next repair and for the record.
        ticket = self.ticket_id
        if not ticket.product_id and self.product_id:
            ticket.product_id = self.product_id
        if not ticket.lot_id and self.lot_id.product_id == ticket.product_id:
            ticket.lot_id = self.lot_id
        self._post_conversion_note(repair)
        return self._action_open_document(repair, "repair.action_repair_order_tree", "repair.view_repair_order_form")
