import json

from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .test_portal import PortalHttpCommon


@tagged("post_install", "-at_install")
class TestMergeHttp(PortalHttpCommon):
    """A merged ticket in the portal (banner, replies, no internal note) and merges refused
    over HTTP to who may not make them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # ticket_carla (with an internal note and a public reply) is merged into an older ticket.
        cls.destination = cls.create_ticket(name="Printer offline on floor 2", partner_id=cls.contact.id)
        cls.destination.create_date = cls.ticket_carla.create_date.replace(year=2020)

    def merge(self, user=None):
        Log = self.env["helpdesk.ticket.merge.log"].with_user(user or self.user_a)
        destination = self.destination.with_user(user or self.user_a)
        source = self.ticket_carla.with_user(user or self.user_a)
        Log._merge(destination, source, destination._merge_check(source))

    def test_portal_shows_where_the_work_goes_on_and_no_internal_note(self):
        self.merge()
        self.authenticate("portal_carla", "portal_carla")
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_helpdesk_merged_banner", page.text)
        self.assertIn(self.destination.reference, page.text)
        self.assertIn(f'href="/my/tickets/{self.destination.id}"', page.text)
        self.assertIn('data-allow_composer="0"', page.text)
        self.assertNotIn("SECRET-INTERNAL-NOTE", page.text)
        self.assertNotIn("Merged into", page.text.split("o_helpdesk_merged_banner")[0], "no internal note")
        self.assertNotIn("How did we do?", page.text, "a merged ticket is not rated")
        for ticket in (self.ticket_carla, self.destination):
            messages = json.dumps(self.chatter_fetch(ticket))
            self.assertNotIn("SECRET-INTERNAL-NOTE", messages)
            self.assertNotIn("Merged into", messages)
            self.assertNotIn("merged into this one", messages)
        self.assertIn("Public answer", json.dumps(self.chatter_fetch(self.destination)))
        # The customer's link (token) of the merged ticket leads to the destination too.
        self.authenticate(None, None)
        token = self.ticket_carla._portal_ensure_token()
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}?access_token={token}")
        self.assertIn(f"/my/tickets/{self.destination.id}?access_token=", page.text)

    def test_portal_reply_to_a_merged_ticket_lands_on_the_destination(self):
        self.merge()
        self.authenticate("portal_carla", "portal_carla")
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "helpdesk.ticket",
                "thread_id": self.ticket_carla.id,
                "post_data": {
                    "body": "Any news on my printer?",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        self.assertIn("Any news", " ".join(self.destination.message_ids.mapped("body")))
        self.assertNotIn("Any news", " ".join(self.ticket_carla.message_ids.mapped("body")))

    def test_merge_refused_over_http_to_another_team_and_portal(self):
        self.destination.message_subscribe(partner_ids=self.user_b.partner_id.ids)
        self.ticket_carla.message_subscribe(partner_ids=self.user_b.partner_id.ids)
        tickets = (self.destination | self.ticket_carla).ids
        self.authenticate("hd_user_b", "hd_user_b")
        wizard_id = self.rpc("helpdesk.ticket.merge", "create", {"ticket_ids": [[6, 0, tickets]]})
        with mute_logger("odoo.http"), self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket.merge", "action_merge", [wizard_id])
        self.assertFalse(self.ticket_carla.merged_into_id)
        self.authenticate("portal_carla", "portal_carla")
        with mute_logger("odoo.http"), self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket.merge", "create", {"ticket_ids": [[6, 0, tickets]]})
        with mute_logger("odoo.http"), self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket.merge.log", "search_read", [])
        self.assertFalse(self.ticket_carla.merged_into_id)

    def test_tour_merge_from_the_duplicate_banner(self):
        older = self.create_ticket(name="Tour VPN drops every 10 minutes", partner_id=self.contact_dan.id)
        newer = self.create_ticket(name="Re: Tour VPN drops every 10 minutes", partner_id=self.contact_dan.id)
        self.assertTrue(newer.duplicate_pair_ids)
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{newer.id}",
            "helpdesk_itil_ticket_merge_tour",
            login="hd_agent",
        )
        self.assertEqual(newer.merged_into_id, older)
        self.assertEqual(newer.state, "closed")
