"""The team overview card and the "My performance" strip, against hand-computed values on a
time-frozen data set: Wednesday 13 March 2024, 10:00 UTC; team A works 9:00-17:00 UTC
Monday to Friday; Monday 11 March is a public holiday (common_report.py)."""

from odoo.tests import freeze_time, tagged

from .common_report import HelpdeskReportCommon, at

NOW = at(9, 10)  # Wednesday 13 March 2024, 10:00 UTC
OVERVIEW_FIELDS = [
    "open_ticket_count",
    "unassigned_ticket_count",
    "urgent_ticket_count",
    "my_ticket_count",
    "sla_at_risk_ticket_count",
    "sla_failed_ticket_count",
    "oldest_open_age",
    "rating_recent_avg",
    "rating_recent_count",
    "created_recent_count",
    "resolved_recent_count",
    "activity_sparkline",
]


def march(day, hour, minute=0):
    return at(day - 4, hour, minute)


@tagged("post_install", "-at_install")
class TestTeamOverview(HelpdeskReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        for user in (cls.user_a, cls.user_a2, cls.user_b, cls.agent, cls.manager):
            user.tz = "UTC"
        cls.policy = cls.make_policy(name="Resolution 40h", target_hours=40.0, team_ids=[(6, 0, cls.team_a.ids)])

    def rate(self, ticket, value, when):
        self.move(ticket, self.stage_closed, when)
        with freeze_time(when):
            ticket.rating_apply(value, token=ticket._rating_get_access_token(self.contact))

    def set_sla(self, ticket, status):
        """The SLA watcher's verdict on the ticket's running line (its own tests prove when)."""
        ticket.sla_ids.write({"status": status})

    def make_desk(self):
        """Team A: four open tickets, two resolved this week and rated, one rated long ago;
        team B: one open ticket."""
        t = {
            # open: P1, Ana's, SLA at risk
            "t1": self.create_at(march(13, 9), priority="1", user_id=self.user_a.id),
            # open: P4, unassigned
            "t2": self.create_at(march(12, 9), priority="4"),
            # open: P2, Alex's, SLA failed; Friday 15:00, 2 business days old
            "t3": self.create_at(march(8, 15), priority="2", user_id=self.user_a2.id),
            # pending, P3, unassigned; Monday 4 March: 6 business days old (the oldest)
            "t4": self.create_at(march(4, 9), priority="3"),
            # closed today, rated 5
            "r1": self.create_at(march(12, 10), priority="3", partner_id=self.contact.id),
            # created before the window, closed Thursday 7 March, rated 4
            "r2": self.create_at(march(5, 9), priority="3", partner_id=self.contact.id),
            # closed and rated 1 on 3 February: outside the 30 days
            "old": self.create_at(at(-31, 9), priority="3", partner_id=self.contact.id),
            # team B
            "b1": self.create_at(march(13, 8), priority="1", team_id=self.team_b.id, user_id=self.user_b.id),
        }
        self.move(t["t4"], self.stage_pending, march(5, 9))
        self.rate(t["r1"], 5, march(13, 9))
        self.rate(t["r2"], 4, march(7, 11))
        self.rate(t["old"], 1, at(-30, 9))
        self.set_sla(t["t1"], "at_risk")
        self.set_sla(t["t3"], "failed")
        self.env.flush_all()
        return t

    def card(self, team, user):
        with freeze_time(NOW):
            record = team.with_user(user)
            return dict(zip(OVERVIEW_FIELDS, (record[fname] for fname in OVERVIEW_FIELDS), strict=True))

    def test_card_figures(self):
        self.make_desk()
        card = self.card(self.team_a, self.user_a)
        sparkline = card.pop("activity_sparkline")
        self.assertEqual(
            card,
            {
                "open_ticket_count": 4,
                "unassigned_ticket_count": 2,
                "urgent_ticket_count": 2,
                "my_ticket_count": 1,
                "sla_at_risk_ticket_count": 1,
                "sla_failed_ticket_count": 1,
                "oldest_open_age": 6,
                "rating_recent_avg": 4.5,
                "rating_recent_count": 2,
                # 7 to 13 March: t3 (8th), t2 and r1 (12th), t1 (13th)
                "created_recent_count": 4,
                # r2 (7th), r1 (13th)
                "resolved_recent_count": 2,
            },
        )
        # Per day, 7 to 13 March: created 0 1 0 0 0 2 1, resolved 1 0 0 0 0 0 1 (a tooltip says so).
        self.assertIn("<svg", sparkline)
        self.assertIn("Thu 07: 0 created, 1 resolved", sparkline)
        self.assertIn("Tue 12: 2 created, 0 resolved", sparkline)
        self.assertIn("Wed 13: 1 created, 1 resolved", sparkline)
        self.assertEqual(self.card(self.team_b, self.agent)["open_ticket_count"], 1, "each team its own figures")

    def test_card_figures_open_their_tickets(self):
        t = self.make_desk()
        Ticket = self.env["helpdesk.ticket"]
        team = self.team_a.with_user(self.user_a)

        def tickets(ticket_filter=None, figure=None):
            with freeze_time(NOW):
                if figure:
                    action = team.with_context(overview_figure=figure).action_open_overview_figure()
                    return Ticket.with_user(self.user_a).search(action["domain"])
                action = team.with_context(ticket_filter=ticket_filter).action_view_tickets()
                self.assertEqual(action["context"].get(f"search_default_filter_{ticket_filter}"), 1)
                filters = {"sla_at_risk": [("sla_status", "=", "at_risk")], "sla_failed": [("sla_failed", "=", True)]}
                return Ticket.search(
                    [("team_id", "=", self.team_a.id), ("state", "in", ["new", "in_progress", "pending"])]
                    + filters[ticket_filter]
                )

        self.assertEqual(tickets("sla_at_risk"), t["t1"])
        self.assertEqual(tickets("sla_failed"), t["t3"])
        self.assertEqual(tickets(figure="oldest"), t["t4"])
        self.assertEqual(tickets(figure="rating"), t["r1"] | t["r2"])
        self.assertEqual(tickets(figure="created"), t["t1"] | t["t2"] | t["t3"] | t["r1"])
        self.assertEqual(tickets(figure="resolved"), t["r1"] | t["r2"])
        with self.assertRaisesRegex(ValueError, "Unknown overview figure"):
            team.with_context(overview_figure="payroll").action_open_overview_figure()

    def test_user_of_another_team_sees_no_figures(self):
        """Bea works in team B: team A's card shows her nothing of team A (the figures are
        read through the record rules of tickets and reports), her own team's card its ticket."""
        self.make_desk()
        card = self.card(self.team_a, self.user_b)
        card.pop("activity_sparkline")
        self.assertEqual(set(card.values()), {0}, card)
        self.assertEqual(self.card(self.team_b, self.user_b)["open_ticket_count"], 1)
        # An agent sees every team; Ana (team A) sees her team.
        self.assertEqual(self.card(self.team_a, self.agent)["open_ticket_count"], 4)
        self.assertEqual(self.card(self.team_a, self.user_a)["rating_recent_count"], 2)
        # Through the drill-down too: Bea gets none of team A's tickets.
        with freeze_time(NOW):
            action = (
                self.team_a.with_user(self.user_b).with_context(overview_figure="created").action_open_overview_figure()
            )
        self.assertFalse(self.env["helpdesk.ticket"].with_user(self.user_b).search(action["domain"]))

    def test_card_queries_do_not_grow_with_teams(self):
        """Every figure of every card in a bounded number of queries: one grouped query per
        source (tickets, backlog, satisfaction, activity; the backlog query without JIT: one SET), whatever
        the number of teams."""
        self.make_desk()
        teams = (
            self.team_a
            | self.team_b
            | self.env["helpdesk.team"].create(
                [{"name": f"Team {i}", "member_ids": [(6, 0, self.user_a.ids)]} for i in range(4)]
            )
        )
        for team in teams[2:]:
            self.create_at(march(12, 9), team_id=team.id, priority="2")
        self.env.flush_all()

        def read_cards(records):
            records.fetch(["name"])
            for fname in OVERVIEW_FIELDS:
                records.mapped(fname)

        for users_teams in (teams[:2], teams):
            for user in (self.agent, self.user_a):
                records = users_teams.with_user(user)
                with freeze_time(NOW):
                    read_cards(records)  # warm the caches of access rules, as a running server has them
                    self.env.invalidate_all()
                    with self.subTest(teams=len(records), user=user.login), self.assertQueryCount(6):
                        read_cards(records)

    def test_my_performance(self):
        """Ana's tickets: p1 answered after 0.5 business hours, p2 after 2, p3 (Friday 15:00,
        answered Tuesday 10:00, Monday a holiday) after 3: median 2 this week (from Monday 11
        March); p4 was answered last week; p5 is Alex's."""
        p = {
            "p1": self.create_at(march(13, 9), user_id=self.user_a.id),
            "p2": self.create_at(march(12, 9), user_id=self.user_a.id),
            "p3": self.create_at(march(8, 15), user_id=self.user_a.id),
            "p4": self.create_at(march(6, 9), user_id=self.user_a.id),
            "p5": self.create_at(march(13, 8), user_id=self.user_a2.id),
        }
        self.reply(p["p1"], march(13, 9, 30), user=self.user_a)
        self.reply(p["p2"], march(12, 11), user=self.user_a)
        self.reply(p["p3"], march(12, 10), user=self.user_a)
        self.reply(p["p4"], march(7, 9), user=self.user_a)
        self.reply(p["p5"], march(13, 9, 15), user=self.user_a)
        self.move(p["p4"], self.stage_resolved, march(7, 10))
        self.set_sla(p["p1"], "at_risk")
        self.set_sla(p["p5"], "at_risk")
        self.env.flush_all()
        self.assertEqual(
            [p[key].kpi_first_response_business_hours for key in ("p1", "p2", "p3", "p4")], [0.5, 2.0, 3.0, 8.0]
        )
        with freeze_time(NOW):
            figures = self.env["helpdesk.team"].with_user(self.user_a).get_my_performance()
            action = self.env["helpdesk.team"].with_user(self.user_a).action_my_tickets(at_risk=True)
        self.assertEqual(
            figures,
            {"open": 3, "at_risk": 1, "first_response_median": 2.0, "answered": 3, "week_start": "2024-03-11"},
        )
        self.assertEqual(action["context"]["search_default_filter_sla_at_risk"], 1)
        self.assertEqual(action["context"]["search_default_filter_my"], 1)
        # Nobody answered yet this week: no median (not 0).
        with freeze_time(march(18, 10)):
            figures = self.env["helpdesk.team"].with_user(self.user_a2).get_my_performance()
        self.assertEqual((figures["first_response_median"], figures["answered"]), (None, 0))
