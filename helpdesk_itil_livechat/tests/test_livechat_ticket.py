from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import html2plaintext

from odoo.addons.bus.tests.common import BusCase


@tagged("post_install", "-at_install")
class TestLivechatTicket(BusCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(
            cls.env,
            login="hd_chat_operator",
            name="Olga Operator",
            groups="base.group_user,im_livechat.im_livechat_group_user,helpdesk_itil.group_helpdesk_user",
        )
        cls.team = cls.env["helpdesk.team"].create(
            {"name": "Service Desk", "member_ids": [Command.link(cls.operator.id)]}
        )
        cls.category = cls.env["helpdesk.category"].create({"name": "Printers"})
        cls.portal_user = new_test_user(
            cls.env,
            login="hd_chat_portal",
            name="Paula Portal",
            email="paula@customer.example.com",
            groups="base.group_portal",
        )
        cls.script = cls.env["chatbot.script"].create({"title": "Service Desk Bot"})
        steps = cls.env["chatbot.script.step"].create(
            [
                {"chatbot_script_id": cls.script.id, "step_type": "text", "message": "Hello, I log tickets."},
                {
                    "chatbot_script_id": cls.script.id,
                    "step_type": "free_input_single",
                    "message": "What is the problem?",
                },
                {"chatbot_script_id": cls.script.id, "step_type": "question_email", "message": "Your email?"},
                {"chatbot_script_id": cls.script.id, "step_type": "question_phone", "message": "Your phone?"},
                {
                    "chatbot_script_id": cls.script.id,
                    "step_type": "create_ticket",
                    "message": "Your ticket is logged.",
                    "helpdesk_team_id": cls.team.id,
                    "helpdesk_category_id": cls.category.id,
                },
            ]
        )
        cls.step_problem, cls.step_email, cls.step_phone, cls.step_ticket = steps[1:]
        cls.bot_channel = cls.env["im_livechat.channel"].create(
            {"name": "Bot channel", "rule_ids": [Command.create({"chatbot_script_id": cls.script.id})]}
        )
        cls.operator_channel = cls.env["im_livechat.channel"].create(
            {"name": "Support", "user_ids": [Command.link(cls.operator.id)], "helpdesk_team_id": cls.team.id}
        )

    def chat_tickets(self):
        return self.env["helpdesk.ticket"].search([("channel", "=", "chat")])

    def post_and_trigger(self, channel, body, email=False):
        self.make_jsonrpc_request(
            "/mail/message/post",
            {"thread_model": "discuss.channel", "thread_id": channel.id, "post_data": {"body": body}},
        )
        if email:
            self.make_jsonrpc_request("/chatbot/step/validate_email", {"channel_id": channel.id})
        self.make_jsonrpc_request("/chatbot/step/trigger", {"channel_id": channel.id})

    def play_bot(self, email="visitor@example.com", phone="+34 611 222 333"):
        data = self.make_jsonrpc_request(
            "/im_livechat/get_session", {"channel_id": self.bot_channel.id, "chatbot_script_id": self.script.id}
        )
        channel = self.env["discuss.channel"].sudo().browse(data["channel_id"])
        self.assertEqual(channel.chatbot_current_step_id, self.step_problem)
        self.post_and_trigger(channel, "The printer on floor 2 prints blank pages")
        self.assertEqual(channel.chatbot_current_step_id, self.step_email)
        self.post_and_trigger(channel, email, email=True)
        self.assertEqual(channel.chatbot_current_step_id, self.step_phone)
        self.post_and_trigger(channel, phone)
        self.assertEqual(channel.chatbot_current_step_id, self.step_ticket)
        return channel

    def contacts_with(self, email):
        return self.env["res.partner"].with_context(active_test=False).search([("email_normalized", "=", email)])

    def test_chatbot_step_files_a_ticket_for_a_public_visitor(self):
        """An anonymous visitor who gives an email follows the one rule for anonymous
        senders (email, web form, chatbot): match a contact by normalised email, else create
        one if the ticket's team creates contacts, else keep name and email on the ticket.
        This team creates contacts (the default), so the unknown address becomes a contact.
        (Until the rule was shared, the chatbot never matched nor created a contact.)"""
        channel = self.play_bot()
        ticket = self.chat_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.name, "The printer on floor 2 prints blank pages")
        self.assertEqual(ticket.channel, "chat")
        self.assertEqual((ticket.team_id, ticket.category_id), (self.team, self.category))
        self.assertEqual(ticket.origin_channel_id, channel)
        self.assertEqual(ticket.partner_id, self.contacts_with("visitor@example.com"))
        self.assertEqual(ticket.partner_id.email, "visitor@example.com")
        self.assertEqual(ticket.partner_email, "visitor@example.com")
        self.assertIn("visitor@example.com", html2plaintext(ticket.description))
        self.assertIn("+34 611 222 333", html2plaintext(ticket.description))
        transcript = ticket.message_ids.filtered(lambda m: "Live chat transcript" in (m.body or ""))
        self.assertEqual(len(transcript), 1)
        self.assertEqual(transcript.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(transcript.author_id, self.script.operator_partner_id)
        text = html2plaintext(transcript.body)
        for line in ("What is the problem?", "The printer on floor 2 prints blank pages", "visitor@example.com"):
            self.assertIn(line, text)
        self.assertIn("Your ticket is logged.", html2plaintext(channel.message_ids[0].body))

    def test_chatbot_visitor_with_a_known_email_is_that_contact(self):
        carla = self.env["res.partner"].create({"name": "Carla Known", "email": "carla.known@example.com"})
        self.play_bot(email="Carla.Known@Example.com")
        ticket = self.chat_tickets()
        self.assertEqual(ticket.partner_id, carla)
        self.assertEqual(self.contacts_with("carla.known@example.com"), carla, "no second contact")
        self.assertIn(carla, ticket.message_partner_ids)

    def test_chatbot_visitor_kept_on_the_ticket_when_the_team_creates_no_contacts(self):
        # The step names no team: the ticket goes to the category's team, whose setting decides.
        quiet_team = self.env["helpdesk.team"].create({"name": "Quiet desk", "email_create_partner": False})
        self.category.team_id = quiet_team
        self.step_ticket.helpdesk_team_id = False
        self.play_bot(email="walk.in@example.net")
        ticket = self.chat_tickets()
        self.assertEqual(ticket.team_id, quiet_team)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(
            (ticket.partner_name, ticket.partner_email, ticket.partner_phone),
            ("walk.in@example.net", "walk.in@example.net", "+34 611 222 333"),
        )
        self.assertFalse(self.contacts_with("walk.in@example.net"))

    def test_chatbot_step_without_team_or_category_follows_the_default_team(self):
        # Neither the step nor its category names a team: the company's default team decides.
        quiet_team = self.env["helpdesk.team"].create(
            {"name": "Quiet desk", "sequence": 1, "email_create_partner": False}
        )
        self.step_ticket.write({"helpdesk_team_id": False, "helpdesk_category_id": False})
        self.play_bot(email="walk.in@example.net")
        ticket = self.chat_tickets()
        self.assertEqual(ticket.team_id, quiet_team)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_email, "walk.in@example.net")
        self.assertFalse(self.contacts_with("walk.in@example.net"))

    def test_chatbot_step_uses_the_logged_in_customer(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.play_bot()
        ticket = self.chat_tickets()
        self.assertEqual(ticket.partner_id, self.portal_user.partner_id)
        self.assertEqual(ticket.partner_email, "paula@customer.example.com")
        self.assertIn(self.portal_user.partner_id, ticket.message_partner_ids)

    def test_chatbot_ticket_shows_the_customers_open_ticket_as_a_possible_duplicate(self):
        """Live chat is a channel like the others: the customer's open ticket about the same
        problem (here sent by email) is a possible duplicate of the chat's ticket."""
        emailed = self.env["helpdesk.ticket"].create(
            {
                "name": "Re: The printer on floor 2 prints blank pages",
                "partner_id": self.portal_user.partner_id.id,
                "team_id": self.team.id,
                "channel": "email",
            }
        )
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.play_bot()
        ticket = self.chat_tickets()
        self.assertEqual(ticket.duplicate_pair_ids.original_id, emailed)
        self.assertEqual((ticket.duplicate_pair_ids.similarity, ticket.duplicate_pair_ids.match), (1.0, "subject"))

    def start_operator_chat(self, guest_name=None):
        """A visitor starts a conversation with the operator, who answers first.

        Without `guest_name` the visitor is whoever the test session is (an anonymous
        "Visitor" guest by default); with it, a guest of that name.
        """
        self.env["mail.presence"]._update_presence(self.operator)
        cookies = {}
        if guest_name:
            guest = self.env["mail.guest"].create({"name": guest_name})
            cookies = {guest._cookie_name: guest._format_auth_cookie()}
        data = self.make_jsonrpc_request(
            "/im_livechat/get_session", {"channel_id": self.operator_channel.id, "persisted": True}, cookies=cookies
        )
        channel = self.env["discuss.channel"].browse(data["channel_id"])
        self.assertEqual(channel.livechat_operator_id, self.operator.partner_id)
        channel.with_user(self.operator).message_post(body="Hello, what can I do for you?", message_type="comment")
        return channel

    def test_ticket_command_creates_a_ticket_with_the_transcript(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        channel = self.start_operator_chat()
        channel.with_user(self.operator).execute_command_ticket(body="/ticket Laptop screen flickers")
        ticket = self.chat_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.name, "Laptop screen flickers")
        self.assertEqual(ticket.partner_id, self.portal_user.partner_id)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.origin_channel_id, channel)
        self.assertIn(self.operator.partner_id, ticket.message_partner_ids)
        transcript = ticket.message_ids.filtered(lambda m: "Live chat transcript" in (m.body or ""))
        self.assertEqual(transcript.author_id, self.operator.partner_id)
        self.assertIn("Hello, what can I do for you?", html2plaintext(transcript.body))
        # The operator, a helpdesk user of the team, works the ticket.
        self.assertEqual(ticket.with_user(self.operator).name, "Laptop screen flickers")

    def test_ticket_command_for_an_anonymous_visitor(self):
        channel = self.start_operator_chat()
        channel.with_user(self.operator).execute_command_ticket(body="/ticket  Cannot log in ")
        ticket = self.chat_tickets()
        self.assertEqual(ticket.name, "Cannot log in")
        self.assertFalse(ticket.partner_id)
        self.assertTrue(ticket.partner_name, "the guest's name is kept")

    def test_ticket_command_without_subject_or_rights_creates_nothing(self):
        channel = self.start_operator_chat()
        channel.with_user(self.operator).execute_command_ticket(body="/ticket")
        channel.with_user(self.operator).execute_command_ticket(body="/ticket   ")
        plain_operator = new_test_user(
            self.env, login="hd_chat_plain", groups="base.group_user,im_livechat.im_livechat_group_user"
        )
        channel.sudo()._add_members(users=plain_operator)
        channel.with_user(plain_operator).execute_command_ticket(body="/ticket Something")
        self.assertFalse(self.chat_tickets())
        # Outside live chat, the command does nothing either.
        group = (
            self.env["discuss.channel"].with_user(self.operator)._create_group(partners_to=self.operator.partner_id.ids)
        )
        group.execute_command_ticket(body="/ticket Something")
        self.assertFalse(self.chat_tickets())

    def test_ticket_command_from_the_discuss_composer(self):
        # The tour finds the conversation by this name (composer placeholder, header).
        channel = self.start_operator_chat(guest_name="Tour Visitor Ticket Command")
        # The browser's first bus poll returns every notification of the last 50 seconds,
        # among them the ones sent while the conversation was created, when the operator
        # was not yet a pinned member. Replayed after Discuss has loaded, that stale state
        # unpins the open conversation and Discuss switches to #general. Drop them, as
        # im_livechat's own tours do: the browser loads the current state anyway.
        self._reset_bus()
        self.start_tour(
            f"/odoo/discuss?active_id=discuss.channel_{channel.id}",
            "helpdesk_itil_livechat.ticket_command",
            login=self.operator.login,
        )
        ticket = self.chat_tickets()
        self.assertEqual(ticket.name, "Printer on floor 2 is jammed")
        self.assertEqual(ticket.origin_channel_id, channel)
        self.assertEqual(ticket.partner_name, "Tour Visitor Ticket Command")

    def test_chatbot_ticket_step_is_rate_limited_per_address(self):
        """The public entry points' limit (5 per address in 10 minutes, 20 a day): beyond
        it the bot says so and files nothing."""
        scopes = []

        def consume(limit, scope):
            scopes.append(scope)
            return 540

        self.patch(self.registry["helpdesk.rate.limit"], "_consume_request", consume)
        channel = self.play_bot()
        self.assertEqual(scopes, ["chatbot"])
        self.assertFalse(self.chat_tickets())
        last = html2plaintext(channel.message_ids[0].body)
        self.assertIn("Too many requests from your network", last)
        self.assertIn("try again in 9 minutes", last)
        self.assertNotIn("Your ticket is logged.", last)

    # ------------------------------------------------------------
    # Intake questions
    # ------------------------------------------------------------

    def laptop_category(self):
        return self.env["helpdesk.category"].create(
            {
                "name": "Laptop",
                "intake_field_ids": [
                    Command.create({"name": "asset_tag", "label": "Asset tag", "required": True}),
                    Command.create(
                        {
                            "name": "symptom",
                            "label": "Symptom",
                            "field_type": "selection",
                            "selection_options": "Does not start\nSlow",
                            "required": True,
                        }
                    ),
                    Command.create(
                        {
                            "name": "steps",
                            "label": "Steps to reproduce",
                            "field_type": "text",
                            "help": "What you did, one step a line",
                        }
                    ),
                ],
            }
        )

    def intake_bot(self):
        """A bot that asks the Laptop category's questions: each question step carries the
        key of the intake question it answers."""
        category = self.laptop_category()
        script = self.env["chatbot.script"].create({"title": "Laptop Bot"})
        Step = self.env["chatbot.script.step"]
        steps = Step.create(
            [
                {"chatbot_script_id": script.id, "step_type": "free_input_single", "message": "What is wrong?"},
                {
                    "chatbot_script_id": script.id,
                    "step_type": "free_input_single",
                    "message": "The asset tag under the laptop?",
                    "helpdesk_answer_key": "asset_tag",
                },
                {
                    "chatbot_script_id": script.id,
                    "step_type": "question_selection",
                    "message": "What do you see?",
                    "helpdesk_answer_key": "symptom",
                    "answer_ids": [
                        Command.create({"name": "Does not start"}),
                        Command.create({"name": "It smokes"}),
                    ],
                },
                {
                    "chatbot_script_id": script.id,
                    "step_type": "free_input_single",
                    "message": "Your favourite colour?",
                    "helpdesk_answer_key": "colour",
                },
                {"chatbot_script_id": script.id, "step_type": "question_email", "message": "Your email?"},
                {
                    "chatbot_script_id": script.id,
                    "step_type": "create_ticket",
                    "message": "Your ticket is logged.",
                    "helpdesk_team_id": self.team.id,
                    "helpdesk_category_id": category.id,
                },
            ]
        )
        livechat = self.env["im_livechat.channel"].create(
            {"name": "Laptop channel", "rule_ids": [Command.create({"chatbot_script_id": script.id})]}
        )
        return script, steps, livechat

    def play_intake_bot(self, symptom):
        script, steps, livechat = self.intake_bot()
        data = self.make_jsonrpc_request(
            "/im_livechat/get_session", {"channel_id": livechat.id, "chatbot_script_id": script.id}
        )
        channel = self.env["discuss.channel"].sudo().browse(data["channel_id"])
        self.post_and_trigger(channel, "My laptop is dead")
        self.post_and_trigger(channel, "LT-0042")
        self.assertEqual(channel.chatbot_current_step_id, steps[2])
        answer = steps[2].answer_ids.filtered(lambda a: a.name == symptom)
        posted = self.make_jsonrpc_request(
            "/mail/message/post",
            {"thread_model": "discuss.channel", "thread_id": channel.id, "post_data": {"body": symptom}},
        )
        self.make_jsonrpc_request(
            "/chatbot/answer/save",
            {"channel_id": channel.id, "message_id": posted["message_id"], "selected_answer_id": answer.id},
        )
        self.make_jsonrpc_request("/chatbot/step/trigger", {"channel_id": channel.id})
        self.post_and_trigger(channel, "Blue")
        self.post_and_trigger(channel, "visitor@example.com", email=True)
        self.assertEqual(channel.chatbot_current_step_id, steps[5])
        ticket = self.chat_tickets()
        self.assertEqual(len(ticket), 1)
        return ticket

    def test_chatbot_answers_become_the_tickets_intake_answers(self):
        ticket = self.play_intake_bot("Does not start")
        self.assertEqual(
            [(a.name, a.value) for a in ticket.answer_ids],
            [("asset_tag", "LT-0042"), ("symptom", "Does not start"), ("steps", False)],
            "one line per question; the step keyed 'colour' is no question of the category",
        )
        self.assertEqual(ticket.name, "My laptop is dead")
        self.assertFalse(ticket._intake_missing_answers())

    def test_chatbot_answer_the_category_refuses_stays_in_the_transcript(self):
        ticket = self.play_intake_bot("It smokes")
        self.assertEqual(
            [(a.name, a.value) for a in ticket.answer_ids],
            [("asset_tag", "LT-0042"), ("symptom", False), ("steps", False)],
        )
        self.assertEqual(ticket._intake_missing_answers().mapped("name"), ["symptom"])
        transcript = ticket.message_ids.filtered(lambda m: "Live chat transcript" in (m.body or ""))
        self.assertIn("It smokes", html2plaintext(transcript.body))

    def test_ask_the_helpdesk_questions_adds_a_step_per_question(self):
        category = self.laptop_category()
        script = self.env["chatbot.script"].create({"title": "Laptop Bot"})
        self.env["chatbot.script.step"].create(
            [
                {"chatbot_script_id": script.id, "step_type": "free_input_single", "message": "What is wrong?"},
                {
                    "chatbot_script_id": script.id,
                    "step_type": "free_input_single",
                    "message": "Asset tag?",
                    "helpdesk_answer_key": "asset_tag",
                },
                {"chatbot_script_id": script.id, "step_type": "question_email", "message": "Your email?"},
                {
                    "chatbot_script_id": script.id,
                    "step_type": "create_ticket",
                    "message": "Logged.",
                    "helpdesk_team_id": self.team.id,
                    "helpdesk_category_id": category.id,
                },
            ]
        )
        action = script.action_add_helpdesk_intake_steps()
        self.assertEqual(action["params"]["message"], "2 question steps added.")
        steps = script.script_step_ids.sorted("sequence")
        self.assertEqual(
            [(s.step_type, s.helpdesk_answer_key) for s in steps],
            [
                ("free_input_single", False),
                ("free_input_single", "asset_tag"),
                ("question_email", False),
                ("question_selection", "symptom"),
                ("free_input_multi", "steps"),
                ("create_ticket", False),
            ],
            "the question already asked is not asked twice; the new ones come just before the ticket",
        )
        self.assertEqual(steps[3].answer_ids.mapped("name"), ["Does not start", "Slow"])
        self.assertEqual(html2plaintext(steps[4].message).split("\n")[0], "Steps to reproduce")
        self.assertIn("What you did, one step a line", html2plaintext(steps[4].message))
        # once is enough
        action = script.action_add_helpdesk_intake_steps()
        self.assertEqual(action["params"]["message"], "The bot already asks every question of the categories.")
        self.assertEqual(len(script.script_step_ids), 6)
        # the visitor's answers reach the ticket
        livechat = self.env["im_livechat.channel"].create(
            {"name": "Laptop channel", "rule_ids": [Command.create({"chatbot_script_id": script.id})]}
        )
        data = self.make_jsonrpc_request(
            "/im_livechat/get_session", {"channel_id": livechat.id, "chatbot_script_id": script.id}
        )
        channel = self.env["discuss.channel"].sudo().browse(data["channel_id"])
        self.post_and_trigger(channel, "My laptop is dead")
        self.post_and_trigger(channel, "LT-0042")
        self.post_and_trigger(channel, "visitor@example.com", email=True)
        self.assertEqual(channel.chatbot_current_step_id, steps[3])
        posted = self.make_jsonrpc_request(
            "/mail/message/post",
            {"thread_model": "discuss.channel", "thread_id": channel.id, "post_data": {"body": "Slow"}},
        )
        self.make_jsonrpc_request(
            "/chatbot/answer/save",
            {
                "channel_id": channel.id,
                "message_id": posted["message_id"],
                "selected_answer_id": steps[3].answer_ids[1].id,
            },
        )
        self.make_jsonrpc_request("/chatbot/step/trigger", {"channel_id": channel.id})
        self.post_and_trigger(channel, "Press power")
        ticket = self.chat_tickets()
        self.assertEqual(
            [(a.name, a.value) for a in ticket.answer_ids],
            [("asset_tag", "LT-0042"), ("symptom", "Slow"), ("steps", "Press power")],
        )

    def test_ask_the_helpdesk_questions_needs_a_ticket_step_with_a_category(self):
        script = self.env["chatbot.script"].create({"title": "Plain Bot"})
        self.env["chatbot.script.step"].create(
            {"chatbot_script_id": script.id, "step_type": "create_ticket", "message": "Logged."}
        )
        with self.assertRaisesRegex(UserError, "with a helpdesk category first"):
            script.action_add_helpdesk_intake_steps()
        self.assertEqual(len(script.script_step_ids), 1)
