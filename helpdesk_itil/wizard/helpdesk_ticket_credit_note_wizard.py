from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketCreditNoteWizard(models.TransientModel):
    """A draft credit note for one of the ticket's invoices, made by Accounting's own
    reversal wizard and linked to the ticket."""

    _name = "helpdesk.ticket.credit.note.wizard"
    _inherit = ["helpdesk.ticket.conversion.mixin"]
    _description = "Create a Credit Note from a Ticket"
    _conversion_model = "account.move"
    _conversion_group = "account.group_account_invoice"

    available_invoice_ids = fields.Many2many("account.move", compute="_compute_available_invoice_ids")
    invoice_id = fields.Many2one(
        "account.move",
        required=True,
        compute="_compute_invoice_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', available_invoice_ids)]",
        help="Posted customer invoice of the ticket (referenced, or from its orders) to credit.",
    )
    reason = fields.Char(compute="_compute_reason", store=True, readonly=False, help="Shown on the credit note.")
    date = fields.Date(string="Credit Note Date", default=fields.Date.context_today, required=True)

    @api.depends("ticket_id")
    def _compute_available_invoice_ids(self):
        for wizard in self:
            ticket = wizard.ticket_id
            wizard.available_invoice_ids = (ticket.invoice_ids | ticket.order_invoice_ids).filtered(
                lambda move: move.move_type == "out_invoice" and move.state == "posted"
            )

    @api.depends("available_invoice_ids")
    def _compute_invoice_id(self):
        for wizard in self:
            if len(wizard.available_invoice_ids) == 1:
                wizard.invoice_id = wizard.available_invoice_ids

    @api.depends("ticket_id")
    def _compute_reason(self):
        for wizard in self:
            wizard.reason = wizard.ticket_id.display_name

    @api.depends("ticket_id", "invoice_id")
    def _compute_existing_documents(self):
        return super()._compute_existing_documents()

    def _get_existing_documents(self):
        """Credit notes already made for the chosen invoice."""
        self.ensure_one()
        return self.invoice_id.sudo().reversal_move_ids.filtered(lambda move: move.state != "cancel")

    def _get_document_description(self):
        return self.env._("a credit note")

    def action_create_credit_note(self):
        self.ensure_one()
        self._check_conversion()
        self.env["account.move.reversal"].check_access("create")
        invoice = self.invoice_id
        if invoice not in self.available_invoice_ids:
            raise UserError(
                self.env._(
                    "%(invoice)s is not a posted customer invoice of %(ticket)s: reference it on the ticket first.",
                    invoice=invoice.display_name,
                    ticket=self.ticket_id.reference,
                )
            )
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": self.reason, "date": self.date, "journal_id": invoice.journal_id.id})
        )
        reversal.refund_moves()
        credit_notes = reversal.new_move_ids
        self.ticket_id.invoice_ids = [Command.link(move.id) for move in credit_notes]
        for credit_note in credit_notes:
            self._post_conversion_note(credit_note)
        return self._action_open_document(
            credit_notes[:1], "account.action_move_out_refund_type", "account.view_move_form"
        )
