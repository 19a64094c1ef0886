"""Category intake on every channel: the one check of answers
(helpdesk.category._intake_answer_rows), answers stored as helpdesk.ticket.answer lines,
the backend form's onchange, the email acknowledgement asking for missing answers, the
JSON-2 API's `answers`, search, and who may read and change answers. The web form is in
test_ticket_form.py, the chatbot in helpdesk_itil_livechat."""

import json
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, Form, tagged
from odoo.tools import html2plaintext

from odoo.addons.mail.tests.common import MailCase

from ..tools.intake_reply import answers_from_text
from .common import HelpdeskCommon, HelpdeskFixtures, HelpdeskHttpCommon

LAPTOP_TEMPLATE = "<p>When did it start?</p><p>What did you try?</p>"


class IntakeFixtures(HelpdeskFixtures):
    @classmethod
    def setup_intake_fixtures(cls):
        Category = cls.env["helpdesk.category"]
        cls.cat_laptop = Category.create(
            {
                "name": "Laptop",
                "team_id": cls.team_a.id,
                "description_template": LAPTOP_TEMPLATE,
                "intake_field_ids": [
                    (0, 0, {"name": "asset_tag", "label": "Asset tag", "required": True, "sequence": 1}),
                    (
                        0,
                        0,
                        {
                            "name": "symptom",
                            "label": "Symptom",
                            "field_type": "selection",
                            "selection_options": "Does not start\nSlow\nOther",
                            "required": True,
                            "help": "What you see",
                            "sequence": 2,
                        },
                    ),
                    (0, 0, {"name": "steps", "label": "Steps to reproduce", "field_type": "text", "sequence": 3}),
                ],
            }
        )
        cls.cat_printer = Category.create(
            {
                "name": "Printer",
                "team_id": cls.team_a.id,
                "description_template": "<p>Which printer, which floor?</p>",
                "intake_field_ids": [(0, 0, {"name": "printer_model", "label": "Printer model"})],
            }
        )
        cls.cat_plain = Category.create({"name": "Other", "team_id": cls.team_a.id})
        cls.Ticket = cls.env["helpdesk.ticket"]

    @staticmethod
    def answers_of(ticket):
        return {a.name: a.value for a in ticket.sudo().answer_ids}


@tagged("post_install", "-at_install")
class TestIntakeAnswers(IntakeFixtures, HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_intake_fixtures()

    # ------------------------------------------------------------
    # The one check
    # ------------------------------------------------------------

    def test_answer_rows_for_every_question_in_order(self):
        rows, errors = self.cat_laptop._intake_answer_rows({"asset_tag": " LT-1 ", "symptom": "Slow"})
        self.assertEqual(errors, {})
        self.assertEqual(
            [(r["name"], r["label"], r["required"], r["value"]) for r in rows],
            [
                ("asset_tag", "Asset tag", True, "LT-1"),
                ("symptom", "Symptom", True, "Slow"),
                ("steps", "Steps to reproduce", False, False),
            ],
        )
        # numbers are answers too (an API client sends 42, not "42")
        rows, errors = self.cat_printer._intake_answer_rows({"printer_model": 4250})
        self.assertEqual((errors, rows[0]["value"]), ({}, "4250"))

    def test_bad_answers_are_named(self):
        _rows, errors = self.cat_laptop._intake_answer_rows(
            {"symptom": "Exploded", "colour": "red", "steps": "x" * 20001}
        )
        self.assertEqual(set(errors), {"asset_tag", "symptom", "colour", "steps"})
        self.assertEqual(errors["asset_tag"], "This field is required.")
        self.assertEqual(errors["symptom"], "Choose one of the proposed values.")
        self.assertIn("“colour” is not a question of the category Laptop", errors["colour"])
        self.assertIn("asset_tag, symptom, steps", errors["colour"])
        self.assertEqual(errors["steps"], "Too long (20000 characters at most).")
        _rows, errors = self.cat_laptop._intake_answer_rows({"asset_tag": ["LT-1"], "symptom": "Slow"})
        self.assertEqual(errors, {"asset_tag": "Give the answer as text."})
        # without check_required (chatbot, email) a missing answer is no error
        _rows, errors = self.cat_laptop._intake_answer_rows({}, check_required=False)
        self.assertEqual(errors, {})
        # no category: no questions
        _rows, errors = self.env["helpdesk.category"]._intake_answer_rows({"asset_tag": "x"})
        self.assertIn("“asset_tag” is not a question of the category (none)", errors["asset_tag"])

    # ------------------------------------------------------------
    # Stored on the ticket
    # ------------------------------------------------------------

    def test_create_with_answers_stores_them(self):
        ticket = self.create_ticket(category_id=self.cat_laptop.id, answers={"asset_tag": "LT-7", "symptom": "Slow"})
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-7", "symptom": "Slow", "steps": False})
        self.assertEqual(ticket.answer_ids.mapped("label"), ["Asset tag", "Symptom", "Steps to reproduce"])
        self.assertFalse(ticket._intake_missing_answers())

    def test_create_with_bad_answers_creates_nothing(self):
        before = self.Ticket.search_count([])
        for answers, message in (
            ({"asset_tag": "LT-7"}, "“Symptom” (symptom): This field is required."),
            ({"asset_tag": "LT-7", "symptom": "Exploded"}, "“Symptom” (symptom): Choose one of the proposed values."),
            ({"asset_tag": "LT-7", "symptom": "Slow", "ram": "8"}, "“ram” is not a question of the category Laptop"),
            ("LT-7", "“answers” must map question keys to answers"),
        ):
            with self.subTest(answers=answers), self.assertRaisesRegex(ValidationError, re.escape(message)):
                self.create_ticket(category_id=self.cat_laptop.id, answers=answers)
        self.assertEqual(self.Ticket.search_count([]), before)

    def test_ticket_without_answers_gets_empty_lines_and_category_change_swaps_them(self):
        ticket = self.create_ticket(category_id=self.cat_laptop.id)
        self.assertEqual(self.answers_of(ticket), {"asset_tag": False, "symptom": False, "steps": False})
        self.assertEqual(ticket._intake_missing_answers().mapped("name"), ["asset_tag", "symptom"])
        ticket.answer_ids.filtered(lambda a: a.name == "asset_tag").value = "LT-9"
        ticket.category_id = self.cat_printer
        # the given answer stays (history), the empty ones of the old category go
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-9", "printer_model": False})
        self.assertFalse(ticket._intake_missing_answers(), "the printer's question is optional")
        self.assertFalse(self.create_ticket(category_id=self.cat_plain.id).answer_ids)

    def test_reply_answers_fill_open_tickets_only(self):
        ticket = self.create_ticket(category_id=self.cat_laptop.id)
        ticket._intake_answers_from_reply("<p>Symptom: Slow</p><p>Colour: red</p>")
        self.assertEqual(self.answers_of(ticket), {"asset_tag": False, "symptom": "Slow", "steps": False})
        ticket.write(
            {"stage_id": self.stage_closed.id, "resolution_note": "Fixed", "closure_code_id": self.code_solved.id}
        )
        ticket._intake_answers_from_reply("<p>Asset tag: LT-1</p>")
        self.assertEqual(self.answers_of(ticket), {"asset_tag": False, "symptom": "Slow", "steps": False})

    def test_deleting_a_question_keeps_the_answers(self):
        category = self.cat_printer.copy({"name": "Printer copy"})
        ticket = self.create_ticket(category_id=category.id, answers={"printer_model": "HP 4250"})
        category.intake_field_ids.unlink()
        self.assertEqual(
            ticket.answer_ids.mapped(lambda a: (a.name, a.label, a.value)),
            [("printer_model", "Printer model", "HP 4250")],
        )

    # ------------------------------------------------------------
    # Backend form
    # ------------------------------------------------------------

    def test_form_category_fills_an_empty_description_and_the_questions(self):
        form = Form(self.Ticket.with_user(self.user_a))
        form.name = "Laptop slow"
        form.team_id = self.team_a
        form.category_id = self.cat_laptop
        self.assertEqual(
            html2plaintext(form.description).split(), ["When", "did", "it", "start?", "What", "did", "you", "try?"]
        )
        self.assertEqual([line["name"] for line in form.answer_ids._records], ["asset_tag", "symptom", "steps"])
        # another category while the description is still the template: replaced
        form.category_id = self.cat_printer
        self.assertIn("Which printer, which floor?", form.description)
        self.assertEqual([line["name"] for line in form.answer_ids._records], ["printer_model"])
        with form.answer_ids.edit(0) as line:
            line.value = "Kyocera 2040"
        # a category without template: an untouched template goes, nothing else
        form.category_id = self.cat_plain
        self.assertFalse(html2plaintext(form.description or "").strip())
        self.assertEqual([line["name"] for line in form.answer_ids._records], ["printer_model"], "answered: kept")
        form.category_id = self.cat_printer
        ticket = form.save()
        self.assertEqual(self.answers_of(ticket), {"printer_model": "Kyocera 2040"}, "no duplicate line")

    def test_form_never_overwrites_what_the_agent_typed(self):
        form = Form(self.Ticket.with_user(self.user_a))
        form.name = "Laptop slow"
        form.team_id = self.team_a
        form.description = "<p>It takes 10 minutes to boot.</p>"
        form.category_id = self.cat_laptop
        self.assertIn("10 minutes to boot", form.description)
        self.assertNotIn("When did it start?", form.description)
        with form.answer_ids.edit(0) as line:
            line.value = "LT-3"
        with form.answer_ids.edit(1) as line:
            line.value = "Slow"
        ticket = form.save()
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-3", "symptom": "Slow", "steps": False})
        # an existing ticket: the template was edited, so a new category keeps the text
        form = Form(ticket)
        form.category_id = self.cat_printer
        self.assertIn("10 minutes to boot", form.description)
        ticket = form.save()
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-3", "symptom": "Slow", "printer_model": False})

    # ------------------------------------------------------------
    # Search
    # ------------------------------------------------------------

    def test_search_by_answer_and_missing_answers(self):
        found = self.create_ticket(category_id=self.cat_laptop.id, answers={"asset_tag": "LT-4242", "symptom": "Slow"})
        missing = self.create_ticket(category_id=self.cat_laptop.id)
        Ticket = self.Ticket.with_user(self.user_a)
        self.assertEqual(Ticket.search([("answer_ids.value", "ilike", "lt-4242")]), found)
        search_view = self.env.ref("helpdesk_itil.helpdesk_ticket_view_search")
        self.assertIn("answer_ids.value", search_view.arch)
        self.assertIn("filter_answers_missing", search_view.arch)
        domain = [("answer_ids", "any", [("required", "=", True), ("value", "=", False)])]
        self.assertIn(missing, Ticket.search(domain))
        self.assertNotIn(found, Ticket.search(domain))

    # ------------------------------------------------------------
    # Who sees and changes answers
    # ------------------------------------------------------------

    def test_answers_follow_the_ticket_rules(self):
        ticket = self.create_ticket(category_id=self.cat_laptop.id, answers={"asset_tag": "LT-1", "symptom": "Slow"})
        answers = ticket.answer_ids
        # another team's helpdesk user neither finds nor reads them
        Answer_b = self.env["helpdesk.ticket.answer"].with_user(self.user_b)
        self.assertFalse(Answer_b.search([("id", "in", answers.ids)]))
        with self.assertRaises(AccessError):
            answers.with_user(self.user_b).read(["value"])
        with self.assertRaises(AccessError):
            answers[0].with_user(self.user_b).value = "hijacked"
        self.assertFalse(self.Ticket.with_user(self.user_b).search([("answer_ids.value", "ilike", "LT-1")]))
        # portal users: not through the ORM, not even on their own ticket
        own = self.create_ticket(category_id=self.cat_laptop.id, partner_id=self.portal_user.partner_id.id)
        with self.assertRaises(AccessError):
            own.answer_ids.with_user(self.portal_user).read(["value"])
        with self.assertRaises(AccessError):
            own.with_user(self.portal_user).read(["answer_ids"])
        # the team's user and an agent change them
        answers[0].with_user(self.user_a).value = "LT-2"
        answers[1].with_user(self.agent).value = "Other"
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-2", "symptom": "Other", "steps": False})
        # closed: read-only but for managers
        ticket.write(
            {"stage_id": self.stage_closed.id, "resolution_note": "Fixed", "closure_code_id": self.code_solved.id}
        )
        with self.assertRaisesRegex(UserError, "its intake answers are read-only"):
            answers[0].with_user(self.user_a).value = "LT-3"
        answers[0].with_user(self.manager).value = "LT-3"
        self.assertEqual(answers[0].value, "LT-3")


@tagged("post_install", "-at_install")
class TestIntakeEmail(IntakeFixtures, MailCase):
    """An email cannot answer the form's questions: the acknowledgement asks for the
    required ones the category (set by a triage rule) still misses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.setup_helpdesk_fixtures()
        cls.setup_intake_fixtures()
        cls.team_a.alias_name = "helpdesk-a"
        cls.alias_a = f"helpdesk-a@{cls.alias_domain}"
        cls.env["helpdesk.triage.rule"].create(
            [
                {"name": "Laptops", "sequence": 1, "keywords": "laptop", "category_id": cls.cat_laptop.id},
                {"name": "Printers", "sequence": 2, "keywords": "printer", "category_id": cls.cat_printer.id},
            ]
        )

    def email(self, subject):
        message = EmailMessage()
        message["From"] = "Carla Contact <carla@acme.example.com>"
        message["To"] = self.alias_a
        message["Subject"] = subject
        message["Message-Id"] = make_msgid(domain="acme.example.com")
        message.set_content("Hello,\nsee subject.\nCarla")
        before = self.Ticket.search([], order="id desc", limit=1).id or 0
        self.env["mail.thread"].message_process(None, message.as_bytes())
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertEqual(len(ticket), 1)
        ack = ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(len(ack), 1)
        return ticket, ack

    def test_acknowledgement_asks_for_the_missing_required_answers(self):
        ticket, ack = self.email("My laptop does not start")
        self.assertEqual(ticket.category_id, self.cat_laptop)
        self.assertEqual(self.answers_of(ticket), {"asset_tag": False, "symptom": False, "steps": False})
        text = html2plaintext(ack.body)
        self.assertIn(f"registered it as ticket *{ticket.reference}*", " ".join(text.split()))
        self.assertIn("To handle your request about Laptop we need a few more details.", text)
        self.assertIn("Please reply to this email with the answers to:", text)
        self.assertIn("<strong>Asset tag</strong>", ack.body)
        self.assertIn("<strong>Symptom</strong> — What you see One of: Does not start, Slow, Other.", ack.body)
        self.assertNotIn("Steps to reproduce", text, "optional questions are not asked for")
        # where the template places them: before "To add information"
        self.assertLess(text.index("a few more details"), text.index("To add information"))

    def test_template_edited_before_the_questions_gets_them_after_its_text(self):
        template = self.env.ref("helpdesk_itil.mail_template_ticket_acknowledgement")
        template.body_html = "<div><p>Thanks, we got it.</p></div>"
        _ticket, ack = self.email("My laptop does not start")
        text = html2plaintext(ack.body)
        self.assertIn("Thanks, we got it.", text)
        self.assertEqual(text.count("a few more details"), 1)
        self.assertLess(text.index("Thanks, we got it."), text.index("a few more details"))

    def reply(self, ticket, ack, body):
        message = EmailMessage()
        message["From"] = "Carla Contact <carla@acme.example.com>"
        message["To"] = self.alias_a
        message["Subject"] = f"Re: [{ticket.reference}] {ticket.name}"
        message["Message-Id"] = make_msgid(domain="acme.example.com")
        message["In-Reply-To"] = ack.message_id
        message.set_content(body)
        self.assertEqual(self.env["mail.thread"].message_process(None, message.as_bytes()), ticket.id)

    def test_reply_with_the_answers_fills_them(self):
        ticket, ack = self.email("My laptop does not start")
        self.reply(
            ticket,
            ack,
            "Hello,\n\n* asset TAG: LT-0042\nSymptom: Exploded\nSteps to reproduce = press the button\n\n"
            "> Asset tag: quoted, not an answer\nCarla",
        )
        # a refused choice stays in the email only; an optional question answered is taken too
        self.assertEqual(
            self.answers_of(ticket), {"asset_tag": "LT-0042", "symptom": False, "steps": "press the button"}
        )
        self.assertIn(
            "Intake answers taken from the customer's reply: Asset tag, Steps to reproduce.",
            " ".join(html2plaintext(body) for body in ticket.message_ids.mapped("body")),
        )
        self.reply(ticket, ack, "Asset tag: LT-9999\nSymptom: Slow")
        self.assertEqual(
            self.answers_of(ticket),
            {"asset_tag": "LT-0042", "symptom": "Slow", "steps": "press the button"},
            "an answer already given is never replaced",
        )
        self.assertFalse(ticket._intake_missing_answers())

    def test_no_questions_asked_when_none_is_required(self):
        ticket, ack = self.email("The printer jams")
        self.assertEqual(ticket.category_id, self.cat_printer)
        self.assertEqual(self.answers_of(ticket), {"printer_model": False})
        self.assertNotIn("a few more details", ack.body)
        _ticket, ack = self.email("Hello there")
        self.assertNotIn("a few more details", ack.body)


@tagged("post_install", "-at_install")
class TestIntakeApi(IntakeFixtures, HelpdeskHttpCommon):
    """`answers` on ticket creation through JSON-2, as the README documents it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_intake_fixtures()
        key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.agent)
            ._generate(scope="rpc", name="intake", expiration_date=datetime.now() + timedelta(days=1))
        )
        cls.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def api_create(self, **values):
        payload = {
            "vals_list": [
                {
                    "name": "Laptop does not start",
                    "team_id": self.team_a.id,
                    "partner_id": self.contact.id,
                    "category_id": self.cat_laptop.id,
                    "channel": "api",
                    **values,
                }
            ]
        }
        return self.url_open("/json/2/helpdesk.ticket/create", data=json.dumps(payload), headers=self.headers)

    def test_answers_are_stored_and_read_back(self):
        response = self.api_create(answers={"asset_tag": "LT-0042", "symptom": "Does not start"})
        self.assertEqual(response.status_code, 200, response.text)
        [ticket_id] = response.json()
        ticket = self.Ticket.browse(ticket_id)
        self.assertEqual(self.answers_of(ticket), {"asset_tag": "LT-0042", "symptom": "Does not start", "steps": False})
        # read back as the README shows
        response = self.url_open(
            "/json/2/helpdesk.ticket.answer/search_read",
            data=json.dumps({"domain": [["ticket_id", "=", ticket_id]], "fields": ["name", "label", "value"]}),
            headers=self.headers,
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            [(row["name"], row["value"]) for row in response.json()],
            [("asset_tag", "LT-0042"), ("symptom", "Does not start"), ("steps", False)],
        )

    def test_bad_answers_are_422_and_create_nothing(self):
        before = self.Ticket.search_count([])
        for answers, message in (
            ({"asset_tag": "LT-1"}, "“Symptom” (symptom): This field is required."),
            ({"asset_tag": "LT-1", "symptom": "Broken"}, "“Symptom” (symptom): Choose one of the proposed values."),
            ({"asset_tag": "LT-1", "symptom": "Slow", "ram": 8}, "“ram” is not a question of the category Laptop"),
            (["LT-1"], "“answers” must map question keys to answers"),
        ):
            with self.subTest(answers=answers):
                response = self.api_create(answers=answers)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertIn(message, response.json()["message"])
        self.assertEqual(self.Ticket.search_count([]), before)


class TestIntakeReplyParsing(BaseCase):
    QUESTIONS = {"asset_tag": ("Asset tag", "Etiqueta del equipo"), "symptom": ("Symptom",)}

    def test_lines_answer_questions_by_text_or_key(self):
        text = "Hi,\n- Etiqueta del equipo: LT-1\n*Symptom*: Slow, very: slow\nasset_tag: LT-2\nColour: red"
        self.assertEqual(answers_from_text(text, self.QUESTIONS), {"asset_tag": "LT-1", "symptom": "Slow, very: slow"})

    def test_quoted_and_empty_lines_answer_nothing(self):
        for text in ("> Asset tag: LT-1", "Asset tag:", "Asset tag:   ", "", None, "Asset tag LT-1"):
            with self.subTest(text=text):
                self.assertEqual(answers_from_text(text, self.QUESTIONS), {})
