from odoo.tests import JsonRpcException, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestRepliesInTheBrowser(HelpdeskHttpCommon):
    """Macros and canned responses in the backend, and the composer's RPC over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["mail.canned.response"].search([]).unlink()
        helpdesk_users = cls.env.ref("helpdesk_itil.group_helpdesk_user")
        Canned = cls.env["mail.canned.response"]
        Canned.create({"source": "tour any", "substitution": "For any team", "group_ids": [(6, 0, helpdesk_users.ids)]})
        cls.canned_team = Canned.create(
            {
                "source": "tour team",
                "substitution": "Hi {{customer_name}}, about {{reference}} ({{ object.x }})",
                "group_ids": [(6, 0, helpdesk_users.ids)],
                "helpdesk_team_ids": [(6, 0, cls.team_a.ids)],
            }
        )
        cls.env["helpdesk.macro"].create(
            {
                "name": "Tour: ask for logs and wait",
                "team_ids": [(6, 0, cls.team_a.ids)],
                "body": "<p>Hello {{customer_name}}, please send the logs of {{reference}}.</p>",
                "state": "pending",
                "pending_reason": "logs from the customer",
                "assign": "me",
            }
        )
        cls.ticket = cls.create_ticket(name="VPN drops at night", partner_id=cls.contact.id)

    def test_agent_applies_a_macro(self):
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{self.ticket.id}",
            "helpdesk_itil_macro_tour",
            login="hd_user_a",
        )
        self.assertEqual(self.ticket.state, "pending")
        self.assertEqual(self.ticket.user_id, self.user_a)
        reply = self.ticket.message_ids.filtered(lambda m: "please send the logs" in m.body)
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.ticket.reference, reply.body)

    def test_agent_inserts_a_canned_response(self):
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{self.ticket.id}",
            "helpdesk_itil_canned_response_tour",
            login="hd_user_a",
        )
        message = self.ticket.message_ids.filtered(lambda m: "Hi Carla Contact" in m.body)
        self.assertIn(f"about {self.ticket.reference} ({{{{ object.x }}}})", message.body)
        self.assertEqual(message.author_id, self.user_a.partner_id)
        self.assertTrue(self.canned_team.last_used)

    def call_render(self, login):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/helpdesk.ticket/helpdesk_canned_responses",
            {
                "model": "helpdesk.ticket",
                "method": "helpdesk_canned_responses",
                "args": [[self.ticket.id]],
                "kwargs": {},
            },
        )

    def test_composer_rpc_over_http(self):
        rows = self.call_render("hd_user_a")
        self.assertEqual(rows[0]["source"], "tour team")
        self.assertEqual(rows[0]["text"], f"Hi Carla Contact, about {self.ticket.reference} ({{{{ object.x }}}})")
        for login in ("hd_user_b", "hd_portal"):
            with self.subTest(login=login), self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self.call_render(login)
