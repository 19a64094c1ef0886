"""SLA Analysis (one row per SLA line) and SLA attainment per period against hand-computed
values: a weekend and a holiday inside an SLA window, a pause, cancelled lines apart, at risk
now, a month that ends while a line is still running, periods in the team calendar's time
zone, results that never change once final."""

from odoo.fields import Command, Domain
from odoo.tests import freeze_time, tagged

from .common_report import ATTAINMENT_CRON, HelpdeskReportCommon, at
from .common_sla import office_hours

ANALYSIS = "helpdesk.sla.analysis"
ATTAINMENT = "helpdesk.sla.attainment"
COMPLIANCE = [
    "__count",
    "reached_count:sum",
    "failed_count:sum",
    "cancelled_count:sum",
    "running_count:sum",
    "at_risk_count:sum",
    "compliance_rate:avg",
]


def march(day, hour, minute=0):
    """Naive UTC datetime in March 2024 (day 32 is 1 April)."""
    return at(day - 4, hour, minute)


@tagged("post_install", "-at_install")
class TestReportSla(HelpdeskReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.resolution = cls.make_policy(name="Resolution 8h", target_hours=8, team_ids=[Command.set(cls.team_a.ids)])
        cls.gina = cls.env["res.partner"].create({"name": "Gina Globex", "parent_id": cls.globex.id})

    def line(self, ticket, metric="resolution"):
        return ticket.sla_ids.filtered(lambda line: line.metric == metric).sorted("id")[-1:]

    def test_weekend_holiday_and_pause_in_the_window(self):
        """Created Friday 8 March 15:00 with 8 business hours: Friday 15-17, the weekend and
        Monday's holiday skipped, Tuesday 9-15: due Tuesday 12 March 15:00. Paused Tuesday
        10:00 (3 hours used) to Wednesday 9:00 (23 hours), due Wednesday 14:00, resolved at
        12:00: reached after 6 business hours."""
        ticket = self.create_at(march(8, 15), partner_id=self.contact.id)
        self.assertEqual(self.line(ticket).deadline, march(12, 15))
        self.move(ticket, self.stage_pending, march(12, 10))
        self.move(ticket, self.stage_progress, march(13, 9))
        self.move(ticket, self.stage_resolved, march(13, 12))
        line = self.line(ticket)
        row = self.env[ANALYSIS].browse(line.id)
        self.assertEqual(
            (row.status, row.deadline, row.period_date, row.period_tz, row.used_hours, row.paused_hours),
            ("reached", march(13, 14), march(13, 14), "UTC", 6.0, 23.0),
        )
        self.assertEqual((row.reached_count, row.failed_count, row.compliance_rate), (1, 0, 100.0))

    def test_one_row_per_line_and_compliance(self):
        """Two policies on one ticket give two rows with their own ids; compliance counts
        reached and failed lines only, cancelled lines apart, running lines not at all."""
        first_response = self.make_policy(
            name="First response 2h", metric="first_response", target_hours=2, team_ids=[Command.set(self.team_a.ids)]
        )
        reached = self.create_at(march(4, 9), partner_id=self.contact.id)
        self.reply(reached, march(4, 10))
        self.move(reached, self.stage_resolved, march(4, 12))
        failed = self.create_at(march(4, 9), partner_id=self.contact.id)
        self.move(failed, self.stage_resolved, march(5, 12))  # 8 + 3 hours: late
        cancelled = self.create_at(march(4, 9), partner_id=self.contact.id)
        self.cancel(cancelled, march(4, 10))
        running = self.create_at(march(5, 9), partner_id=self.contact.id)
        tickets = reached | failed | cancelled | running
        rows = self.env[ANALYSIS].search([("ticket_id", "in", tickets.ids)])
        self.assertEqual(sorted(rows.ids), sorted(tickets.sla_ids.ids), "a row's id is its line's")
        self.assertEqual(len(rows.filtered(lambda row: row.ticket_id == reached)), 2)
        # Tuesday 12:30: the watcher marks the first response of the running ticket (due at
        # 11:00) failed; its resolution (due 17:00, at risk from 15:00) runs on.
        self.run_cron(when=march(5, 12, 30))
        figures = self.grouped(ANALYSIS, [("ticket_id", "in", tickets.ids)], ["policy_id"], COMPLIANCE)
        # Resolution: reached, failed, cancelled, running. First response: reached (the
        # reply), failed (no reply before the resolution on Tuesday), cancelled, failed.
        self.assertEqual(
            [figures[self.resolution.id][spec] for spec in COMPLIANCE],
            [4, 1, 1, 1, 1, 0, 50.0],
        )
        self.assertEqual([figures[first_response.id][spec] for spec in COMPLIANCE], [4, 1, 2, 1, 0, 0, 100 / 3])
        self.assertEqual([figures[None][spec] for spec in COMPLIANCE], [8, 2, 3, 2, 1, 0, 40.0])
        # At risk now: a line past 75 % of its target, not yet failed.
        at_risk = self.create_at(march(6, 9), partner_id=self.contact.id)
        self.run_cron(when=march(6, 15, 30))
        row = self.env[ANALYSIS].browse(self.line(at_risk).id)
        self.assertEqual((row.status, row.at_risk_count, row.running_count), ("at_risk", 1, 1))

    def test_drill_down_to_the_tickets(self):
        late = self.create_at(march(4, 9), partner_id=self.contact.id)
        self.move(late, self.stage_resolved, march(5, 12))
        on_time = self.create_at(march(4, 9), partner_id=self.contact.id)
        self.move(on_time, self.stage_resolved, march(4, 12))
        cell = [("policy_id", "=", self.resolution.id), ("status", "=", "failed"), ("priority", "=", late.priority)]
        action = self.env[ANALYSIS].action_open_tickets(cell)
        self.assertEqual(action["res_model"], "helpdesk.ticket")
        self.assertEqual(self.env["helpdesk.ticket"].search(action["domain"]), late)
        self.assertEqual(
            self.env["helpdesk.ticket"].search(self.env[ANALYSIS].action_open_tickets([])["domain"]) & (late | on_time),
            late | on_time,
        )

    # ------------------------------------------------------------------
    # Attainment
    # ------------------------------------------------------------------

    def results(self, policy=None, partner=None, period_type="month"):
        domain = Domain("policy_id", "=", (policy or self.resolution).id) & Domain("period_type", "=", period_type)
        if partner is not None:
            domain &= Domain("partner_id", "=", partner.id or False)
        return {row.period_name: row for row in self.env[ATTAINMENT].search(domain)}

    def figures(self, row):
        return (
            row.line_count,
            row.reached_count,
            row.failed_count,
            row.cancelled_count,
            row.running_count,
            round(row.attainment_percent, 2),
            row.target_percent,
            row.attained,
            row.state,
        )

    def test_attainment_month_that_ends_while_a_line_runs(self):
        """Policy "Resolution 8h" of team A (UTC), customer Acme, March 2024:
        - 13 March: reached after a weekend, a holiday and a pause (deadline 13 March);
        - 26 March: cancelled within the hour (deadline that day): counted apart;
        - 27 March: resolved in 3 hours: reached;
        - 28 March 9:00: due 17:00, still running when March ends: failed;
        - 29 March 15:00: due Monday 1 April 15:00 (Friday 15-17, Monday 9-15), still running
          when March ends: it counts in April, where it is reached on 1 April at 10:00.
        Globex: one line reached in March."""
        w1 = self.create_at(march(8, 15), partner_id=self.contact.id)
        self.move(w1, self.stage_pending, march(12, 10))
        self.move(w1, self.stage_progress, march(13, 9))
        self.move(w1, self.stage_resolved, march(13, 12))
        l4 = self.create_at(march(26, 9), partner_id=self.contact.id)
        self.cancel(l4, march(26, 10))
        l3 = self.create_at(march(27, 9), partner_id=self.contact.id)
        self.move(l3, self.stage_resolved, march(27, 12))
        g1 = self.create_at(march(27, 9), partner_id=self.gina.id)
        self.move(g1, self.stage_resolved, march(27, 10))
        l1 = self.create_at(march(28, 9), partner_id=self.contact.id)
        l2 = self.create_at(march(29, 15), partner_id=self.contact.id)
        self.assertEqual(self.line(l2).deadline, march(32, 15))

        # Saturday 30 March: the first run goes through the whole history.
        self.run_attainment_cron(march(30, 12))
        acme = self.results(partner=self.customer)
        self.assertEqual(sorted(acme), ["2024-03", "2024-04"])
        self.assertEqual(self.figures(acme["2024-03"]), (4, 2, 1, 1, 0, 66.67, 95.0, False, "open"))
        self.assertEqual(self.figures(acme["2024-04"]), (1, 0, 0, 0, 1, 0.0, 95.0, False, "open"))
        self.assertEqual(
            (acme["2024-03"].date_from, acme["2024-03"].date_to, acme["2024-03"].tz),
            (march(1, 0), march(32, 0), "UTC"),
        )
        self.assertEqual(
            self.figures(self.results(partner=self.globex)["2024-03"]), (1, 1, 0, 0, 0, 100.0, 95.0, True, "open")
        )
        weeks = self.results(partner=self.customer, period_type="week")
        self.assertEqual(sorted(weeks), ["2024-W11", "2024-W13", "2024-W14"])
        self.assertEqual(weeks["2024-W11"].state, "final", "a week that ended more than a day ago is final at once")
        self.assertEqual(self.figures(weeks["2024-W13"]), (3, 1, 1, 1, 0, 50.0, 95.0, False, "open"))

        # Monday 1 April: the line running over the month's end is reached at 10:00, the late
        # one resolved at 10:30 (still failed).
        self.move(l2, self.stage_resolved, march(32, 10))
        self.move(l1, self.stage_resolved, march(32, 10, 30))
        self.run_attainment_cron(march(32, 12))
        acme = self.results(partner=self.customer)
        self.assertEqual(self.figures(acme["2024-03"]), (4, 2, 1, 1, 0, 66.67, 95.0, False, "open"))
        self.assertEqual(self.figures(acme["2024-04"]), (1, 1, 0, 0, 0, 100.0, 95.0, True, "open"))

        # Tuesday 2 April 1:00: March ended more than a day ago, its results are final.
        self.run_attainment_cron(march(33, 1))
        march_result = self.results(partner=self.customer)["2024-03"]
        self.assertEqual(march_result.state, "final")
        self.assertEqual(self.results(partner=self.customer, period_type="week")["2024-W13"].state, "final")
        computed = march_result.computed_date

        # Later changes never reach a final period: a lower target, a line edited by hand.
        self.resolution.attainment_target = 50
        self.line(l3).sudo().status = "failed"
        self.run_attainment_cron(march(34, 9))
        acme = self.results(partner=self.customer)
        self.assertEqual(self.figures(acme["2024-03"]), (4, 2, 1, 1, 0, 66.67, 95.0, False, "final"))
        self.assertEqual(acme["2024-03"].computed_date, computed)
        self.assertEqual(self.figures(acme["2024-04"]), (1, 1, 0, 0, 0, 100.0, 50.0, True, "open"))

        # A result opens the lines it counts.
        action = acme["2024-03"].action_open_lines()
        lines = self.env[ANALYSIS].search(action["domain"])
        self.assertEqual(lines.line_id, (w1 | l4 | l3 | l1).sla_ids.filtered(lambda line: line.metric == "resolution"))
        # The pivot's cells open the tickets.
        tickets = self.env["helpdesk.ticket"].search(
            self.env[ATTAINMENT].action_open_tickets([("id", "=", acme["2024-04"].id)])["domain"]
        )
        self.assertEqual(tickets, l2)
        # The percentage of several results is the share of all their lines, not an average.
        [(percent,)] = self.env[ATTAINMENT]._read_group(
            [("policy_id", "=", self.resolution.id), ("period_type", "=", "month")], [], ["attainment_percent:ratio"]
        )
        self.assertAlmostEqual(percent, 100 * 4 / 5)

    def test_attainment_in_the_team_calendar_time_zone(self):
        """A team working 24×7 in Tokyo: a line due on Sunday 31 March 15:30 UTC is due on
        1 April 00:30 in Tokyo, so it counts in Tokyo's April, not in March."""
        tokyo = self.env["resource.calendar"].create(
            {"name": "24×7 Tokyo", "tz": "Asia/Tokyo", "attendance_ids": office_hours(0.0, 24.0, range(7))}
        )
        team = self.env["helpdesk.team"].create(
            {"name": "NOC Tokyo", "resource_calendar_id": tokyo.id, "closure_confirmation": False}
        )
        policy = self.make_policy(name="Resolution 1h", target_hours=1, team_ids=[Command.set(team.ids)])
        ticket = self.create_at(march(31, 14, 30), team_id=team.id)
        self.assertEqual(self.line(ticket).deadline, march(31, 15, 30))
        self.run_attainment_cron(march(32, 12))
        results = self.results(policy=policy, partner=self.env["res.partner"])
        self.assertEqual(sorted(results), ["2024-04"])
        april = results["2024-04"]
        self.assertEqual((april.tz, april.date_from, april.date_to), ("Asia/Tokyo", march(31, 15), march(61, 15)))
        self.assertEqual(self.figures(april), (1, 0, 1, 0, 0, 0.0, 95.0, False, "open"))

    def test_attainment_cron_in_batches(self):
        """The scheduled action of its own, on its model, committing per batch of policies."""
        cron = self.env.ref(ATTAINMENT_CRON)
        self.assertEqual(cron.model_id.model, ATTAINMENT)
        other = self.make_policy(name="Other 8h", target_hours=8, team_ids=[Command.set(self.team_b.ids)])
        mine = self.create_at(march(27, 9), partner_id=self.contact.id)
        theirs = self.create_at(march(27, 9), partner_id=self.contact.id, team_id=self.team_b.id)
        self.move(mine | theirs, self.stage_resolved, march(27, 12))
        batched = cron.copy({"name": "Test: batches of one", "code": "model._cron_compute(batch_size=1)"})
        with freeze_time(march(30, 12)), self.enter_registry_test_mode():
            batched.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(self.figures(self.results(partner=self.customer)["2024-03"])[:2], (1, 1))
        self.assertEqual(self.figures(self.results(policy=other, partner=self.customer)["2024-03"])[:2], (1, 1))
