from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestErpInvoice(HelpdeskErpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls.make_invoice(cls.customer, 250.0)

    def credit_note_wizard(self, user=None, **values):
        form = self.open_wizard(self.ticket, "action_create_credit_note", user or self.billing_agent)
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def test_reference_customer_invoices(self):
        self.ticket.with_user(self.billing_agent).invoice_ids = [Command.link(self.invoice.id)]
        self.assertEqual(self.ticket.invoice_ids, self.invoice)
        self.assertEqual(self.ticket.with_user(self.billing_agent).invoice_count, 1)
        action = self.ticket.with_user(self.billing_agent).action_view_invoices()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", self.invoice.id))
        # The invoice shows its ticket.
        self.assertEqual(self.invoice.with_user(self.billing_agent).helpdesk_ticket_count, 1)
        action = self.invoice.with_user(self.billing_agent).action_view_helpdesk_tickets()
        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", self.ticket.id))

    def test_only_invoices_of_the_customer(self):
        other = self.env["res.partner"].create({"name": "Other Customer"})
        foreign_invoice = self.make_invoice(other)
        with (
            self.assertRaisesRegex(ValidationError, "only reference customer invoices .* of its customer"),
            self.cr.savepoint(),
        ):
            self.ticket.invoice_ids = [Command.link(foreign_invoice.id)]
        bill = self.make_invoice(self.customer, move_type="in_invoice", post=False)
        with self.assertRaisesRegex(ValidationError, bill.display_name), self.cr.savepoint():
            self.ticket.invoice_ids = [Command.link(bill.id)]
        # The field's domain says the same to the form.
        domain = self.env["helpdesk.ticket"]._fields["invoice_ids"].domain
        self.assertIn("commercial_partner_id", domain)
        self.assertIn("out_refund", domain)

    def test_invoices_of_the_ticket_orders(self):
        order = self.make_quotation(products=[(self.product_service, 3)])
        order.action_confirm()
        order.order_line.qty_delivered = 3
        order_invoice = order._create_invoices()
        ticket = self.ticket.with_user(self.billing_agent)
        self.assertEqual(ticket.order_invoice_ids, order_invoice)
        self.assertEqual(ticket.invoice_count, 1)
        ticket.invoice_ids = [Command.link(self.invoice.id)]
        self.assertEqual(ticket.invoice_count, 2)
        self.assertEqual(order_invoice.with_user(self.billing_agent).helpdesk_ticket_count, 1, "ticket of its order")

    def test_credit_note_from_referenced_invoice(self):
        self.ticket.invoice_ids = [Command.link(self.invoice.id)]
        form = self.credit_note_wizard()
        self.assertEqual(form.invoice_id, self.invoice, "the only invoice is proposed")
        form.reason = "Dock replaced under warranty"
        action = form.save().action_create_credit_note()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "draft")
        self.assertEqual(credit_note.reversed_entry_id, self.invoice)
        self.assertEqual(credit_note.amount_total, self.invoice.amount_total)
        self.assertIn("Dock replaced under warranty", credit_note.ref)
        self.assertEqual(self.ticket.invoice_ids, self.invoice | credit_note)
        self.assertTrue(any(credit_note.display_name in body for body in self.ticket_notes(self.ticket)))

    def test_second_credit_note_asks_first(self):
        self.ticket.invoice_ids = [Command.link(self.invoice.id)]
        self.credit_note_wizard().save().action_create_credit_note()
        form = self.credit_note_wizard()
        self.assertEqual(form.existing_document_count, 1)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "already has"):
            wizard.action_create_credit_note()
        wizard.create_another = True
        wizard.action_create_credit_note()
        self.assertEqual(len(self.invoice.reversal_move_ids), 2)

    def test_credit_note_needs_accounting_rights(self):
        self.ticket.invoice_ids = [Command.link(self.invoice.id)]
        for user in (self.agent, self.sales_agent):
            arch = self.ticket.with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertNotIn("action_create_credit_note", arch)
            self.assertTrue(self.ticket.with_user(user).read())
            with self.assertRaises(AccessError):
                self.ticket.with_user(user).action_create_credit_note()
        self.assertFalse(self.invoice.reversal_move_ids)

    def test_credit_note_only_for_the_ticket_invoices(self):
        other_invoice = self.make_invoice(self.customer, 80.0)
        form = self.credit_note_wizard()
        self.assertFalse(form.invoice_id, "no invoice referenced yet")
        wizard = (
            self.env["helpdesk.ticket.credit.note.wizard"]
            .with_user(self.billing_agent)
            .create({"ticket_id": self.ticket.id, "invoice_id": other_invoice.id})
        )
        with self.assertRaisesRegex(UserError, "reference it on the ticket first"):
            wizard.action_create_credit_note()
        self.assertFalse(other_invoice.reversal_move_ids)

    def test_closed_ticket_keeps_its_links_writable(self):
        self.resolve(self.ticket)
        self.ticket.stage_id = self.stage_closed
        self.ticket.with_user(self.billing_agent).invoice_ids = [Command.link(self.invoice.id)]
        self.assertEqual(self.ticket.invoice_ids, self.invoice)
        self.credit_note_wizard().save().action_create_credit_note()
        self.assertEqual(len(self.ticket.invoice_ids), 2)
