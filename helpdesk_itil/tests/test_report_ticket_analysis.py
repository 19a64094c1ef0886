"""Ticket Analysis (helpdesk.ticket.analysis) against hand-computed values: means, medians and
90th percentiles per team and in the pivot's total row, NULL (not 0) before an event, the life
of a ticket through a weekend, a holiday, a pause, a reopen, an escalation and a team transfer,
rates, default filters, drill-down to the tickets."""

from lxml import etree

from odoo.fields import Domain
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools.safe_eval import datetime, dateutil, safe_eval

from ..report.helpdesk_ticket_analysis import duration_column_names
from .common import HelpdeskHttpCommon
from .common_report import HelpdeskReportCommon, at

MODEL = "helpdesk.ticket.analysis"
RESOLUTION = [
    "__count",
    "kpi_resolution_business_hours:avg",
    "kpi_resolution_business_hours_median:median",
    "kpi_resolution_business_hours_p90:p90",
    "kpi_resolution_hours:avg",
    "kpi_resolution_hours_median:median",
    "kpi_resolution_hours_p90:p90",
]


@tagged("post_install", "-at_install")
class TestReportTicketAnalysis(HelpdeskReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Monday 4 March 2024, 9:00 UTC: five tickets of team A resolved after 1, 2, 3 and 4
        # hours and on Tuesday 11:00 (8 + 2 business hours, 26 calendar hours); two of team B
        # (Madrid: 8:00-16:00 UTC) resolved after 2 and 4 hours; one of team A still open.
        with freeze_time(at(0, 9)):
            cls.a1, cls.a2, cls.a3, cls.a4, cls.a5, cls.a_open = cls.env["helpdesk.ticket"].create(
                [{"name": f"A{i}", "team_id": cls.team_a.id, "partner_id": cls.contact.id} for i in range(6)]
            )
            cls.b1, cls.b2 = cls.env["helpdesk.ticket"].create(
                [{"name": f"B{i}", "team_id": cls.team_b.id, "partner_id": cls.contact.id} for i in range(2)]
            )
            # Answered within the same second: a real zero.
            cls.a1.with_user(cls.user_a).message_post(
                body="On it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        for ticket, when in (
            (cls.a1, at(0, 10)),
            (cls.a2, at(0, 11)),
            (cls.a3, at(0, 12)),
            (cls.a4, at(0, 13)),
            (cls.a5, at(1, 11)),
            (cls.b1, at(0, 11)),
            (cls.b2, at(0, 13)),
        ):
            cls.move(ticket, cls.stage_resolved, when)
        cls.sample = cls.a1 | cls.a2 | cls.a3 | cls.a4 | cls.a5 | cls.a_open | cls.b1 | cls.b2
        cls.sample_domain = [("ticket_id", "in", cls.sample.ids)]

    def test_one_row_per_ticket(self):
        no_team = self.create_at(at(0, 9), name="No team", team_id=False)
        cancelled = self.create_at(at(0, 9), name="Cancelled")
        self.cancel(cancelled, at(0, 10))
        tickets = self.sample | no_team | cancelled
        rows = self.env[MODEL].search([("ticket_id", "in", tickets.ids)])
        self.assertEqual(len(rows), len(tickets))
        self.assertEqual(sorted(rows.ids), sorted(tickets.ids), "a row's id is its ticket's")
        self.assertEqual(rows.browse(no_team.id).team_id.id, False)
        self.assertEqual(rows.browse(cancelled.id).state, "cancelled")

    def test_mean_median_p90_per_team_and_total(self):
        """Business hours: A [1, 2, 3, 4, 10], B [2, 4]; calendar hours: A [1, 2, 3, 4, 26],
        B [2, 4]. percentile_cont interpolates: P90 of 5 values is at rank 0.9 × 4 = 3.6, i.e.
        4 + 0.6 × (10 − 4) = 7.6; of the 7 values of the total row at 0.9 × 6 = 5.4, i.e.
        4 + 0.4 × (10 − 4) = 6.4. The open ticket counts as a ticket, not as a zero."""
        figures = self.grouped(MODEL, self.sample_domain, ["team_id"], RESOLUTION)
        expected = {
            self.team_a.id: [6, 4.0, 3.0, 7.6, 7.2, 3.0, 17.2],
            self.team_b.id: [2, 3.0, 3.0, 3.8, 3.0, 3.0, 3.8],
            None: [8, 26 / 7, 3.0, 6.4, 6.0, 3.0, 12.8],
        }
        for group, values in expected.items():
            with self.subTest(group=group):
                self.assertEqual(figures[group]["__count"], values[0])
                for spec, value in zip(RESOLUTION[1:], values[1:], strict=True):
                    self.assertAlmostEqual(figures[group][spec], value, places=6, msg=spec)

    def test_median_and_p90_in_read_group_and_graph(self):
        """The graph and the grouped list ask formatted_read_group with the fields' aggregators."""
        Analysis = self.env[MODEL]
        fields = Analysis.fields_get(["kpi_resolution_business_hours_median", "kpi_resolution_business_hours_p90"])
        self.assertEqual(fields["kpi_resolution_business_hours_median"]["aggregator"], "median")
        self.assertEqual(fields["kpi_resolution_business_hours_p90"]["aggregator"], "p90")
        groups = Analysis.formatted_read_group(
            self.sample_domain,
            ["create_date:day"],
            ["kpi_resolution_business_hours_median:median", "kpi_resolution_business_hours_p90:p90"],
        )
        self.assertEqual(len(groups), 1)
        self.assertAlmostEqual(groups[0]["kpi_resolution_business_hours_median:median"], 3.0)
        self.assertAlmostEqual(groups[0]["kpi_resolution_business_hours_p90:p90"], 6.4)
        [(median, p90)] = Analysis._read_group(
            self.sample_domain + [("team_id", "=", self.team_b.id)],
            [],
            ["kpi_resolution_business_hours_median:median", "kpi_resolution_business_hours_p90:p90"],
        )
        self.assertEqual((median, round(p90, 6)), (3.0, 3.8))

    def test_every_duration_has_mean_median_and_p90(self):
        fields = self.env[MODEL]._fields
        for column in duration_column_names():
            expected = "median" if column.endswith("_median") else "p90" if column.endswith("_p90") else "avg"
            self.assertEqual(fields[column].aggregator, expected, column)

    def test_empty_until_the_event_and_zero_stays_zero(self):
        columns = [
            "kpi_first_response_hours",
            "kpi_first_response_business_hours_median",
            "kpi_resolution_hours",
            "kpi_close_hours",
            "kpi_requester_wait_hours",
        ]
        # A1: answered in the same second (0, not empty), resolved, not closed (the team
        # closes by confirmation), so its close figure is empty.
        self.assertEqual(self.sql_row(MODEL, self.a1.id, columns), (0.0, 0.0, 1.0, None, 1.0))
        self.assertEqual(self.sql_row(MODEL, self.a_open.id, columns), (None, None, None, None, None))
        first_response = self.grouped(
            MODEL,
            self.sample_domain,
            ["team_id"],
            ["kpi_first_response_hours:avg", "kpi_first_response_hours_median:median"],
        )
        # Only A1 was answered: its zero is the mean and the median, not a missing value.
        self.assertEqual(first_response[self.team_a.id]["kpi_first_response_hours:avg"], 0.0)
        self.assertEqual(first_response[self.team_a.id]["kpi_first_response_hours_median:median"], 0.0)

    def test_life_of_a_ticket(self):
        """Created on Friday 8 March 15:00 in team A, first answered on Tuesday (the weekend and
        Monday's holiday in between), paused, resolved, reopened, escalated to team B, resolved
        again, closed (test_ticket_kpi.py computes the same figures by hand)."""
        ticket = self.create_at(at(4, 15), name="Life", partner_id=self.contact.id)
        with freeze_time(at(4, 16)):
            ticket.user_id = self.user_a
        self.move(ticket, self.stage_progress, at(8, 9, 30))
        self.reply(ticket, at(8, 10), user=self.user_a)
        self.move(ticket, self.stage_pending, at(8, 11))
        self.move(ticket, self.stage_progress, at(9, 10))
        self.move(ticket, self.stage_resolved, at(9, 12))
        self.move(ticket, self.stage_progress, at(10, 9))
        with freeze_time(at(10, 10)):
            ticket._escalate(1, "Needs the network team", team=self.team_b)
        with freeze_time(at(10, 10, 30)):
            ticket.user_id = self.user_b
        self.reply(ticket, at(10, 11), user=self.user_b)
        self.move(ticket, self.stage_resolved, at(10, 14))
        self.move(ticket, self.stage_closed, at(11, 9))
        columns = [
            "team_id",
            "kpi_assign_hours",
            "kpi_first_response_hours",
            "kpi_first_response_business_hours",
            "kpi_first_resolution_business_hours",
            "kpi_resolution_hours",
            "kpi_resolution_business_hours",
            "kpi_close_hours",
            "kpi_close_business_hours",
            "kpi_requester_wait_hours",
            "kpi_agent_wait_business_hours",
            "kpi_reply_count",
            "reopen_count",
            "kpi_escalation_count",
            "kpi_team_transfer_count",
            "one_touch_rate",
            "first_contact_resolution_rate",
            "reopen_rate",
            "escalation_rate",
            "unconfirmed_close_rate",
        ]
        self.assertEqual(
            dict(zip(columns, self.sql_row(MODEL, ticket.id, columns), strict=True)),
            {
                "team_id": self.team_b.id,
                "kpi_assign_hours": 1.0,
                "kpi_first_response_hours": 91.0,
                "kpi_first_response_business_hours": 3.0,
                "kpi_first_resolution_business_hours": 13.0,
                "kpi_resolution_hours": 143.0,
                "kpi_resolution_business_hours": 23.0,
                "kpi_close_hours": 162.0,
                "kpi_close_business_hours": 26.0,
                "kpi_requester_wait_hours": 99.0,
                "kpi_agent_wait_business_hours": 7.0,
                "kpi_reply_count": 2,
                "reopen_count": 1,
                "kpi_escalation_count": 1,
                "kpi_team_transfer_count": 1,
                "one_touch_rate": 0.0,
                "first_contact_resolution_rate": 0.0,
                "reopen_rate": 100.0,
                "escalation_rate": 100.0,
                "unconfirmed_close_rate": 100.0,
            },
        )

    def test_rates(self):
        """Among the resolved tickets of the sample: A1 has one reply (one-touch), the others
        none (one-touch too); none was transferred, escalated or reopened. A reopened one is
        neither, and counts in the reopen rate."""
        self.move(self.a2, self.stage_progress, at(2, 9))
        self.move(self.a2, self.stage_resolved, at(2, 10))
        specs = [
            "one_touch_rate:avg",
            "first_contact_resolution_rate:avg",
            "reopen_rate:avg",
            "escalation_rate:avg",
            "kpi_reply_count:sum",
            "reopen_count:sum",
        ]
        figures = self.grouped(MODEL, self.sample_domain, ["team_id"], specs)
        # Team A: A1..A5 resolved (A2 reopened), A_open not: 4 of 5 one-touch and first-contact.
        self.assertEqual(
            [figures[self.team_a.id][spec] for spec in specs],
            [80.0, 80.0, 20.0, 0.0, 1, 1],
        )
        self.assertEqual([figures[None][spec] for spec in specs], [600 / 7, 600 / 7, 100 / 7, 0.0, 1, 1])

    def test_default_filters_leave_out_cancelled_and_show_alerts_apart(self):
        cancelled = self.create_at(at(0, 9), name="Cancelled")
        self.cancel(cancelled, at(0, 10))
        alert = self.create_at(at(0, 9), name="CPU above 90%", channel="alert")
        tickets = self.sample | cancelled | alert
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_analysis_action")
        context = safe_eval(action["context"])
        self.assertTrue(context["search_default_filter_counted"])
        self.assertTrue(context["search_default_filter_requests"])
        search = etree.fromstring(self.env[MODEL].get_view(action["search_view_id"][0], "search")["arch"])

        def rows(*filters):
            domain = Domain.AND(
                safe_eval(search.xpath(f"//filter[@name='{name}']/@domain")[0], {"uid": self.env.uid})
                for name in filters
            )
            return self.env[MODEL].search(domain & Domain("ticket_id", "in", tickets.ids)).ticket_id

        self.assertEqual(rows("filter_counted", "filter_requests"), self.sample)
        self.assertEqual(rows("filter_counted", "filter_alerts"), alert)
        self.assertEqual(rows("filter_cancelled"), cancelled)

    def test_drill_down_to_the_tickets(self):
        Analysis = self.env[MODEL]
        # A pivot cell: team A, created in March 2024, not cancelled, no alerts.
        cell = [
            "&",
            "&",
            ("state", "!=", "cancelled"),
            ("channel", "!=", "alert"),
            "&",
            ("team_id", "=", self.team_a.id),
            "&",
            ("create_date", ">=", "2024-03-01 00:00:00"),
            ("create_date", "<", "2024-04-01 00:00:00"),
        ]
        action = Analysis.action_open_tickets(cell)
        self.assertEqual(action["res_model"], "helpdesk.ticket")
        self.assertNotIn("'id', 'in'", str(action["domain"]), "said on the tickets, not a list of ids")
        tickets = self.env["helpdesk.ticket"].search(action["domain"])
        self.assertEqual(tickets, self.a1 | self.a2 | self.a3 | self.a4 | self.a5 | self.a_open)
        self.assertEqual(tickets, Analysis.search(cell).ticket_id)
        # A condition on a figure the ticket stores differently: the rows' tickets.
        slow = Analysis.action_open_tickets(self.sample_domain + [("kpi_resolution_business_hours", ">", 3.5)])
        self.assertEqual(self.env["helpdesk.ticket"].search(slow["domain"]), self.a4 | self.a5 | self.b2)
        # A list row opens its ticket.
        self.assertEqual(Analysis.browse(self.a1.id).action_open_ticket()["res_id"], self.a1.id)

    def test_views_and_favourites(self):
        views = self.env[MODEL].get_views([(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")])
        for view_type in ("pivot", "graph"):
            arch = etree.fromstring(views["views"][view_type]["arch"])
            self.assertEqual(arch.get("js_class"), f"helpdesk_report_{view_type}", "cells open the tickets")
        fields = views["models"][MODEL]["fields"]
        favourites = self.env["ir.filters"].search([("model_id", "=", MODEL)])
        self.assertIn("MTTR by team this quarter", favourites.mapped("name"))
        context = {
            "context_today": lambda: datetime.date(2024, 11, 20),
            "relativedelta": dateutil.relativedelta.relativedelta,
            "uid": self.env.uid,
        }
        for favourite in favourites:
            with self.subTest(favourite=favourite.name):
                measures = safe_eval(favourite.context).get("pivot_measures", [])
                self.assertTrue(measures)
                for measure in measures:
                    self.assertTrue(measure == "__count" or measure in fields, measure)
                self.env[MODEL].search(safe_eval(favourite.domain, context))
        quarter = self.env["ir.filters"].search([("model_id", "=", MODEL), ("name", "=", "MTTR by team this quarter")])
        self.assertIn(("resolved_date", ">=", "2024-10-01"), safe_eval(quarter.domain, context))
        self.assertIn(("resolved_date", "<", "2025-01-01"), safe_eval(quarter.domain, context))


@tagged("post_install", "-at_install")
class TestReportTour(HelpdeskHttpCommon):
    def test_pivot_cell_opens_its_tickets(self):
        new_test_user(
            self.env,
            login="report_lead",
            password="report_lead",
            groups="helpdesk_itil.group_helpdesk_agent",
            name="Report Lead",
        )
        team = self.env["helpdesk.team"].create({"name": "Report Team", "closure_confirmation": False})
        ticket = self.create_ticket(name="Printer jams on every page", team_id=team.id)
        self.resolve(ticket)
        self.create_ticket(name="Outside the cell", team_id=self.team_b.id)
        self.start_tour(
            "/odoo/action-helpdesk_itil.helpdesk_ticket_analysis_action",
            "helpdesk_itil_report_drilldown_tour",
            login="report_lead",
        )
