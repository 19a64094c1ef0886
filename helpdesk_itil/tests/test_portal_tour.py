from odoo.tests import new_test_user, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestPortalTour(HelpdeskHttpCommon):
    def test_customer_replies_confirms_and_rates(self):
        customer = new_test_user(
            self.env, login="tour_customer", password="tour_customer", groups="base.group_portal", name="Tina Tour"
        )
        customer.partner_id.email = "tina@tour.example.com"
        self.team_a.use_rating = True
        ticket = self.create_ticket(
            name="Tour: scanner does not scan to email", partner_id=customer.partner_id.id, user_id=self.user_a.id
        )
        ticket.with_user(self.user_a).message_post(
            body="We changed the SMTP port of the scanner; can you try again?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.resolve(ticket)

        self.start_tour("/my", "helpdesk_itil_portal_tour", login="tour_customer")

        reply = ticket.message_ids.filtered(lambda m: "Scanning works again" in (m.body or ""))
        self.assertEqual(reply.author_id, customer.partner_id)
        self.assertEqual(reply.attachment_ids.name, "scan-log.txt")
        self.assertEqual(reply.attachment_ids.raw, b"scan ok 10:42")
        self.assertEqual(ticket.state, "closed")
        self.assertEqual(ticket.customer_confirmation, "confirmed")
        rating = ticket.rating_ids.filtered("consumed")
        self.assertEqual((rating.rating, rating.feedback), (5, "Quick fix, thank you!"))
        self.assertEqual(rating.rated_partner_id, self.user_a.partner_id)
