from odoo import api, fields, models

from ..models.helpdesk_ticket_link import WORDINGS


class HelpdeskTicketLinkWizard(models.TransientModel):
    """Add Link on a ticket's form: the link as it reads from this ticket ("blocked by HD-7")."""

    _name = "helpdesk.ticket.link.wizard"
    _description = "Link Helpdesk Tickets"

    ticket_id = fields.Many2one("helpdesk.ticket", string="This Ticket", required=True, readonly=True)
    company_id = fields.Many2one(related="ticket_id.company_id")
    wording = fields.Selection(WORDINGS, string="Link", required=True, default="relates_to")
    other_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        required=True,
        domain="[('id', '!=', ticket_id), ('company_id', '=', company_id)]",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if not values.get("ticket_id") and self.env.context.get("active_model") == "helpdesk.ticket":
            values["ticket_id"] = self.env.context.get("active_id")
        return values

    def action_add(self):
        self.ensure_one()
        self.ticket_id.check_access("write")
        self.env["helpdesk.ticket.link"]._link(self.ticket_id, self.wording, self.other_ticket_id)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
