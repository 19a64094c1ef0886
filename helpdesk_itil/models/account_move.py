from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    helpdesk_ticket_ids = fields.Many2many(
        "helpdesk.ticket",
        "helpdesk_ticket_account_move_rel",
        "move_id",
        "ticket_id",
        string="Helpdesk Tickets",
        copy=False,
        groups="helpdesk_itil.group_helpdesk_user",
        help="Tickets that reference this invoice.",
    )
    helpdesk_ticket_count = fields.Integer(
        string="Tickets", compute="_compute_helpdesk_ticket_count", groups="helpdesk_itil.group_helpdesk_user"
    )

    def _get_helpdesk_tickets(self):
        """Tickets referencing the invoice, and tickets its sales orders were made from."""
        self.ensure_one()
        order_tickets = self.sudo().line_ids.sale_line_ids.order_id.helpdesk_ticket_id
        return (self.helpdesk_ticket_ids | order_tickets.with_env(self.env))._filtered_access("read")

    def _compute_helpdesk_ticket_count(self):
        for move in self:
            move.helpdesk_ticket_count = len(move._get_helpdesk_tickets()) if move.id else 0

    def action_view_helpdesk_tickets(self):
        self.ensure_one()
        tickets = self._get_helpdesk_tickets()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action["domain"] = [("id", "in", tickets.ids)]
        action["context"] = {"create": False}
        if len(tickets) == 1:
            action.update({"views": [(False, "form")], "res_id": tickets.id})
        return action
