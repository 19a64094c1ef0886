"""The README's API examples, run over HTTP against Odoo's JSON-2 endpoint
(`POST /json/2/<model>/<method>`, `Authorization: Bearer <API key>`)."""

import base64
import json
from datetime import datetime, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestTicketApi(HelpdeskHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.headers_agent = cls.api_headers(cls.agent)
        cls.headers_user_a = cls.api_headers(cls.user_a)
        cls.ticket_b = cls.create_ticket(name="Team B ticket", team_id=cls.team_b.id, partner_id=cls.contact.id)

    @classmethod
    def api_headers(cls, user):
        key = (
            cls.env["res.users.apikeys"]
            .with_user(user)
            ._generate(scope="rpc", name="helpdesk integration", expiration_date=datetime.now() + timedelta(days=1))
        )
        return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def call(self, model, method, payload, headers=None):
        return self.url_open(
            f"/json/2/{model}/{method}", data=json.dumps(payload), headers=headers or self.headers_agent
        )

    def ok(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def api_create_ticket(self, **values):
        payload = {
            "vals_list": [
                {
                    "name": "Invoice PDF is empty",
                    "description": "<p>Since the update the invoice PDF has no lines.</p>",
                    "team_id": self.team_a.id,
                    "partner_id": self.contact.id,
                    "impact": "high",
                    "urgency": "high",
                    "channel": "api",
                    **values,
                }
            ]
        }
        [ticket_id] = self.ok(self.call("helpdesk.ticket", "create", payload))
        return self.env["helpdesk.ticket"].browse(ticket_id)

    # ------------------------------------------------------------
    # README examples
    # ------------------------------------------------------------

    def test_create_ticket(self):
        ticket = self.api_create_ticket()
        self.assertEqual(ticket.name, "Invoice PDF is empty")
        self.assertEqual(ticket.channel, "api")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.partner_id, self.contact)
        self.assertEqual(ticket.priority, "1", "high impact × high urgency")
        self.assertTrue(ticket.reference.startswith("HD-"))
        self.assertEqual(ticket.create_uid, self.agent)
        self.assertIn("has no lines", ticket.description)
        self.assertFalse(
            ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment"), "API tickets are not acknowledged"
        )

    def test_public_reply_and_internal_note(self):
        ticket = self.api_create_ticket()
        [reply_id] = self.ok(
            self.call(
                "helpdesk.ticket",
                "message_post",
                {
                    "ids": [ticket.id],
                    "body": "We are looking into it.",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            )
        )
        [note_id] = self.ok(
            self.call(
                "helpdesk.ticket",
                "message_post",
                {
                    "ids": [ticket.id],
                    "body": "Reproduced on staging, see build 4711.",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_note",
                },
            )
        )
        reply, note = self.env["mail.message"].browse([reply_id, note_id])
        self.assertEqual((reply.model, reply.res_id), ("helpdesk.ticket", ticket.id))
        self.assertEqual(reply.author_id, self.agent.partner_id)
        self.assertFalse(reply.is_internal)
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(note.subtype_id.internal, "a note stays internal")
        self.assertEqual(ticket.first_response_date, reply.date, "the public reply is the first response")
        # the customer follows the ticket: the reply is emailed to them, the note is not
        self.assertIn(self.contact, reply.notification_ids.res_partner_id)
        self.assertNotIn(self.contact, note.notification_ids.res_partner_id)

    def test_attach_a_file(self):
        ticket = self.api_create_ticket()
        content = b"%PDF-1.4 fake invoice"
        [attachment_id] = self.ok(
            self.call(
                "ir.attachment",
                "create",
                {
                    "vals_list": [
                        {
                            "name": "invoice.pdf",
                            "datas": base64.b64encode(content).decode(),
                            "res_model": "helpdesk.ticket",
                            "res_id": ticket.id,
                        }
                    ]
                },
            )
        )
        [message_id] = self.ok(
            self.call(
                "helpdesk.ticket",
                "message_post",
                {
                    "ids": [ticket.id],
                    "body": "The PDF the customer received.",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_note",
                    "attachment_ids": [attachment_id],
                },
            )
        )
        message = self.env["mail.message"].browse(message_id)
        self.assertEqual(message.attachment_ids.ids, [attachment_id])
        self.assertEqual(message.attachment_ids.raw, content)
        self.assertEqual(message.attachment_ids.mimetype, "application/pdf")

    def test_read_status_and_deadlines(self):
        self.env["helpdesk.sla.policy"].create({"name": "Resolve in 8h", "target_hours": 8, "sequence": -5})
        ticket = self.api_create_ticket()
        fields = ["reference", "name", "stage_id", "state", "priority", "user_id", "first_response_date"]
        rows = self.ok(
            self.call(
                "helpdesk.ticket",
                "search_read",
                {"domain": [["reference", "=", ticket.reference]], "fields": [*fields, "sla_deadline", "sla_ids"]},
            )
        )
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["reference"], ticket.reference)
        self.assertEqual(row["state"], "new")
        self.assertEqual(row["stage_id"], [self.stage_new.id, "New"])
        self.assertEqual(row["priority"], "1")
        self.assertFalse(row["first_response_date"])
        self.assertEqual(row["sla_ids"], ticket.sla_ids.ids)
        self.assertEqual(row["sla_deadline"], str(ticket.sla_deadline))

    # ------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------

    def test_unknown_field_is_422_with_the_message(self):
        before = self.env["helpdesk.ticket"].search_count([])
        response = self.call("helpdesk.ticket", "create", {"vals_list": [{"name": "x", "severity": "high"}]})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("Tickets have no field “severity”", response.json()["message"])
        response = self.call("helpdesk.ticket", "write", {"ids": [self.ticket_b.id], "vals": {"colour": 3}})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), before)

    def test_unknown_field_is_a_validation_error_in_the_orm_too(self):
        with self.assertRaisesRegex(ValidationError, "Tickets have no field “colour”"):
            self.create_ticket(colour="red")
        ticket = self.create_ticket()
        with self.assertRaisesRegex(ValidationError, "no field “foo”, “stage”"):
            ticket.write({"stage": 1, "foo": 2})

    def test_unknown_value_is_422_with_the_message(self):
        for values, message in (
            ({"urgency": "yesterday"}, "“yesterday” is not a valid Urgency. Use one of: high, medium, low."),
            ({"team_id": 987654}, "Team 987654 does not exist."),
            ({"name": ""}, "A ticket needs a subject."),
            ({"channel": "fax"}, "not a valid Channel"),
        ):
            with self.subTest(values=values):
                response = self.call("helpdesk.ticket", "create", {"vals_list": [{"name": "From API", **values}]})
                self.assertEqual(response.status_code, 422, response.text)
                self.assertIn(message, response.json()["message"])

    def test_foreign_ticket_is_403(self):
        # A helpdesk user of team A works team A's tickets only: a search lists none of the others.
        response = self.call(
            "helpdesk.ticket", "search_read", {"domain": [], "fields": ["name"]}, headers=self.headers_user_a
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertNotIn("Team B ticket", [row["name"] for row in response.json()])
        for method, payload in (
            ("read", {"ids": [self.ticket_b.id], "fields": ["name"]}),
            ("write", {"ids": [self.ticket_b.id], "vals": {"name": "hijacked"}}),
            (
                "message_post",
                {
                    "ids": [self.ticket_b.id],
                    "body": "hello",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            ),
        ):
            with self.subTest(method=method):
                response = self.call("helpdesk.ticket", method, payload, headers=self.headers_user_a)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertNotIn("Team B ticket", response.text)
        self.assertEqual(self.ticket_b.name, "Team B ticket")
        self.assertFalse(self.ticket_b.message_ids.filtered(lambda m: m.body and "hello" in m.body))
        # attaching a file to it is refused too
        response = self.call(
            "ir.attachment",
            "create",
            {
                "vals_list": [
                    {"name": "x.txt", "datas": "eA==", "res_model": "helpdesk.ticket", "res_id": self.ticket_b.id}
                ]
            },
            headers=self.headers_user_a,
        )
        self.assertEqual(response.status_code, 403, response.text)

    def test_create_without_team_goes_to_the_default_team(self):
        """No team given: the category's team, else the company's first team by sequence;
        team_id=False keeps a ticket without team."""
        self.team_b.sequence = 5
        category = self.env["helpdesk.category"].create({"name": "Billing", "team_id": self.team_a.id})

        def create(**values):
            payload = {"vals_list": [{"name": "Where is my invoice?", "partner_id": self.contact.id, **values}]}
            [ticket_id] = self.ok(self.call("helpdesk.ticket", "create", payload))
            return self.env["helpdesk.ticket"].browse(ticket_id)

        self.assertEqual(create().team_id, self.team_b)
        self.assertEqual(create(category_id=category.id).team_id, self.team_a)
        self.assertFalse(create(team_id=False).team_id)

    def test_other_company_ticket_is_403_for_an_agent(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_team = self.env["helpdesk.team"].create({"name": "Other desk", "company_id": other_company.id})
        other_ticket = self.create_ticket(name="Other company", team_id=other_team.id)
        response = self.call("helpdesk.ticket", "read", {"ids": [other_ticket.id], "fields": ["name"]})
        self.assertEqual(response.status_code, 403, response.text)

    def test_authentication_and_routing_errors(self):
        response = self.url_open(
            "/json/2/helpdesk.ticket/search_read",
            data=json.dumps({"domain": []}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 401, response.text)
        response = self.url_open(
            "/json/2/helpdesk.ticket/search_read",
            data=json.dumps({"domain": []}),
            headers={"Content-Type": "application/json", "Authorization": "Bearer not-a-key"},
        )
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(self.call("helpdesk.ticket", "no_such_method", {}).status_code, 404)
        self.assertEqual(self.call("helpdesk.ticket", "_send_acknowledgement", {"ids": [1]}).status_code, 403)
        portal_key_user = new_test_user(self.env, login="hd_portal_api", groups="base.group_portal")
        response = self.call(
            "helpdesk.ticket", "search_read", {"domain": []}, headers=self.api_headers(portal_key_user)
        )
        # A portal user reaches only their own tickets (none here), never the desk's.
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), [])
