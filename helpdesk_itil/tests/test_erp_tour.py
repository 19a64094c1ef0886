from odoo.tests import new_test_user, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestErpQuotationTour(HelpdeskHttpCommon):
    def test_agent_turns_ticket_into_quotation_in_the_browser(self):
        new_test_user(
            self.env,
            login="tour_seller",
            password="tour_seller",
            groups="helpdesk_itil.group_helpdesk_agent,sales_team.group_sale_salesman",
            name="Tour Seller",
        )
        customer = self.env["res.partner"].create({"name": "Tour Customer"})
        self.env["product.product"].create({"name": "Tour Dock", "type": "consu", "list_price": 150.0})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Needs a new dock", "team_id": self.team_a.id, "partner_id": customer.id}
        )
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{ticket.id}",
            "helpdesk_itil_ticket_quotation_tour",
            login="tour_seller",
        )
        order = ticket.sale_order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id, customer)
        self.assertEqual(order.order_line.product_id.name, "Tour Dock")
        self.assertEqual(order.origin, ticket.reference)
