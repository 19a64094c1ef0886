from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    helpdesk_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        copy=False,
        help="Ticket this repair order was made from.",
    )

    def write(self, vals):
        done = self.browse()
        if vals.get("state") == "done":
            done = self.sudo().filtered(lambda repair: repair.helpdesk_ticket_id and repair.state != "done")
        result = super().write(vals)
        for repair in done:
            ticket = repair.helpdesk_ticket_id
            # The ticket is resolved with its last open repair.
            still_open = ticket.repair_ids.filtered(lambda r: r.state not in ("done", "cancel"))
            ticket._erp_document_done(
                repair,
                self.env._("Repair %(repair)s done.", repair=repair._get_html_link()),
                "resolve_on_repair_done" if not still_open else None,
            )
        return result

    def action_view_helpdesk_ticket(self):
        self.ensure_one()
        return self.helpdesk_ticket_id._action_view_ticket()
