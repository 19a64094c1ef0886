"""The monthly service report of a customer: its figures against hand-computed values on a
time-frozen March 2024 (team A works 9:00-17:00 UTC, Monday 11 March is a public holiday),
the print and send wizard, who may read it (helpdesk users in the backend, the customer's
own contacts in the portal, over HTTP)."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, freeze_time, new_test_user, tagged

from .common import HelpdeskPortalFixtures
from .common_report import ATTAINMENT_CRON, HelpdeskReportCommon, at

REPORT = "helpdesk_itil.action_report_service_monthly"
READ_AT = at(29, 10)  # Tuesday 2 April 2024, 10:00 UTC: March is over and its SLA periods final


def march(day, hour, minute=0):
    return at(day - 4, hour, minute)


@tagged("post_install", "-at_install")
class TestServiceReport(HelpdeskReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.lang = "en_US"
        cls.contact.lang = "en_US"
        with freeze_time(at(-40, 9)):
            cls.policy = cls.make_policy(
                name="Resolution within 8 business hours", target_hours=8.0, team_ids=[Command.set(cls.team_a.ids)]
            )
        cls.t = t = {}
        # Resolved in March: 4, 3 (Friday 15:00 to Tuesday 10:00, Monday a holiday), 14 and 56
        # business hours (the last one opened in February); 4, 91, 30 and 264 calendar hours.
        t["a1"] = cls.create_at(march(4, 9), partner_id=cls.contact.id)
        cls.move(t["a1"], cls.stage_resolved, march(4, 13))
        t["a2"] = cls.create_at(march(8, 15), partner_id=cls.contact.id)
        cls.move(t["a2"], cls.stage_resolved, march(12, 10))
        t["a3"] = cls.create_at(march(12, 9), partner_id=cls.contact.id)
        cls.move(t["a3"], cls.stage_resolved, march(13, 15))
        t["a6"] = cls.create_at(at(-10, 9), partner_id=cls.contact.id)  # Friday 23 February
        cls.move(t["a6"], cls.stage_resolved, march(5, 9))
        # Still open on 2 April: Wednesday 20 March, 9 business days old.
        t["a4"] = cls.create_at(march(20, 9), partner_id=cls.contact.id, name="Printer jams on tray 2")
        cls.move(t["a4"], cls.stage_progress, march(20, 10))
        # Cancelled: not counted.
        t["a5"] = cls.create_at(march(21, 9), partner_id=cls.contact.id)
        cls.cancel(t["a5"], march(21, 10))
        # Ratings in March: 5 and 3.
        for key, rate, when in (("a1", 5, march(4, 14)), ("a3", 3, march(13, 16))):
            cls.move(t[key], cls.stage_closed, when)
            with freeze_time(when):
                t[key].rating_apply(rate, token=t[key]._rating_get_access_token(cls.contact))
        # Monitoring: Acme's source, down 10:00-12:00 on 4 March (team B: no SLA policy).
        with freeze_time(march(1, 0)):
            source = cls.env["helpdesk.alert.source"].create(
                {"name": "Prometheus", "team_id": cls.team_b.id, "partner_id": cls.customer.id}
            )
        t["alert"] = cls.create_at(
            march(4, 10),
            name="Disk full",
            channel="alert",
            alert_source_id=source.id,
            alert_fingerprint="disk-full",
            team_id=cls.team_b.id,
            partner_id=cls.customer.id,
        )
        cls.move(t["alert"], cls.stage_resolved, march(4, 12))
        # Another customer: in no figure of Acme's.
        t["globex"] = cls.create_at(march(6, 9), partner_id=cls.globex.id, name="Globex cannot print")
        cls.move(t["globex"], cls.stage_resolved, march(6, 10))
        cls.create_at(march(6, 9), partner_id=cls.globex.id, name="Globex VPN down")

    def setUp(self):
        super().setUp()
        with freeze_time(READ_AT), self.enter_registry_test_mode():
            self.env.ref(ATTAINMENT_CRON).method_direct_trigger()
        self.env.invalidate_all()

    def figures(self, partner=None, year=2024, month=3):
        with freeze_time(READ_AT):
            return self.env["report.helpdesk_itil.report_service_monthly"]._service_figures(
                partner or self.contact, year, month
            )

    def test_figures(self):
        f = self.figures()
        self.assertEqual(f["customer"], self.customer, "a contact's report is its company's")
        # Opened in March, cancelled left out: a1, a2, a3, a4 and the alert.
        self.assertEqual((f["opened_count"], f["opened_alert_count"]), (5, 1))
        # Resolved in March: a1, a2, a3, a6 and the alert (2 hours, Monday 10:00-12:00).
        self.assertEqual(f["resolved_count"], 5)
        self.assertAlmostEqual(f["mttr_business_hours"], 4.0)  # 2, 3, 4, 14, 56
        self.assertAlmostEqual(f["mttr_hours"], 30.0)  # 2, 4, 30, 91, 264
        # SLA: a1 and a2 reached, a3 failed (14 h), a4 failed (its deadline, 20 March 17:00,
        # passed); a5 cancelled apart; a6 counts in February.
        self.assertEqual(len(f["attainment"]), 1)
        result = f["attainment"]
        self.assertEqual(
            (result.reached_count, result.failed_count, result.cancelled_count, result.state), (2, 2, 1, "final")
        )
        self.assertAlmostEqual(f["attainment_percent"], 50.0)
        self.assertFalse(result.attained)
        # Ratings of March: 5 and 3.
        self.assertEqual((f["rating_avg"], f["rating_count"], f["happy_rate"]), (4.0, 2, 50.0))
        # Uptime over March's 744 hours, 2 of them down.
        self.assertAlmostEqual(f["uptime"].uptime_percent, 100 * 742 / 744)
        self.assertAlmostEqual(f["uptime"].down_hours, 2.0)
        # Open now: a4 only, 9 business days old (21-22, 25-29 March, 1-2 April).
        self.assertEqual(f["open_items"].ticket_id, self.t["a4"])
        self.assertEqual((f["open_count"], f["open_items"].age_business_days), (1, 9))

    def test_empty_month_is_empty_not_zero(self):
        """February: a6 was opened, nothing was resolved or rated, nothing was monitored."""
        f = self.figures(month=2)
        self.assertEqual((f["opened_count"], f["resolved_count"], f["rating_count"]), (1, 0, 0))
        self.assertIsNone(f["mttr_business_hours"])
        self.assertIsNone(f["rating_avg"])
        self.assertFalse(f["uptime"], "no monitoring in February: no uptime, not 100 %")
        self.assertIsNone(self.figures(self.globex, month=2)["attainment_percent"], "no SLA line: no attainment")
        globex = self.figures(self.globex)
        # Globex: resolved within the hour (reached), still open (failed on 6 March, 17:00).
        self.assertEqual((globex["opened_count"], globex["resolved_count"], globex["open_count"]), (2, 1, 1))
        self.assertAlmostEqual(globex["attainment_percent"], 50.0)

    def test_report_renders_in_the_customers_language(self):
        with freeze_time(READ_AT):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(REPORT, self.contact.ids, {"year": 2024, "month": 3})[0]
                .decode()
            )
        for text in ("Service report", "March 2024", "Acme Corp", "50.0", "Printer jams on tray 2", "99.731"):
            self.assertIn(text, html)
        self.assertNotIn("Globex", html)
        self.env["res.lang"]._activate_lang("es_ES")
        self.contact.lang = "es_ES"
        with freeze_time(READ_AT):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(REPORT, self.contact.ids, {"year": 2024, "month": 3})[0]
                .decode()
            )
        self.assertIn("marzo 2024", html)
        self.assertIn("50,0", html, "numbers in the customer's language too")

    def test_bad_periods_are_refused(self):
        Report = self.env["report.helpdesk_itil.report_service_monthly"]
        with freeze_time(READ_AT):
            for data in ({"year": 2024, "month": 13}, {"year": 2024, "month": 5}, {"year": "x", "month": 1}):
                with self.subTest(data=data), self.assertRaises(UserError):
                    Report._service_period(data)
            self.assertEqual(Report._service_period(), (2024, 3), "default: the previous month")
            self.assertEqual(Report.with_context(helpdesk_service_period="2024-02")._service_period(), (2024, 2))

    def test_only_helpdesk_users_print_it(self):
        Report = self.env["report.helpdesk_itil.report_service_monthly"]
        employee = new_test_user(self.env, login="hd_employee", groups="base.group_user")
        for user in (self.portal_user, employee):
            with self.subTest(user=user.login), self.assertRaises(AccessError), freeze_time(READ_AT):
                Report.with_user(user)._get_report_values(self.contact.ids, {"year": 2024, "month": 3})
        with freeze_time(READ_AT):
            values = Report.with_user(self.user_b)._get_report_values(self.contact.ids, {"year": 2024, "month": 3})
        self.assertEqual(values["figures"][self.contact.id]["opened_count"], 5)

    def test_wizard_prints_and_sends(self):
        # Posting on a contact needs the right to edit contacts, as every default internal user has.
        self.user_a.group_ids += self.env.ref("base.group_partner_manager")
        action = self.contact.with_user(self.user_a).action_helpdesk_service_report()
        with freeze_time(READ_AT):
            wizard = Form(self.env[action["res_model"]].with_user(self.user_a).with_context(**action["context"]))
            self.assertEqual((wizard.year, wizard.month), (2024, "3"), "the previous month by default")
            wizard = wizard.save()
            printed = wizard.action_print()
            self.assertEqual(
                (printed["report_name"], printed["data"]),
                (REPORT.split(".")[0] + ".report_service_monthly", {"year": 2024, "month": 3}),
            )
            send = wizard.action_send()
            composer = Form(self.env[send["res_model"]].with_user(self.user_a).with_context(**send["context"]))
            self.assertIn("service report March 2024", composer.subject)
            self.assertEqual(len(composer.attachment_ids), 1)
            attachment = composer.attachment_ids[0]
            self.assertIn("Service report - Acme Corp", attachment.name)
            # The report of the month chosen (test mode renders the PDF's HTML).
            self.assertIn(b"March 2024", attachment.raw)
            self.assertIn(b"Printer jams on tray 2", attachment.raw)
            composer.save().action_send_mail()
        message = self.contact.message_ids[:1]
        self.assertEqual(message.attachment_ids.name, attachment.name)
        self.assertIn(self.contact, message.partner_ids)
        # Bad input: a month not begun, a contact without email.
        with freeze_time(READ_AT):
            wizard.write({"year": 2024, "month": "6"})
            with self.assertRaisesRegex(UserError, "cannot be made yet"):
                wizard.action_print()
            wizard.write({"month": "3", "partner_id": self.globex.id})
            with self.assertRaisesRegex(UserError, "no email address"):
                wizard.action_send()


@tagged("post_install", "-at_install")
class TestServiceReportPortal(HelpdeskPortalFixtures, HttpCase):
    """Over HTTP, this month's report: Carla and Dan (Acme) read Acme's, Bob (Globex) only his."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()
        today = date.today()
        cls.url = f"/my/helpdesk/report/{cls.customer.id}/{today.year}/{today.month}"
        cls.globex_url = f"/my/helpdesk/report/{cls.globex.id}/{today.year}/{today.month}"

    def get(self, url):
        return self.url_open(url, allow_redirects=False)

    def test_customer_reads_its_report(self):
        self.authenticate("portal_carla", "portal_carla")
        response = self.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        html = self.get(self.url + "?report_type=html")
        self.assertEqual(html.status_code, 200)
        self.assertIn("Service report", html.text)
        self.assertIn("Acme Corp", html.text)
        self.assertIn("printer is offline", html.text)
        self.assertNotIn("VPN drops", html.text)
        # Listed under the tickets.
        tickets = self.get("/my/tickets")
        self.assertIn(self.url, tickets.text)
        self.assertNotIn(self.globex_url, tickets.text)

    def test_other_customers_report_is_not_found(self):
        self.authenticate("portal_bob", "portal_bob")
        self.assertEqual(self.get(self.url).status_code, 404)
        self.assertEqual(self.get(self.url + "?report_type=html").status_code, 404)
        own = self.get(self.globex_url + "?report_type=html")
        self.assertEqual(own.status_code, 200)
        self.assertIn("VPN drops", own.text)
        self.assertNotIn("printer is offline", own.text)
        # Nor through Odoo's generic report route.
        generic = self.get(f"/report/html/helpdesk_itil.report_service_monthly/{self.customer.id}")
        self.assertNotEqual(generic.status_code, 200)
        self.assertNotIn("printer is offline", generic.text)

    def test_bad_months_and_anonymous(self):
        self.authenticate("portal_carla", "portal_carla")
        today = date.today()
        for url in (
            f"/my/helpdesk/report/{self.customer.id}/{today.year + 1}/1",
            f"/my/helpdesk/report/{self.customer.id}/{today.year}/13",
            f"/my/helpdesk/report/{self.customer.id}/1999/1",
            self.url + "?report_type=docx",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.get(url).status_code, 404)
        self.authenticate(None, None)
        response = self.get(self.url)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
