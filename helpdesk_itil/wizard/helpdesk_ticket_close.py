from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html2plaintext


class HelpdeskTicketClose(models.TransientModel):
    """A helpdesk manager closes a ticket without the customer's confirmation, saying why."""

    _name = "helpdesk.ticket.close"
    _description = "Close Ticket Without Confirmation"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    needs_resolution = fields.Boolean(compute="_compute_needs_resolution")
    reason = fields.Html(
        help="Why the ticket is closed before the customer confirmed it; required, kept on the ticket."
    )
    resolution_note = fields.Html(
        compute="_compute_resolution", store=True, readonly=False, help="What was done, if the ticket has no note yet."
    )
    closure_code_id = fields.Many2one(
        "helpdesk.closure.code", compute="_compute_resolution", store=True, readonly=False
    )

    @api.depends("ticket_id")
    def _compute_needs_resolution(self):
        for wizard in self:
            ticket = wizard.ticket_id
            wizard.needs_resolution = not (
                html2plaintext(ticket.resolution_note or "").strip() and ticket.closure_code_id
            )

    @api.depends("ticket_id")
    def _compute_resolution(self):
        for wizard in self:
            wizard.resolution_note = wizard.ticket_id.resolution_note
            wizard.closure_code_id = wizard.ticket_id.closure_code_id

    def action_close(self):
        self.ensure_one()
        ticket = self.ticket_id
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            raise AccessError(
                self.env._("Only a helpdesk manager can close a ticket without the customer's confirmation.")
            )
        ticket.check_access("write")
        if ticket.is_closed:
            raise UserError(self.env._("%(ticket)s is already closed.", ticket=ticket.display_name))
        if not html2plaintext(self.reason or "").strip():
            raise UserError(
                self.env._(
                    "Say why %(ticket)s is closed without the customer's confirmation.", ticket=ticket.display_name
                )
            )
        ticket.message_post(
            body=Markup("<p><b>%s</b></p>%s")
            % (
                self.env._("Closed by %(user)s without the customer's confirmation:", user=self.env.user.name),
                self.reason,
            ),
            subtype_xmlid="mail.mt_note",
            message_type="comment",
        )
        # As the system, saying how (helpdesk.ticket._check_closure_allowed); the resolution
        # requirements still apply.
        ticket.sudo().with_context(helpdesk_closure="manager")._set_state(
            "closed",
            {
                "resolution_note": self.resolution_note,
                "closure_code_id": self.closure_code_id.id,
                "customer_confirmation": "none",
            },
        )
        return {"type": "ir.actions.act_window_close"}
