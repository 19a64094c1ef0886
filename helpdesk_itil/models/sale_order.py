from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    helpdesk_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        copy=False,
        help="Ticket this quotation was made from.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # An order made for a ticket (wizard, import, API) carries its reference.
            if vals.get("helpdesk_ticket_id") and not vals.get("origin"):
                vals["origin"] = self.env["helpdesk.ticket"].sudo().browse(vals["helpdesk_ticket_id"]).reference
        return super().create(vals_list)

    def action_confirm(self):
        result = super().action_confirm()
        for order in self.sudo().filtered("helpdesk_ticket_id"):
            order.helpdesk_ticket_id._erp_document_done(
                order,
                self.env._("Quotation %(order)s confirmed.", order=order._get_html_link()),
                "resolve_on_order_confirmed",
            )
        return result

    def action_view_helpdesk_ticket(self):
        self.ensure_one()
        return self.helpdesk_ticket_id._action_view_ticket()
