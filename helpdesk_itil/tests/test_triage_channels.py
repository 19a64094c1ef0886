"""Triage on each channel through the real entry points: the mail gateway (alias, urgency
headers, urgent keywords), the portal and public web forms (how urgent, who is affected),
the JSON-2 API; and the customer's priority cap."""

import json
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MailCase

from .test_triage_rules import TriageCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class TestTriageEmail(TriageCommon, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()
        cls.setup_triage_fixtures()
        cls.team_a.alias_name = "helpdesk-a"
        cls.team_b.alias_name = "helpdesk-b"
        cls.alias_a = f"helpdesk-a@{cls.alias_domain}"
        cls.alias_b = f"helpdesk-b@{cls.alias_domain}"
        cls.Ticket = cls.env["helpdesk.ticket"]

    def email(self, subject, body="Hello,\nsee subject.\nCarla", to=None, headers=None):
        message = EmailMessage()
        message["From"] = "Carla Contact <carla@acme.example.com>"
        message["To"] = to or self.alias_a
        message["Subject"] = subject
        message["Message-Id"] = make_msgid(domain="acme.example.com")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        before = self.Ticket.search([], order="id desc", limit=1).id or 0
        self.env["mail.thread"].message_process(None, message.as_bytes())
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertEqual(len(ticket), 1)
        return ticket

    def test_rule_fires_on_an_email_and_notes_it(self):
        ticket = self.email("The printer on floor 2 is offline")
        self.assertEqual((ticket.channel, ticket.triage_rule_id), ("email", self.printer_rule))
        self.assertEqual((ticket.category_id, ticket.type_id), (self.cat_printer, self.type_incident))
        self.assertIn("Categorised by rule “Printers”", " ".join(ticket.message_ids.mapped("body")))

    def test_alias_condition(self):
        rule = self.Rule.create(
            {"name": "Via B", "sequence": 1, "alias_id": self.team_b.alias_id.id, "tag_ids": [(4, self.tag_vip.id)]}
        )
        self.assertEqual(self.email("Laptop slow", to=self.alias_b).triage_rule_id, rule)
        self.assertNotEqual(self.email("Laptop slow", to=self.alias_a).triage_rule_id, rule)
        # Not an email: an alias rule never matches.
        self.assertFalse(self.Ticket.create({"name": "Laptop", "team_id": self.team_b.id}).triage_rule_id)

    def test_urgency_headers(self):
        for headers in (
            {"Importance": "High"},
            {"X-Priority": "1 (Highest)"},
            {"X-Priority": "2"},
            {"Priority": "urgent"},
        ):
            ticket = self.email("Laptop slow", headers=headers)
            self.assertEqual(ticket.urgency, "high", headers)
            self.assertIn("the sender flagged the email as urgent", " ".join(ticket.message_ids.mapped("body")))
        for headers in ({}, {"Importance": "low"}, {"X-Priority": "3"}, {"X-Priority": "5"}, {"Priority": "normal"}):
            self.assertEqual(self.email("Laptop slow", headers=headers).urgency, "medium", headers)

    def test_header_urgency_beats_a_rule_and_the_cap_applies(self):
        self.printer_rule.urgency = "low"
        ticket = self.email("Printer jammed", headers={"Importance": "high"})
        self.assertEqual((ticket.triage_rule_id, ticket.urgency), (self.printer_rule, "high"), "the sender's word kept")

    def test_urgent_keywords_company_and_team(self):
        ticket = self.email("El servidor está CAIDO", body="No funciona nada.")
        self.assertEqual(ticket.urgency, "high")
        self.assertIn("Urgency High: the customer wrote “caido”.", " ".join(ticket.message_ids.mapped("body")))
        self.assertEqual(self.email("Downloads are slow").urgency, "medium", "whole words only")
        self.team_a.urgent_keywords = "blocker, stop ship"
        self.assertEqual(self.email("Server is down").urgency, "medium", "the team's list replaces the company's")
        self.assertEqual(self.email("Stop ship: labels wrong").urgency, "high")
        self.company.helpdesk_urgent_keywords = "meltdown"
        self.team_a.urgent_keywords = False
        self.assertEqual(self.email("Total meltdown").urgency, "high")

    def test_a_rule_urgency_comes_before_keywords(self):
        self.printer_rule.urgency = "low"
        ticket = self.email("URGENT printer toner")
        self.assertEqual(ticket.urgency, "low", "the desk's rule decides; keywords fill what is left")

    def test_customer_email_reaches_p2_at_most(self):
        # An email cannot state impact (medium): a company matrix where medium × high is P1.
        self.env["helpdesk.priority.matrix"].create(
            {"company_id": self.company.id, "impact": "medium", "urgency": "high", "priority": "1"}
        )
        ticket = self.email("URGENT: invoices")
        self.assertEqual((ticket.urgency, ticket.priority, ticket.priority_from_customer), ("high", "2", True))
        self.team_a.customer_may_reach_p1 = True
        self.assertEqual(self.email("URGENT: invoices").priority, "1")


@tagged("post_install", "-at_install")
class TestTriageForms(TriageCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()
        cls.team_a.public_form = True
        cls.public_url = cls.team_a._get_public_form_path()
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.portal_carla = new_test_user(
            cls.env, login="portal_carla", groups="base.group_portal", partner_id=cls.contact.id, name="Carla Contact"
        )

    def last_ticket_id(self):
        return self.Ticket.search([], order="id desc", limit=1).id or 0

    def post(self, url, **data):
        page = self.url_open(f"{url}?category_id=0")
        self.assertEqual(page.status_code, 200)
        data["csrf_token"] = CSRF_RE.search(page.text).group(1)
        before = self.last_ticket_id()
        response = self.url_open(url, data={"category_id": 0, **data})
        return response, self.Ticket.search([("id", ">", before)])

    def test_public_form_asks_urgency_and_people_affected(self):
        page = self.url_open(f"{self.public_url}?category_id=0").text
        self.assertIn('name="urgency"', page)
        self.assertIn('name="affected"', page)
        response, ticket = self.post(
            self.public_url,
            partner_name="Visitor",
            email="visitor@example.org",
            name="Printer does not print",
            description="Nothing comes out.",
            urgency="high",
            affected="site",
        )
        self.assertEqual(response.status_code, 200)
        self.assertRecordValues(
            ticket,
            [
                {
                    "channel": "web_form",
                    "category_id": self.cat_printer.id,
                    "triage_rule_id": self.printer_rule.id,
                    "impact": "high",
                    "urgency": "high",
                    "priority": "2",
                    "priority_from_customer": True,
                }
            ],
        )
        for affected, impact in (("me", "low"), ("team", "medium")):
            _response, ticket = self.post(
                self.public_url, email="v@example.org", name="Laptop", description="x", urgency="low", affected=affected
            )
            self.assertEqual((ticket.impact, ticket.urgency), (impact, "low"))

    def test_bad_answers_are_refused_and_nothing_is_created(self):
        response, ticket = self.post(
            self.public_url,
            email="v@example.org",
            name="Laptop",
            description="x",
            urgency="yesterday",
            affected="galaxy",
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(ticket)
        self.assertEqual(response.text.count("Choose one of the proposed answers."), 2)

    def test_team_that_does_not_let_customers_state_impact(self):
        self.team_a.customer_may_state_impact = False
        page = self.url_open(f"{self.public_url}?category_id=0").text
        self.assertIn('name="urgency"', page)
        self.assertNotIn('name="affected"', page)
        _response, ticket = self.post(
            self.public_url, email="v@example.org", name="Laptop", description="x", urgency="high", affected="site"
        )
        self.assertEqual((ticket.impact, ticket.urgency, ticket.priority), ("medium", "high", "2"))

    def test_portal_form(self):
        self.authenticate("portal_carla", "portal_carla")
        self.assertIn('name="affected"', self.url_open("/my/tickets/new?category_id=0").text)
        _response, ticket = self.post(
            "/my/tickets/new", name="Printer jammed", description="Tray 2.", urgency="medium", affected="me"
        )
        self.assertRecordValues(
            ticket,
            [
                {
                    "channel": "portal",
                    "partner_id": self.contact.id,
                    "triage_rule_id": self.printer_rule.id,
                    "category_id": self.cat_printer.id,
                    "impact": "low",
                    "urgency": "medium",
                    "priority": "4",
                }
            ],
        )
        # "Not sure": left to the rules and the urgent keywords.
        _response, ticket = self.post("/my/tickets/new", name="Everything is down", description="Help.")
        self.assertEqual((ticket.impact, ticket.urgency), ("medium", "high"))

    def test_api(self):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.agent)
            ._generate(scope="rpc", name="triage", expiration_date=datetime.now() + timedelta(days=1))
        )
        response = self.url_open(
            "/json/2/helpdesk.ticket/create",
            data=json.dumps(
                {"vals_list": [{"name": "URGENT printer jam", "channel": "api", "impact": "high", "urgency": "high"}]}
            ),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.Ticket.browse(response.json())
        self.assertEqual((ticket.triage_rule_id, ticket.category_id), (self.printer_rule, self.cat_printer))
        self.assertEqual((ticket.priority, ticket.priority_from_customer), ("1", False), "an integration is not capped")


class TestCustomerPriorityCap(TriageCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()

    def new_ticket(self, **values):
        values = {"name": "Laptop broken", "team_id": self.team_a.id, "impact": "high", "urgency": "high", **values}
        values = {fname: value for fname, value in values.items() if value is not None}
        return self.env["helpdesk.ticket"].create(values)

    def test_customer_alone_reaches_p2_unless_the_team_allows_p1(self):
        for channel in ("email", "portal", "web_form", "chat"):
            ticket = self.new_ticket(channel=channel)
            self.assertEqual(
                (ticket.priority, ticket.priority_from_customer, ticket.priority_overridden),
                ("2", True, False),
                channel,
            )
        for channel in ("api", "internal", "phone", "alert"):
            self.assertEqual(self.new_ticket(channel=channel).priority, "1", channel)
        self.team_a.customer_may_reach_p1 = True
        self.assertEqual(self.new_ticket(channel="portal").priority, "1")

    def test_tier_boost_applies_after_the_cap(self):
        self.customer.helpdesk_tier = "gold"
        ticket = self.new_ticket(channel="portal", partner_id=self.contact.id)
        self.assertEqual(ticket.priority, "1", "P1 capped to P2, then raised one level by the gold tier")
        ticket = self.new_ticket(channel="portal", partner_id=self.contact.id, impact="medium", urgency="medium")
        self.assertEqual(ticket.priority, "2")

    def test_a_rule_or_an_agent_may_set_p1(self):
        self.printer_rule.write({"impact": "high", "urgency": "high"})
        ticket = self.new_ticket(channel="email", name="Printer on fire", impact=None, urgency=None)
        self.assertEqual((ticket.priority, ticket.priority_from_customer), ("1", False))
        ticket = self.new_ticket(channel="portal")
        self.assertEqual(ticket.priority, "2")
        ticket.with_user(self.user_a).write({"urgency": "high"})
        self.assertEqual((ticket.priority, ticket.priority_from_customer), ("1", False), "the agent assessed it")
        ticket = self.new_ticket(channel="portal")
        ticket.with_user(self.user_a).priority = "1"
        self.assertTrue(ticket.priority_overridden)
        self.assertEqual(ticket.priority, "1")

    def test_a_team_change_follows_the_new_teams_setting(self):
        self.team_b.customer_may_reach_p1 = True
        ticket = self.new_ticket(channel="portal")
        self.assertEqual(ticket.priority, "2")
        ticket.team_id = self.team_b
        self.assertEqual(ticket.priority, "1")
