from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestErpQuotation(HelpdeskErpCommon):
    def test_quotation_from_ticket(self):
        order = self.make_quotation(products=[(self.product_dock, 2), (self.product_service, 1)])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.contact, "the ticket's contact is the order's customer")
        self.assertEqual(order.partner_id.commercial_partner_id, self.customer)
        self.assertEqual(order.partner_invoice_id.id, self.contact.address_get(["invoice"])["invoice"])
        self.assertEqual(order.origin, self.ticket.reference)
        self.assertEqual(order.helpdesk_ticket_id, self.ticket)
        self.assertEqual(order.company_id, self.ticket.company_id)
        self.assertEqual(
            [(line.product_id, line.product_uom_qty) for line in order.order_line],
            [(self.product_dock, 2), (self.product_service, 1)],
        )
        self.assertEqual(self.ticket.sale_order_ids, order)
        self.assertEqual(self.ticket.with_user(self.sales_agent).sale_order_count, 1)
        self.assertTrue(any(order.name in body for body in self.ticket_notes(self.ticket)))

    def test_order_linked_by_api_gets_ticket_reference_as_origin(self):
        order = self.env["sale.order"].create({"partner_id": self.contact.id, "helpdesk_ticket_id": self.ticket.id})
        self.assertEqual(order.origin, self.ticket.reference)
        order = self.env["sale.order"].create(
            {"partner_id": self.contact.id, "helpdesk_ticket_id": self.ticket.id, "origin": "PO 4711"}
        )
        self.assertEqual(order.origin, "PO 4711")

    def test_quotation_without_products(self):
        order = self.make_quotation()
        self.assertFalse(order.order_line)
        self.assertEqual(order.helpdesk_ticket_id, self.ticket)

    def test_smart_buttons_both_ways(self):
        order = self.make_quotation(products=[(self.product_dock, 1)])
        action = self.ticket.with_user(self.sales_agent).action_view_sale_orders()
        self.assertEqual((action["res_model"], action["res_id"]), ("sale.order", order.id))
        action = order.with_user(self.sales_agent).action_view_helpdesk_ticket()
        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", self.ticket.id))
        second = self.make_quotation(create_another=True)
        action = self.ticket.with_user(self.sales_agent).action_view_sale_orders()
        self.assertEqual(self.env["sale.order"].search(action["domain"]), order | second)

    def test_confirmation_posts_note_and_keeps_ticket_open_by_default(self):
        order = self.make_quotation(products=[(self.product_dock, 1)])
        order.with_user(self.sales_agent).action_confirm()
        self.assertEqual(self.ticket.state, "new")
        self.assertTrue(any("confirmed" in body and order.name in body for body in self.ticket_notes(self.ticket)))

    def test_confirmation_resolves_ticket_when_team_asks(self):
        self.team_a.resolve_on_order_confirmed = True
        order = self.make_quotation(products=[(self.product_dock, 1)])
        # A salesperson without any helpdesk right confirms it.
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.ticket.state, "resolved")
        self.assertEqual(self.ticket.stage_id, self.stage_resolved)
        self.assertEqual(self.ticket.closure_code_id, self.code_erp_done)
        self.assertIn(order.name, self.ticket.resolution_note)
        self.assertTrue(self.ticket.resolved_date)
        note = self.ticket.message_ids.filtered(lambda m: "confirmed" in m.body and order.name in m.body)
        self.assertEqual(note.author_id, self.salesman.partner_id)

    def test_confirmation_leaves_finished_ticket_alone(self):
        self.team_a.resolve_on_order_confirmed = True
        order = self.make_quotation(products=[(self.product_dock, 1)])
        self.ticket.write({"stage_id": self.stage_cancelled.id})
        order.action_confirm()
        self.assertEqual(self.ticket.state, "cancelled")
        self.assertFalse(self.ticket.closure_code_id)
        self.assertTrue(any(order.name in body for body in self.ticket_notes(self.ticket)))

    def test_ticket_without_customer_cannot_be_converted(self):
        ticket = self.create_ticket(name="Anonymous request", partner_email="someone@example.com")
        with self.assertRaisesRegex(UserError, "Set a customer on .* before creating a quotation"):
            ticket.with_user(self.sales_agent).action_create_quotation()
        # Nor through the wizard directly (API callers).
        wizard = self.env["helpdesk.ticket.sale.wizard"].with_user(self.sales_agent).create({"ticket_id": ticket.id})
        with self.assertRaisesRegex(UserError, "Set a customer"):
            wizard.action_create_quotation()
        self.assertFalse(self.env["sale.order"].search([("helpdesk_ticket_id", "=", ticket.id)]))

    def test_agent_without_sales_rights(self):
        ticket = self.ticket.with_user(self.agent)
        arch = ticket.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_create_quotation", arch)
        self.assertNotIn("sale_order_count", arch)
        self.assertIn(
            "action_create_quotation",
            self.ticket.with_user(self.sales_agent).get_views([(False, "form")])["views"]["form"]["arch"],
        )
        # The ticket reads fine without the ERP fields…
        self.assertTrue(ticket.read())
        # …and the conversion is refused before anything is created.
        with self.assertRaises(AccessError):
            ticket.action_create_quotation()
        wizard = self.env["helpdesk.ticket.sale.wizard"].with_user(self.agent).create({"ticket_id": self.ticket.id})
        with self.assertRaises(AccessError):
            wizard.action_create_quotation()
        self.assertFalse(self.env["sale.order"].search([("helpdesk_ticket_id", "=", self.ticket.id)]))

    def test_converting_twice_asks_first(self):
        first = self.make_quotation(products=[(self.product_dock, 1)])
        form = self.open_wizard(self.ticket, "action_create_quotation", self.sales_agent)
        self.assertEqual(form.existing_document_count, 1)
        self.assertEqual(form.existing_document_names, first.name)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "already has .*Create another one"):
            wizard.action_create_quotation()
        self.assertEqual(self.ticket.sale_order_ids, first)
        wizard.create_another = True
        wizard.action_create_quotation()
        self.assertEqual(len(self.ticket.sale_order_ids), 2)

    def test_order_form_for_salesperson_without_helpdesk_rights(self):
        order = self.make_quotation()
        arch = order.with_user(self.salesman).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_view_helpdesk_ticket", arch)
        self.assertIn(
            "action_view_helpdesk_ticket",
            order.with_user(self.sales_agent).get_views([(False, "form")])["views"]["form"]["arch"],
        )
        order.with_user(self.salesman).read(["name", "partner_id"])
