from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    helpdesk_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        copy=False,
        help="Ticket this opportunity was made from.",
    )

    def action_view_helpdesk_ticket(self):
        self.ensure_one()
        return self.helpdesk_ticket_id._action_view_ticket()
