from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestKnowledgeTour(HttpCase):
    def test_customer_deflected_by_a_suggested_article(self):
        customer = new_test_user(self.env, login="kb_tour_customer", groups="base.group_portal", name="Tina Tour")
        article = self.env["helpdesk.article"].create(
            {
                "name": "Tour: Reset your VPN password",
                "body": "<p>Open the self-service page and choose Forgot password.</p>",
                "visibility": "portal",
                "state": "published",
            }
        )
        self.start_tour("/my/tickets/new?category_id=0", "helpdesk_itil_knowledge_tour", login="kb_tour_customer")
        visit = self.env["helpdesk.article.visit"].search([("article_id", "=", article.id)])
        self.assertEqual((visit.deflection, visit.partner_id), ("confirmed", customer.partner_id))
        self.assertEqual(article.helpful_yes_count, 1)
        self.assertFalse(self.env["helpdesk.ticket"].search([("partner_id", "=", customer.partner_id.id)]))

    def test_agent_sends_a_suggested_article(self):
        new_test_user(self.env, login="kb_tour_agent", groups="helpdesk_itil.group_helpdesk_agent", name="Ari Agent")
        self.env["helpdesk.article"].create(
            {
                "name": "Tour: Reset your VPN password",
                "body": "<p>Open the self-service page and choose Forgot password.</p>",
                "visibility": "public",
                "state": "published",
            }
        )
        customer = self.env["res.partner"].create({"name": "Vic Customer", "email": "vic@example.com"})
        team = self.env["helpdesk.team"].create({"name": "Tour KB team"})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Cannot reset my VPN password", "team_id": team.id, "partner_id": customer.id}
        )
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{ticket.id}",
            "helpdesk_itil_ticket_article_tour",
            login="kb_tour_agent",
        )
        message = ticket.message_ids.filtered(lambda m: "/help/" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertEqual(message.message_type, "comment")
