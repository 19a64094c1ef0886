from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form

from .common import HelpdeskCommon


class TestMacros(HelpdeskCommon):
    """Macros: a saved reply plus fixed actions, applied with the checks of a change by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tag = cls.env["helpdesk.tag"]
        cls.tag_vip = Tag.create({"name": "Test VIP"})
        cls.tag_known = Tag.create({"name": "Test Known Error"})
        cls.code_workaround = cls.env.ref("helpdesk_itil.closure_workaround")
        cls.contact.comment = "SECRET-NOTE"
        Macro = cls.env["helpdesk.macro"]
        cls.ask_logs = Macro.create(
            {
                "name": "Ask for logs and wait",
                "body": "<p>Hello {{customer_name}}, please send the logs of {{reference}}. {{ object.x }}</p>"
                "<p>Upload them on {{portal_url}}</p>{{agent_signature}}",
                "state": "pending",
                "pending_reason": "logs from the customer",
                "tag_ids": [(6, 0, cls.tag_vip.ids)],
                "assign": "me",
            }
        )
        cls.workaround = Macro.create(
            {
                "name": "Known workaround, resolve",
                "team_ids": [(6, 0, cls.team_a.ids)],
                "body": "<p>Workaround for {{customer_name}}: restart the agent.</p>",
                "state": "resolved",
                "closure_code_id": cls.code_workaround.id,
                "resolution_note": "<p>Workaround sent to {{customer_name}} ({{reference}}).</p>",
                "tag_ids": [(6, 0, cls.tag_known.ids)],
            }
        )
        cls.team_b_only = Macro.create(
            {"name": "Team B note", "team_ids": [(6, 0, cls.team_b.ids)], "reply_type": "note", "body": "<p>B</p>"}
        )
        cls.ticket = cls.create_ticket(partner_id=cls.contact.id, tag_ids=[(6, 0, cls.tag_known.ids)])

    def messages(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == "comment")

    def test_ask_for_logs_posts_the_reply_and_waits(self):
        self.user_a.signature = "<p>Ana<br>Team A</p>"
        self.ask_logs.with_user(self.user_a)._apply(self.ticket.with_user(self.user_a))
        ticket = self.ticket
        self.assertEqual(ticket.state, "pending")
        self.assertEqual(ticket.stage_id, self.stage_pending)
        self.assertEqual(ticket.user_id, self.user_a)
        # Tags are added, the ticket's own ones kept.
        self.assertEqual(ticket.tag_ids, self.tag_vip | self.tag_known)
        note, reply = self.messages(ticket)[:2]
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(reply.author_id, self.user_a.partner_id)
        self.assertIn(f"Hello Carla Contact, please send the logs of {ticket.reference}.", reply.body)
        self.assertIn("{{ object.x }}", reply.body)  # unknown: left as typed
        # The portal link signs the customer in; the agent's signature is kept as HTML.
        link = f'<a href="{ticket._get_acknowledgement_url()}">{ticket.get_base_url()}/my/tickets/{ticket.id}</a>'
        self.assertIn(f"<p>Upload them on {link}</p>", str(reply.body).replace("&amp;", "&"))
        self.assertIn("<p>Ana<br>Team A</p>", reply.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("Ask for logs and wait", note.body)
        self.assertIn("Waiting for: logs from the customer", note.body)
        # The reply is the ticket's first response.
        self.assertEqual(ticket.first_response_date, reply.date)

    def test_known_workaround_resolves_with_code_and_note(self):
        self.workaround.with_user(self.user_a)._apply(self.ticket.with_user(self.user_a))
        ticket = self.ticket
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(ticket.closure_code_id, self.code_workaround)
        self.assertIn(f"Workaround sent to Carla Contact ({ticket.reference}).", ticket.resolution_note)
        self.assertTrue(ticket.resolved_date)
        self.assertEqual(ticket.user_id, self.env["res.users"], "assign: keep")

    def test_assignment_choices(self):
        macro = self.env["helpdesk.macro"].create(
            {"name": "Give to Alex", "reply_type": "none", "assign": "user", "user_id": self.user_a2.id}
        )
        macro.with_user(self.user_a)._apply(self.ticket)
        self.assertEqual(self.ticket.user_id, self.user_a2)
        macro.write({"assign": "nobody", "user_id": False})
        macro.with_user(self.user_a)._apply(self.ticket)
        self.assertFalse(self.ticket.user_id)
        # No message asked: only the "applied" note.
        self.assertEqual(len(self.messages(self.ticket)), 2)

    def test_internal_note_macro(self):
        ticket = self.create_ticket(team_id=self.team_b.id, partner_id=self.contact.id)
        self.team_b_only.with_user(self.user_b)._apply(ticket.with_user(self.user_b))
        self.assertEqual(self.messages(ticket)[1].subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(ticket.state, "new")

    def assertNothingWritten(self, ticket, messages_before):
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.tag_ids, self.tag_known)
        self.assertFalse(ticket.user_id)
        self.assertFalse(ticket.first_response_date)
        self.assertEqual(ticket.message_ids, messages_before, "no reply, no note")

    def test_refused_action_takes_the_reply_back(self):
        # Team C has no pending stage: the macro cannot move its tickets there.
        team_c = self.env["helpdesk.team"].create(
            {
                "name": "Team C",
                "member_ids": [(6, 0, self.user_a.ids)],
                "stage_ids": [(6, 0, (self.stage_new | self.stage_progress | self.stage_resolved).ids)],
            }
        )
        ticket = self.create_ticket(team_id=team_c.id, partner_id=self.contact.id, tag_ids=[(6, 0, self.tag_known.ids)])
        before = ticket.message_ids
        with self.assertRaisesRegex(UserError, "Team C has no stage for the state Pending"):
            self.ask_logs.with_user(self.user_a)._apply(ticket.with_user(self.user_a))
        self.assertNothingWritten(ticket, before)

    def test_closing_follows_the_confirmation_rule(self):
        self.team_a.closure_confirmation = True
        macro = self.workaround.copy({"name": "Close it", "state": "closed"})
        before = self.ticket.message_ids
        with self.assertRaisesRegex(UserError, "closing needs the customer's confirmation"):
            macro.with_user(self.user_a)._apply(self.ticket.with_user(self.user_a))
        self.assertNothingWritten(self.ticket, before)
        self.assertFalse(self.ticket.closure_code_id)

    def test_closed_ticket_content_stays_read_only(self):
        self.resolve(self.ticket, self.stage_closed)
        before = self.ticket.message_ids
        with self.assertRaisesRegex(UserError, "is closed: its content is read-only"):
            self.ask_logs.with_user(self.user_a)._apply(self.ticket.with_user(self.user_a))
        self.assertEqual(self.ticket.message_ids, before)
        self.assertEqual(self.ticket.tag_ids, self.tag_known)

    def test_macro_of_another_team_is_refused(self):
        before = self.ticket.message_ids
        with self.assertRaisesRegex(UserError, "Team B note is not meant for"):
            self.team_b_only.with_user(self.agent)._apply(self.ticket.with_user(self.agent))
        self.assertEqual(self.ticket.message_ids, before)

    def test_user_of_another_team_cannot_apply_to_a_ticket_he_cannot_write(self):
        before = self.ticket.message_ids
        for user in (self.user_b, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.ask_logs.with_user(user)._apply(self.ticket.with_user(user))
        self.assertNothingWritten(self.ticket, before)

    def test_users_read_macros_managers_write_them(self):
        for user in (self.user_a, self.agent):
            Macro = self.env["helpdesk.macro"].with_user(user)
            self.assertIn(self.ask_logs, Macro.search([]))
            with self.assertRaises(AccessError):
                Macro.create({"name": "Mine", "reply_type": "none"})
            with self.assertRaises(AccessError):
                self.ask_logs.with_user(user).name = "Renamed"
            with self.assertRaises(AccessError):
                self.ask_logs.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env["helpdesk.macro"].with_user(self.portal_user).search([])
        macro = self.env["helpdesk.macro"].with_user(self.manager).create({"name": "Manager's", "reply_type": "none"})
        macro.name = "Renamed"
        macro.unlink()

    def test_a_macro_says_what_it_is_missing(self):
        Macro = self.env["helpdesk.macro"]
        cases = (
            ({"state": "resolved", "reply_type": "none"}, "give it a closure code and a resolution note"),
            (
                {"state": "closed", "reply_type": "none", "closure_code_id": self.code_solved.id},
                "give it a closure code and a resolution note",
            ),
            ({"state": "pending", "reply_type": "none"}, "say what they wait for"),
            ({"reply_type": "comment", "body": "<p><br></p>"}, "write the message"),
            ({"reply_type": "none", "assign": "user"}, "choose the assignee"),
        )
        for values, message in cases:
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                Macro.create({"name": "Incomplete", **values})

    def test_unknown_placeholders_are_shown_on_the_macro(self):
        self.assertEqual(self.ask_logs.unknown_placeholders, "{{ object.x }}")
        self.assertFalse(self.workaround.unknown_placeholders)

    def test_apply_macro_wizard(self):
        action = self.ticket.with_user(self.user_a).action_apply_macro()
        self.assertEqual(action["res_model"], "helpdesk.ticket.macro")
        wizard_env = self.env["helpdesk.ticket.macro"].with_user(self.user_a).with_context(**action["context"])
        with Form(wizard_env) as form:
            self.assertEqual(form.available_macro_ids[:], self.ask_logs | self.workaround)
            form.macro_id = self.workaround
            self.assertIn("Workaround for Carla Contact", form.preview)
            self.assertIn("Move to: Resolved", form.actions_summary)
            self.assertIn("Closure code: Workaround", form.actions_summary)
            form.macro_id = self.ask_logs
            self.assertEqual(form.unknown_placeholders, "{{ object.x }}")
            self.assertIn("Waiting for: logs from the customer", form.actions_summary)
            self.assertIn("Assign to: Ana (team A)", form.actions_summary)
        form.record.action_apply()
        self.assertEqual(self.ticket.state, "pending")

    def test_wizard_lists_the_macros_of_the_ticket_category(self):
        hardware = self.env["helpdesk.category"].create({"name": "Hardware"})
        laptop = self.env["helpdesk.category"].create({"name": "Laptop", "parent_id": hardware.id})
        macro = self.env["helpdesk.macro"].create(
            {"name": "Hardware only", "reply_type": "none", "category_ids": [(6, 0, hardware.ids)]}
        )
        for category, offered in ((laptop, True), (self.env["helpdesk.category"], False)):
            ticket = self.create_ticket(category_id=category.id)
            wizard = (
                self.env["helpdesk.ticket.macro"]
                .with_user(self.user_a)
                .create({"ticket_id": ticket.id, "macro_id": self.ask_logs.id})
            )
            self.assertEqual(macro in wizard.available_macro_ids, offered)
