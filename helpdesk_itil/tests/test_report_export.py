"""Each report exports to a spreadsheet with Odoo's own export (the list's Export, which calls
export_data on the rows): the values as the list shows them, report fields, medians included;
portal users export nothing."""

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from .common_report import ATTAINMENT_CRON, HelpdeskReportCommon, at

EXPORTS = {
    "helpdesk.ticket.analysis": [
        "reference",
        "team_id",
        "priority",
        "state",
        "kpi_resolution_business_hours",
        "kpi_resolution_business_hours_median",
    ],
    "helpdesk.sla.analysis": ["ticket_id", "policy_id", "status", "deadline", "used_hours"],
    "helpdesk.sla.attainment": ["policy_id", "partner_id", "period_type", "period_name", "attainment_percent"],
    "helpdesk.ticket.backlog": ["reference", "team_id", "age_bucket", "age_business_days"],
    "helpdesk.ticket.activity": ["kind", "date", "ticket_id", "team_id"],
    "helpdesk.rating.analysis": ["ticket_id", "rating_text", "rating"],
    "helpdesk.uptime.analysis": ["scope", "alert_source_id", "partner_id", "month", "uptime_percent"],
}


def march(day, hour, minute=0):
    return at(day - 4, hour, minute)


@tagged("post_install", "-at_install")
class TestReportExport(HelpdeskReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(march(1, 0)):
            cls.make_policy(name="Resolve in 4h", target_hours=4.0, team_ids=[Command.set(cls.team_a.ids)])
            source = cls.env["helpdesk.alert.source"].create(
                {"name": "Prometheus", "team_id": cls.team_a.id, "partner_id": cls.customer.id}
            )
        cls.done = cls.create_at(march(4, 9), partner_id=cls.contact.id, name="Laptop fixed")
        cls.move(cls.done, cls.stage_resolved, march(4, 11))
        cls.move(cls.done, cls.stage_closed, march(4, 12))
        with freeze_time(march(4, 13)):
            cls.done.rating_apply(5, token=cls.done._rating_get_access_token(cls.contact))
        cls.open = cls.create_at(march(12, 9), partner_id=cls.contact.id, name="Printer still jams")
        alert = cls.create_at(
            march(5, 10), channel="alert", alert_source_id=source.id, alert_fingerprint="x", partner_id=cls.customer.id
        )
        cls.move(alert, cls.stage_resolved, march(5, 11))

    def test_each_report_exports(self):
        # Exporting is Odoo's own right (Settings → Users → Export: Allowed), not a helpdesk one.
        with self.assertRaisesRegex(UserError, "rights to export"):
            self.env["helpdesk.ticket.analysis"].with_user(self.agent).search([]).export_data(["reference"])
        self.agent.group_ids += self.env.ref("base.group_allow_export")
        with freeze_time(march(20, 10)), self.enter_registry_test_mode():
            self.env.ref(ATTAINMENT_CRON).method_direct_trigger()
        self.env.invalidate_all()
        for model, fnames in EXPORTS.items():
            with self.subTest(model=model), freeze_time(march(20, 10)):
                rows = self.env[model].with_user(self.agent).search([])
                self.assertTrue(rows, "something to export")
                exported = rows.export_data(fnames)["datas"]
                self.assertEqual(len(exported), len(rows))
                self.assertTrue(all(len(line) == len(fnames) for line in exported))
        with freeze_time(march(20, 10)):
            analysis = (
                self.env["helpdesk.ticket.analysis"]
                .with_user(self.agent)
                .browse(self.done.id)
                .export_data(EXPORTS["helpdesk.ticket.analysis"])["datas"]
            )
            backlog = (
                self.env["helpdesk.ticket.backlog"]
                .with_user(self.agent)
                .browse(self.open.id)
                .export_data(EXPORTS["helpdesk.ticket.backlog"])["datas"]
            )
        # As the list shows them: the team's name, the selection's label, business hours.
        self.assertEqual(analysis, [[self.done.reference, "Team A", "P3 Medium", "Closed", 2.0, 2.0]])
        self.assertEqual(backlog, [[self.open.reference, "Team A", "3–7 days", 6]])
        rating = self.env["helpdesk.rating.analysis"].with_user(self.agent).search([("ticket_id", "=", self.done.id)])
        self.assertEqual(rating.export_data(["ticket_id", "rating"])["datas"], [[self.done.display_name, 5.0]])

    def test_portal_users_export_nothing(self):
        self.portal_user.group_ids += self.env.ref("base.group_allow_export")
        for model in EXPORTS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_user).search([]).export_data(["id"])
