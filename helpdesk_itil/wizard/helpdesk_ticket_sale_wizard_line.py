from odoo import fields, models


class HelpdeskTicketSaleWizardLine(models.TransientModel):
    _name = "helpdesk.ticket.sale.wizard.line"
    _description = "Product to Quote from a Ticket"

    wizard_id = fields.Many2one("helpdesk.ticket.sale.wizard", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('sale_ok', '=', True), '|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    product_uom_qty = fields.Float(string="Quantity", default=1.0, digits="Product Unit", required=True)
