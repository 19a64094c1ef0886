"""Abuse of the public entry points: rate limits per client address, honeypot, captcha."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import HttpCase, freeze_time, get_db_name, tagged
from odoo.tools import config

from .alert_common import HelpdeskAlertHttpCommon, am_alert, am_payload
from .common import CommittedData, HelpdeskCommon, HelpdeskHttpCommon
from .test_ticket_form import CSRF_RE

T0 = datetime(2026, 11, 25, 9, 0, 0)


@tagged("post_install", "-at_install")
class TestRateLimit(HelpdeskCommon):
    """helpdesk.rate.limit on its own: windows, days, refusals that write nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Limit = cls.env["helpdesk.rate.limit"]

    def consume(self, address="203.0.113.7", scope="web_form"):
        with self.enter_registry_test_mode():
            return self.Limit._consume(scope, address)

    def row(self, address="203.0.113.7", scope="web_form"):
        return self.Limit.search([("scope", "=", scope), ("remote_addr", "=", address)])

    def test_five_per_ten_minutes_and_twenty_a_day_per_address(self):
        with freeze_time(T0):
            self.assertEqual([self.consume() for _i in range(5)], [0] * 5)
            self.assertEqual(self.consume(), 600, "the oldest of the five leaves the window in 10 minutes")
            self.assertEqual(self.consume("198.51.100.9"), 0, "another address is served")
            self.assertEqual(self.consume(scope="chatbot"), 0, "each entry point has its own count")
        for window in (1, 2, 3):
            with freeze_time(T0 + timedelta(minutes=11 * window)):
                self.assertEqual([self.consume() for _i in range(5)], [0] * 5, f"window {window}")
        with freeze_time(T0 + timedelta(minutes=44)):
            wait = self.consume()
        self.assertEqual(wait, int((timedelta(days=1) - timedelta(minutes=44)).total_seconds()), "20 a day")
        self.assertEqual(self.row().hit_count, 20)
        with freeze_time(T0 + timedelta(days=1, seconds=1)):
            self.assertEqual(self.consume(), 0, "a day later the first request has left the day")

    def test_endpoint_refusals_thirty_per_ten_minutes(self):
        with freeze_time(T0):
            self.assertEqual({self.consume(scope="endpoint") for _i in range(30)}, {0})
            self.assertEqual(self.consume(scope="endpoint"), 600)

    def test_refusals_write_nothing_and_are_counted(self):
        with freeze_time(T0):
            for _i in range(5):
                self.consume()
            row = self.row()
            written = (row.hits, row.write_date)
            self.consume()  # the first refusal is written at once
            self.env.invalidate_all()
            self.assertEqual((row.refused_count, row.first_refused), (1, T0))
            with self.assertQueryCount(1):  # the row is read, nothing is written
                self.consume()
            for _i in range(98):
                self.consume()
            self.env.invalidate_all()
            self.assertEqual(row.refused_count, 1, "counted in memory until the next write, a minute later")
            self.assertEqual((row.hits, row.write_date), written)
            with self.enter_registry_test_mode():
                self.Limit._flush_refusals()
            self.env.invalidate_all()
            self.assertEqual(row.refused_count, 100)
            self.assertEqual(self.Limit.search_count([]), 1, "a count, not a row per request")


@tagged("post_install", "-at_install")
class TestWebFormAbuse(HelpdeskHttpCommon):
    """The public web form under attack: flood, honeypot, captcha."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.public_form = True
        cls.cat_printer = cls.env["helpdesk.category"].create({"name": "Printer", "team_id": cls.team_a.id})
        cls.public_url = cls.team_a._get_public_form_path()
        cls.Ticket = cls.env["helpdesk.ticket"]

    def last_ticket_id(self):
        return self.Ticket.search([], order="id desc", limit=1).id or 0

    def csrf(self):
        return CSRF_RE.search(self.url_open(f"{self.public_url}?category_id={self.cat_printer.id}").text).group(1)

    def submission(self, i):
        return {
            "category_id": self.cat_printer.id,
            "partner_name": f"Bot {i}",
            "email": f"bot{i}@spam.example.net",
            "name": f"Cheap watches {i}",
            "description": "Buy now.",
        }

    def test_flood_from_one_address_is_bounded_and_another_address_is_served(self):
        tickets, contacts = self.last_ticket_id(), self.env["res.partner"].search_count([])
        csrf = self.csrf()
        statuses = {}
        for i in range(300):
            response = self.url_open(self.public_url, data={**self.submission(i), "csrf_token": csrf})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        self.assertEqual(statuses, {200: 5, 429: 295}, "5 redirected to the thank-you page, 295 refused")
        created = self.Ticket.search([("id", ">", tickets)])
        self.assertEqual(len(created), 5)
        self.assertEqual(self.env["res.partner"].search_count([]) - contacts, 5, "at most one contact per ticket")
        response = self.url_open(self.public_url, data={**self.submission(300), "csrf_token": csrf})
        self.assertRegex(response.text, r"Too many requests from your network: try again in \d+ minutes")
        self.assertIn('value="Cheap watches 300"', response.text, "what was typed is kept")
        # Logged as a count on one row per address, not a row per request.
        limit = self.env["helpdesk.rate.limit"]
        limit._flush_refusals()
        self.env.invalidate_all()
        row = limit.search([("scope", "=", "web_form")])
        self.assertEqual((row.remote_addr, row.hit_count, row.refused_count), ("127.0.0.1", 5, 296))
        # Another address (behind the reverse proxy of the production profile) is served.
        with patch.dict(config.options, {"proxy_mode": True}):
            headers = {"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Host": "helpdesk.example.com"}
            response = self.url_open(
                self.public_url, data={**self.submission(2000), "csrf_token": csrf}, headers=headers
            )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you, your request is registered.", response.text)
        self.assertEqual(len(self.Ticket.search([("id", ">", tickets)])), 6)
        self.assertEqual(limit.search([("remote_addr", "=", "198.51.100.23")]).hit_count, 1)

    def test_honeypot_answers_thank_you_and_creates_nothing(self):
        tickets, contacts = self.last_ticket_id(), self.env["res.partner"].search_count([])
        page = self.url_open(f"{self.public_url}?category_id={self.cat_printer.id}").text
        self.assertIn('name="company_website"', page)
        self.assertIn('data-captcha="helpdesk_ticket"', page)
        response = self.url_open(
            self.public_url,
            data={**self.submission(1), "company_website": "http://watches.example", "csrf_token": self.csrf()},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith("/helpdesk/submitted"), "the normal thank-you page")
        self.assertIn("Thank you, your request is registered.", response.text)
        self.assertNotIn("Your reference", response.text)
        self.assertFalse(self.Ticket.search([("id", ">", tickets)]))
        self.assertEqual(self.env["res.partner"].search_count([]), contacts)
        self.assertFalse(self.env["helpdesk.rate.limit"].search([]), "nothing written")
        # The portal form (logged-in customers) has neither honeypot nor captcha.
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.assertNotIn("company_website", self.url_open("/my/tickets/new?category_id=0").text)

    def test_captcha_is_checked_on_submission_when_a_captcha_module_is_installed(self):
        checked = []

        def verify(ir_http, action):
            checked.append(action)
            raise UserError(ir_http.env._("The CAPTCHA says you are a robot."))

        tickets = self.last_ticket_id()
        csrf = self.csrf()
        self.assertEqual(checked, [], "not on the page itself")
        with patch.object(self.registry["ir.http"], "_verify_request_recaptcha_token", verify):
            response = self.url_open(self.public_url, data={**self.submission(1), "csrf_token": csrf})
        self.assertEqual(checked, ["helpdesk_ticket"])
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(self.Ticket.search([("id", ">", tickets)]))
        # Without a captcha module the check is Odoo's no-op: the same post goes through.
        response = self.url_open(self.public_url, data={**self.submission(1), "csrf_token": csrf})
        self.assertIn("Thank you, your request is registered.", response.text)


@tagged("post_install", "-at_install")
class TestEndpointRefusals(HelpdeskAlertHttpCommon):
    def test_refusals_beyond_thirty_in_ten_minutes_answer_429_without_writing(self):
        for i in range(30):
            response = self.post_alert(am_payload(am_alert(f"fp-{i}")), token="wrong")
            self.assertEqual(response.status_code, 403)
        self.assertEqual(len(self.rejections()), 30)
        before = self.snapshot()
        response = self.post_alert(am_payload(am_alert("fp-31")), token="wrong")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many refused requests from 127.0.0.1", response.json()["error"])
        self.assertIn("Invalid token", response.json()["error"])
        self.assertAlmostEqual(int(response.headers["Retry-After"]), 600, delta=60)
        self.assertEqual(len(self.rejections()), 30, "no rejection row beyond the limit")
        self.assertEqual(self.snapshot(), before)
        # A valid request from the same address is still served.
        response = self.post_alert(am_payload(am_alert("fp-ok")))
        self.assertEqual(response.status_code, 200, response.text)


@tagged("post_install", "-at_install")
class TestEndpointRefusalsConcurrency(CommittedData, HttpCase):
    """Concurrent refusals on committed data, one transaction each: exactly 30 logged."""

    registry_test_mode = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(Registry, "_lock", DummyRLock()))

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Refusal concurrency team"})
            source = env["helpdesk.alert.source"].create({"name": "Refused source", "team_id": team.id})
            return {"team": team, "source": source}

        self.commit_records(create)
        self.remove_after("helpdesk.alert.rejection", [("source_id", "=", self.ids["source"])])
        self.remove_after("helpdesk.rate.limit", [("scope", "=", "endpoint")])
        with self.worker() as env:
            env["helpdesk.rate.limit"].search([("scope", "=", "endpoint")]).unlink()

    def test_concurrent_refusals_are_logged_up_to_the_limit(self):
        url = f"{self.base_url()}/helpdesk/alert/{self.ids['source']}"
        headers = {"Authorization": "Bearer wrong", "X-Odoo-Database": get_db_name()}

        def send(i):
            payload = json.dumps(am_payload(am_alert(f"c-{i}")))
            return requests.post(url, data=payload, headers=headers, timeout=60).status_code

        with ThreadPoolExecutor(max_workers=8) as executor:
            statuses = list(executor.map(send, range(40)))
        self.assertEqual((statuses.count(403), statuses.count(429)), (30, 10), statuses)
        with self.worker() as env:
            self.assertEqual(env["helpdesk.alert.rejection"].search_count([("source_id", "=", self.ids["source"])]), 30)
