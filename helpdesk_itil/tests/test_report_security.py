"""Who sees which report rows (their own record rules: users their teams' and their own
tickets, agents and managers everything, portal users nothing), through the ORM, JSON-2 and
JSON-RPC; report screens run on a read-only transaction (Odoo's test mode makes a read-only
request's transaction READ ONLY: a screen that wrote anything would fail)."""

import json
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import JsonRpcException, freeze_time, tagged

from .common import HelpdeskHttpCommon

REPORTS = (
    "helpdesk.ticket.analysis",
    "helpdesk.sla.analysis",
    "helpdesk.sla.attainment",
    "helpdesk.ticket.backlog",
    "helpdesk.ticket.activity",
    "helpdesk.rating.analysis",
    "helpdesk.uptime.analysis",
)
MEASURES = {
    "helpdesk.ticket.analysis": ["kpi_first_response_hours:avg", "kpi_first_response_hours_median:median"],
    "helpdesk.sla.analysis": ["compliance_rate:avg", "used_hours_p90:p90"],
    "helpdesk.sla.attainment": ["attainment_percent:ratio"],
    "helpdesk.ticket.backlog": ["priority_weight:sum", "age_business_days_max:max"],
    "helpdesk.ticket.activity": ["reply_count:sum"],
    "helpdesk.rating.analysis": ["response_rate:avg"],
    "helpdesk.uptime.analysis": ["uptime_percent:ratio", "mttr_hours:ratio"],
}


@tagged("post_install", "-at_install")
class TestReportSecurity(HelpdeskHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        calendar = cls.env["resource.calendar"].create({"name": "Office (reports)", "tz": "UTC"})
        cls.env["helpdesk.sla.policy"].search([]).action_archive()
        policies = cls.env["helpdesk.sla.policy"].create(
            [
                {
                    "name": f"Resolution {team.name}",
                    "target_hours": 8,
                    "calendar_id": calendar.id,
                    "team_ids": [Command.set(team.ids)],
                }
                for team in (cls.team_a, cls.team_b)
            ]
        )
        start = fields.Datetime.now() - timedelta(days=2)
        with freeze_time(start - timedelta(hours=1)):
            cls.source_a, cls.source_b = cls.env["helpdesk.alert.source"].create(
                [
                    {"name": "Monitoring A", "team_id": cls.team_a.id, "partner_id": cls.customer.id},
                    {"name": "Monitoring B", "team_id": cls.team_b.id},
                ]
            )
        with freeze_time(start):
            cls.ticket_a = cls.create_ticket(name="Team A ticket", partner_id=cls.contact.id)
            cls.ticket_b = cls.create_ticket(name="Team B ticket", team_id=cls.team_b.id, partner_id=cls.contact.id)
            # Team B's, but assigned to Ana of team A: her own ticket.
            cls.ticket_b_mine = cls.create_ticket(
                name="Team B ticket for Ana", team_id=cls.team_b.id, user_id=cls.user_a.id
            )
            cls.alert_a = cls.create_ticket(
                name="Alert A", channel="alert", alert_source_id=cls.source_a.id, alert_fingerprint="a"
            )
            cls.alert_b = cls.create_ticket(
                name="Alert B",
                channel="alert",
                alert_source_id=cls.source_b.id,
                alert_fingerprint="b",
                team_id=cls.team_b.id,
            )
            for ticket in cls.ticket_a | cls.ticket_b:
                ticket.with_user(cls.agent).message_post(
                    body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
                )
                ticket._rating_get_access_token(cls.contact)
        cls.env["helpdesk.sla.attainment"]._compute_policies(policies.ids, None, fields.Datetime.now())
        cls.tickets = cls.ticket_a | cls.ticket_b | cls.ticket_b_mine | cls.alert_a | cls.alert_b

    def test_users_see_their_teams_and_their_own(self):
        """Ana (team A) sees the rows of team A's tickets and of her own ticket of team B,
        the attainment of team A's policy, the uptime of team A's source; nothing else."""
        for model in REPORTS:
            with self.subTest(model=model):
                rows = self.env[model].with_user(self.user_a).search([])
                self.assertTrue(rows)
                for row in rows.sudo():
                    if model == "helpdesk.sla.attainment":
                        self.assertEqual(row.policy_id.team_ids, self.team_a)
                    elif model == "helpdesk.uptime.analysis":
                        self.assertEqual(row.team_id, self.team_a)
                    else:
                        self.assertTrue(row.team_id == self.team_a or row.user_id == self.user_a)
                        self.assertNotIn(row.ticket_id, self.ticket_b | self.alert_b)
        analysis = self.env["helpdesk.ticket.analysis"].with_user(self.user_a)
        self.assertEqual(
            analysis.search([("ticket_id", "in", self.tickets.ids)]).ticket_id,
            self.ticket_a | self.ticket_b_mine | self.alert_a,
        )
        [(count,)] = analysis._read_group([("ticket_id", "in", self.tickets.ids)], [], ["__count"])
        self.assertEqual(count, 3, "the figures count what the user sees")
        self.assertEqual(
            self.env["helpdesk.uptime.analysis"].with_user(self.user_a).search([]).alert_source_id, self.source_a
        )

    def test_agents_and_managers_see_everything(self):
        for user in (self.agent, self.manager):
            for model in REPORTS:
                with self.subTest(user=user.login, model=model):
                    self.assertEqual(
                        self.env[model].with_user(user).search_count([]), self.env[model].sudo().search_count([])
                    )

    def test_portal_users_have_no_access(self):
        for model in REPORTS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.analysis"].with_user(self.portal_user).action_open_tickets([])

    def api_call(self, user, model, method, payload):
        key = (
            self.env["res.users.apikeys"]
            .with_user(user)
            ._generate(scope="rpc", name="reports", expiration_date=datetime.now() + timedelta(days=1))
        )
        return self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(payload),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )

    def test_json2_team_a_user(self):
        response = self.api_call(
            self.user_a,
            "helpdesk.ticket.analysis",
            "search_read",
            {"domain": [["ticket_id", "in", self.tickets.ids]], "fields": ["name", "team_id"]},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            sorted(row["name"] for row in response.json()), ["Alert A", "Team A ticket", "Team B ticket for Ana"]
        )
        response = self.api_call(
            self.user_a,
            "helpdesk.sla.analysis",
            "formatted_read_grouping_sets",
            {
                "domain": [],
                "grouping_sets": [["team_id"], []],
                "aggregates": ["__count", "used_hours_median:median"],
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        groups, total = response.json()
        # Team A's two lines (its ticket and its alert), and the line of Ana's own team B ticket.
        self.assertEqual(
            {group["team_id"][0]: group["__count"] for group in groups}, {self.team_a.id: 2, self.team_b.id: 1}
        )
        self.assertEqual(total[0]["__count"], 3)
        response = self.api_call(
            self.user_a, "helpdesk.ticket.backlog", "search_read", {"domain": [], "fields": ["name"]}
        )
        self.assertEqual(
            sorted(row["name"] for row in response.json()), ["Alert A", "Team A ticket", "Team B ticket for Ana"]
        )

    def rpc(self, model, method, args=(), **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}.{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_report_screens_are_read_only(self):
        """Pivot (grouping sets with the total row), graph (formatted_read_group), list
        (web_search_read) and drill-down of every report, as an agent over JSON-RPC."""
        for model in REPORTS:
            method = self.env.registry[model].action_open_tickets
            self.assertTrue(getattr(method, "_readonly", False), model)
        self.authenticate("hd_agent", "hd_agent")
        for model in REPORTS:
            with self.subTest(model=model):
                groups, total = self.rpc(
                    model,
                    "formatted_read_grouping_sets",
                    domain=[],
                    grouping_sets=[["company_id"], []],
                    aggregates=["__count", *MEASURES[model]],
                )
                self.assertEqual(groups[0]["__count"], total[0]["__count"])
                self.rpc(model, "formatted_read_group", domain=[], groupby=["company_id"], aggregates=MEASURES[model])
                listed = self.rpc(model, "web_search_read", domain=[], specification={"display_name": {}}, limit=80)
                self.assertTrue(listed["length"])
                action = self.rpc(model, "action_open_tickets", domain=[])
                self.assertEqual(action["res_model"], "helpdesk.ticket")
        action = self.rpc("helpdesk.ticket.analysis", "action_open_ticket", [self.ticket_a.id])
        self.assertEqual(action["res_id"], self.ticket_a.id)
        attainment = self.env["helpdesk.sla.attainment"].search([], limit=1)
        self.rpc("helpdesk.sla.attainment", "action_open_lines", [attainment.ids])

    def test_portal_rpc_is_refused(self):
        self.authenticate("hd_portal", "hd_portal")
        for model in REPORTS:
            with self.subTest(model=model), self.assertRaises(JsonRpcException):
                self.rpc(model, "formatted_read_group", domain=[], groupby=[], aggregates=["__count"])
