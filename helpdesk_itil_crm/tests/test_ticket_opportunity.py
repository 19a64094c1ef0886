from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.helpdesk_itil.tests.common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestTicketOpportunity(HelpdeskErpCommon):
    def make_opportunity(self, ticket=None, user=None, **values):
        form = self.open_wizard(ticket or self.ticket, "action_create_opportunity", user or self.sales_agent)
        for name, value in values.items():
            setattr(form, name, value)
        action = form.save().action_create_opportunity()
        return self.env["crm.lead"].browse(action["res_id"])

    def test_opportunity_from_ticket(self):
        lead = self.make_opportunity(expected_revenue=1800)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.contact)
        self.assertEqual(lead.name, self.ticket.name)
        self.assertEqual(lead.user_id, self.sales_agent)
        self.assertEqual(lead.expected_revenue, 1800)
        self.assertIn("no longer powers the laptop", lead.description)
        self.assertEqual(lead.helpdesk_ticket_id, self.ticket)
        ticket = self.ticket.with_user(self.sales_agent)
        self.assertEqual(ticket.lead_ids, lead)
        self.assertEqual(ticket.lead_count, 1)
        self.assertTrue(any(lead.name in body for body in self.ticket_notes(self.ticket)))
        action = ticket.action_view_opportunities()
        self.assertEqual((action["res_model"], action["res_id"]), ("crm.lead", lead.id))
        action = lead.with_user(self.sales_agent).action_view_helpdesk_ticket()
        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", self.ticket.id))

    def test_rights_and_bad_input(self):
        arch = self.ticket.with_user(self.agent).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_create_opportunity", arch)
        self.assertTrue(self.ticket.with_user(self.agent).read())
        with self.assertRaisesRegex(AccessError, "needs the access rights"):
            self.ticket.with_user(self.agent).action_create_opportunity()
        anonymous = self.create_ticket(name="Someone wants a price")
        with self.assertRaisesRegex(UserError, "Set a customer on .* before creating an opportunity"):
            anonymous.with_user(self.sales_agent).action_create_opportunity()
        self.assertFalse(self.env["crm.lead"].search([("helpdesk_ticket_id", "in", (self.ticket | anonymous).ids)]))
        # The lead form of a salesperson without helpdesk rights has no ticket button.
        lead = self.make_opportunity()
        arch = lead.with_user(self.salesman).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_view_helpdesk_ticket", arch)

    def test_second_opportunity_asks_first(self):
        first = self.make_opportunity()
        form = Form(
            self.env["helpdesk.ticket.lead.wizard"]
            .with_user(self.sales_agent)
            .with_context(default_ticket_id=self.ticket.id)
        )
        self.assertEqual(form.existing_document_count, 1)
        with self.assertRaisesRegex(UserError, "already has"):
            form.save().action_create_opportunity()
        self.assertEqual(self.ticket.lead_ids, first)
        self.make_opportunity(create_another=True)
        self.assertEqual(len(self.ticket.lead_ids), 2)

    def test_merge_moves_opportunities_and_unmerge_gives_them_back(self):
        lead = self.make_opportunity()
        destination = self.create_ticket(name="Laptop again", partner_id=self.contact.id)
        Log = self.env["helpdesk.ticket.merge.log"].with_user(self.agent)
        logs = Log._merge(destination.with_user(self.agent), self.ticket.with_user(self.agent))
        self.assertEqual(lead.helpdesk_ticket_id, destination)
        self.assertEqual(logs.sudo().documents["crm.lead"], lead.ids)
        logs.with_user(self.manager).action_unmerge()
        self.assertEqual(lead.helpdesk_ticket_id, self.ticket)
