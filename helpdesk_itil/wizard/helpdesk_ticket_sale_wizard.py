from odoo import Command, api, fields, models


class HelpdeskTicketSaleWizard(models.TransientModel):
    _name = "helpdesk.ticket.sale.wizard"
    _inherit = ["helpdesk.ticket.conversion.mixin"]
    _description = "Create a Quotation from a Ticket"
    _conversion_model = "sale.order"
    _conversion_group = "sales_team.group_sale_salesman"

    line_ids = fields.One2many(
        "helpdesk.ticket.sale.wizard.line",
        "wizard_id",
        string="Products",
        help="Optional: products to quote. Leave empty to fill in the quotation afterwards.",
    )

    def _get_document_description(self):
        return self.env._("a quotation")

    @api.model
    def _prepare_order_values(self, ticket, lines):
        return {
            # The ticket's contact; sale picks the invoice and delivery addresses (and so the
            # commercial partner) from it as it does for any quotation.
            "partner_id": ticket.partner_id.id,
            "company_id": ticket.company_id.id,
            "origin": ticket.reference,
            "helpdesk_ticket_id": ticket.id,
            "order_line": [
                Command.create({"product_id": line.product_id.id, "product_uom_qty": line.product_uom_qty})
                for line in lines
            ],
        }

    def action_create_quotation(self):
        self.ensure_one()
        self._check_conversion()
        order = self.env["sale.order"].create(self._prepare_order_values(self.ticket_id, self.line_ids))
        self._post_conversion_note(order)
        return self._action_open_document(order, "sale.action_quotations_with_onboarding", "sale.view_order_form")
