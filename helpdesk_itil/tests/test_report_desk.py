"""Backlog, workload, created vs resolved, agents' replies, satisfaction, escalations and
monitoring uptime against hand-computed values."""

from odoo.tests import freeze_time, tagged

from .common_report import HelpdeskReportCommon, at

BACKLOG = "helpdesk.ticket.backlog"
ACTIVITY = "helpdesk.ticket.activity"
RATING = "helpdesk.rating.analysis"
UPTIME = "helpdesk.uptime.analysis"


def march(day, hour, minute=0):
    """Naive UTC datetime in March 2024 (day 32 is 1 April)."""
    return at(day - 4, hour, minute)


@tagged("post_install", "-at_install")
class TestReportDesk(HelpdeskReportCommon):
    # ------------------------------------------------------------------
    # Backlog and workload
    # ------------------------------------------------------------------

    def test_backlog_age_in_business_days(self):
        """Wednesday 13 March 2024, 10:00. Team A works Monday to Friday (UTC), team B too
        (Madrid); Monday 11 March is a public holiday. The age counts the working days after
        the creation day, up to today."""
        tickets = {
            # created today: 0
            "k1": self.create_at(march(13, 9), priority="1", user_id=self.user_a.id),
            # Tuesday: Wednesday = 1
            "k2": self.create_at(march(12, 9), priority="4", user_id=self.user_a.id),
            # Friday 15:00: Saturday, Sunday and Monday's holiday do not count; Tuesday, Wednesday = 2
            "k3": self.create_at(march(8, 15), priority="2", user_id=self.user_a2.id),
            # Monday 4 March: Tuesday to Friday, Tuesday, Wednesday = 6 (pending counts as open)
            "k4": self.create_at(march(4, 9), priority="3"),
            # Monday 12 February: 4 + 5 + 4 days of February, 1 + 5 + 2 of March = 21
            "k5": self.create_at(at(-21, 9), priority="3"),
            # Monday 1 January: 22 days of January, 21 of February, 8 of March = 51
            "k6": self.create_at(at(-63, 9), priority="3"),
            # No team, no working hours anywhere: calendar days, Saturday 9 March to the 13th = 4
            "k7": self.create_at(march(9, 10), priority="3", team_id=False),
            # Team B, Friday 16:00 in Madrid: Tuesday, Wednesday = 2
            "k8": self.create_at(march(8, 15), priority="2", team_id=self.team_b.id, user_id=self.user_b.id),
        }
        self.move(tickets["k4"], self.stage_pending, march(5, 9))
        resolved = self.create_at(march(4, 9), user_id=self.user_a.id)
        self.move(resolved, self.stage_resolved, march(4, 10))
        ids = [ticket.id for ticket in tickets.values()] + [resolved.id]
        domain = [("ticket_id", "in", ids)]
        with freeze_time(march(13, 10)):
            rows = self.env[BACKLOG].search(domain)
            self.assertEqual(
                {row.ticket_id: (row.age_business_days, row.age_bucket) for row in rows},
                {
                    tickets["k1"]: (0, "0_1"),
                    tickets["k2"]: (1, "1_3"),
                    tickets["k3"]: (2, "1_3"),
                    tickets["k4"]: (6, "3_7"),
                    tickets["k5"]: (21, "7_30"),
                    tickets["k6"]: (51, "30"),
                    tickets["k7"]: (4, "3_7"),
                    tickets["k8"]: (2, "1_3"),
                },
                "resolved tickets are not in the backlog",
            )
            self.assertAlmostEqual(rows.browse(tickets["k6"].id).age_days, 72 + 1 / 24)
        buckets = self.grouped(BACKLOG, domain, ["age_bucket"], ["__count"], now=march(13, 10))
        self.assertEqual(
            {bucket: values["__count"] for bucket, values in buckets.items()},
            {"0_1": 1, "1_3": 3, "3_7": 2, "7_30": 1, "30": 1, None: 8},
        )
        oldest = self.grouped(
            BACKLOG, domain, ["team_id"], ["age_business_days_max:max", "age_days_max:max"], now=march(13, 10)
        )
        self.assertEqual(oldest[self.team_a.id]["age_business_days_max:max"], 51)
        self.assertEqual(oldest[self.team_b.id]["age_business_days_max:max"], 2)
        self.assertEqual(oldest[False]["age_business_days_max:max"], 4)
        self.assertAlmostEqual(oldest[None]["age_days_max:max"], 72 + 1 / 24)

        # Workload: open tickets per agent, P1 = 4, P2 = 3, P3 = 2, P4 = 1.
        load = self.grouped(BACKLOG, domain, ["user_id"], ["__count", "priority_weight:sum"], now=march(13, 10))
        self.assertEqual(
            {user: (values["__count"], values["priority_weight:sum"]) for user, values in load.items()},
            {
                self.user_a.id: (2, 5),
                self.user_a2.id: (1, 3),
                self.user_b.id: (1, 3),
                False: (4, 8),
                None: (8, 19),
            },
        )
        # A cell opens its tickets (the same ones).
        with freeze_time(march(13, 10)):
            action = self.env[BACKLOG].action_open_tickets(domain + [("age_bucket", "=", "1_3")])
        self.assertEqual(
            self.env["helpdesk.ticket"].search(action["domain"]), tickets["k2"] | tickets["k3"] | tickets["k8"]
        )

    # ------------------------------------------------------------------
    # Created vs resolved, agents' replies
    # ------------------------------------------------------------------

    def test_created_resolved_and_replies(self):
        self.team_a.send_acknowledgement = True
        e1 = self.create_at(march(4, 9), channel="email", partner_id=self.contact.id)
        self.assertTrue(e1.message_ids.filtered(lambda m: m.message_type == "auto_comment"), "acknowledged")
        self.reply(e1, march(4, 10), user=self.user_a)
        with freeze_time(march(4, 11)):
            e1.with_user(self.user_a).message_post(body="Note", message_type="comment", subtype_xmlid="mail.mt_note")
        with freeze_time(march(4, 12)):
            e1.message_post(
                body="Thanks", message_type="email", subtype_xmlid="mail.mt_comment", author_id=self.contact.id
            )
        self.reply(e1, march(5, 10), user=self.user_a)
        self.move(e1, self.stage_resolved, march(5, 12))
        e2 = self.create_at(march(8, 9))
        self.reply(e2, march(8, 9))  # within the same second
        self.move(e2, self.stage_resolved, march(12, 10))
        self.move(e2, self.stage_progress, march(12, 11))
        self.move(e2, self.stage_resolved, march(13, 10))
        e3 = self.create_at(march(12, 9))
        domain = [("ticket_id", "in", (e1 | e2 | e3).ids)]
        Activity = self.env[ACTIVITY]
        flow = Activity._read_group(domain, ["date:day", "kind"], ["__count"])
        self.assertEqual(
            {(day.day, kind): count for day, kind, count in flow if kind != "reply"},
            {(4, "created"): 1, (8, "created"): 1, (12, "created"): 1, (5, "resolved"): 1, (12, "resolved"): 1},
            "a ticket counts once as resolved, at its first resolution",
        )
        weeks = Activity._read_group(
            domain + [("kind", "in", ["created", "resolved"])],
            ["date:week"],
            ["created_count:sum", "resolved_count:sum"],
        )
        self.assertEqual([(created, resolved) for _week, created, resolved in weeks], [(2, 1), (1, 1)])
        replies = Activity._read_group(
            domain + [("kind", "=", "reply")], ["author_id", "date:day"], ["reply_count:sum"]
        )
        self.assertEqual(
            {(author, day.day): count for author, day, count in replies},
            {(self.user_a, 4): 1, (self.user_a, 5): 1, (self.agent, 8): 1},
            "public agent replies only: not the acknowledgement, a note or the customer's message",
        )
        rows = Activity.search(domain)
        self.assertEqual(len(set(rows.ids)), len(rows))
        self.assertEqual(sum(rows.mapped("reply_count")), e1.kpi_reply_count + e2.kpi_reply_count)

    # ------------------------------------------------------------------
    # Satisfaction
    # ------------------------------------------------------------------

    def test_satisfaction(self):
        """Four rating requests: 5, 3 and 1 received, one unanswered: average 3, a third each
        happy, neutral and unhappy, response rate 75 %."""
        tickets = self.env["helpdesk.ticket"]
        for rate in (5, 3, 1, None):
            ticket = self.create_at(march(4, 9), partner_id=self.contact.id, user_id=self.user_a.id)
            self.move(ticket, self.stage_closed, march(4, 10))
            token = ticket._rating_get_access_token(self.contact)
            if rate:
                ticket.rating_apply(rate, token=token)
            tickets |= ticket
        specs = [
            "rating:avg",
            "happy_rate:avg",
            "neutral_rate:avg",
            "unhappy_rate:avg",
            "response_rate:avg",
            "requested_count:sum",
            "received_count:sum",
        ]
        figures = self.grouped(RATING, [("ticket_id", "in", tickets.ids)], ["team_id"], specs)[None]
        self.assertEqual(
            [round(figures[spec], 6) for spec in specs], [3.0, 33.333333, 33.333333, 33.333333, 75.0, 4, 3]
        )

    # ------------------------------------------------------------------
    # Escalations per level and reason
    # ------------------------------------------------------------------

    def test_escalations_per_level_and_reason(self):
        ticket = self.create_at(march(4, 9))
        with freeze_time(march(4, 10)):
            ticket._escalate(1, "Customer is a VIP")
            ticket._escalate(2, "Needs the network team", team=self.team_b)
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_escalation_log_action_report")
        self.assertEqual(action["res_model"], "helpdesk.escalation.log")
        groups = self.env["helpdesk.escalation.log"]._read_group(
            [("ticket_id", "=", ticket.id)], ["level_to", "trigger"], ["__count"]
        )
        self.assertEqual(groups, [(1, "manual", 1), (2, "manual", 1)])
        row = self.env["helpdesk.ticket.analysis"].browse(ticket.id)
        self.assertEqual((row.kpi_escalation_count, row.escalation_rate, row.escalation_level), (2, 100.0, 2))

    # ------------------------------------------------------------------
    # Monitoring uptime
    # ------------------------------------------------------------------

    def alert(self, source, fired, recovered=None, cancelled=False):
        ticket = self.create_at(
            fired,
            name=f"Alert {fired}",
            channel="alert",
            alert_source_id=source.id,
            alert_fingerprint=f"{source.id}-{fired}",
            team_id=source.team_id.id,
            partner_id=source.partner_id.id,
        )
        if recovered:
            self.move(ticket, self.stage_resolved, recovered)
        if cancelled:
            self.cancel(ticket, fired)
        return ticket

    def test_uptime_per_customer_and_source(self):
        """March 2024 (744 hours), sources set up on 1 March, read on 1 April 00:00.
        Acme's Prometheus: alerts 10:00-12:00 and 11:00-14:00 on 4 March (4 hours down, once).
        Acme's Grafana: 11:30-12:30 on 4 March, and one firing since 31 March 20:00 (5 hours).
        Acme: 10:00-14:00 on 4 March and 4 hours on 31 March = 8 hours.
        Backup checks (no customer): 30 minutes; a cancelled alert (false alarm) does not count.
        Globex has no monitoring source: no uptime at all (not 100 %)."""
        Source = self.env["helpdesk.alert.source"]
        with freeze_time(march(1, 0)):
            prometheus, grafana, backup = Source.create(
                [
                    {"name": "Prometheus", "team_id": self.team_a.id, "partner_id": self.customer.id},
                    {"name": "Grafana", "team_id": self.team_b.id, "partner_id": self.customer.id},
                    {"name": "Backup checks", "team_id": self.team_a.id},
                ]
            )
        tickets = (
            self.alert(prometheus, march(4, 10), march(4, 12))
            | self.alert(prometheus, march(4, 11), march(4, 14))
            | self.alert(grafana, march(4, 11, 30), march(4, 12, 30))
            | self.alert(grafana, march(31, 20))
        )
        backup_ticket = self.alert(backup, march(5, 10), march(5, 10, 30))
        self.alert(backup, march(6, 10), cancelled=True)
        self.create_at(march(4, 9), partner_id=self.globex.id)
        specs = [
            "down_hours:sum",
            "uptime_percent:ratio",
            "incident_count:sum",
            "mttr_hours:ratio",
        ]
        sources = prometheus | grafana | backup
        mine = ["|", ("alert_source_id", "in", sources.ids), ("partner_id", "in", (self.customer | self.globex).ids)]
        with freeze_time(march(32, 0)):
            rows = self.env[UPTIME].search(mine)
            self.assertEqual({row.month.month for row in rows}, {3}, "April has not begun yet")
            self.assertNotIn(self.globex, rows.partner_id)
            self.assertEqual(rows.filtered(lambda row: row.scope == "customer").partner_id, self.customer)
        by_source = self.grouped(
            UPTIME, [("alert_source_id", "in", sources.ids)], ["alert_source_id"], specs, now=march(32, 0)
        )
        by_customer = self.grouped(
            UPTIME,
            [("scope", "=", "customer"), ("partner_id", "=", self.customer.id)],
            ["partner_id"],
            specs,
            now=march(32, 0),
        )
        expected = {
            prometheus.id: [4.0, 100 * 740 / 744, 2, 2.5],
            grafana.id: [5.0, 100 * 739 / 744, 2, 1.0],
            backup.id: [0.5, 100 * 743.5 / 744, 1, 0.5],
        }
        for source_id, values in expected.items():
            with self.subTest(source=source_id):
                for spec, value in zip(specs, values, strict=True):
                    self.assertAlmostEqual(by_source[source_id][spec], value, places=6, msg=spec)
        # The total of several rows is their down time over their monitored time, not an average.
        self.assertAlmostEqual(by_source[None]["uptime_percent:ratio"], 100 * (3 * 744 - 9.5) / (3 * 744))
        for spec, value in zip(specs, [8.0, 100 * 736 / 744, 4, 2.0], strict=True):
            self.assertAlmostEqual(by_customer[self.customer.id][spec], value, places=6, msg=spec)
        # A cell opens the alert tickets of its month.
        with freeze_time(march(32, 0)):
            acme = self.env[UPTIME].action_open_tickets(
                [("scope", "=", "customer"), ("partner_id", "=", self.customer.id)]
            )
            backup_cell = self.env[UPTIME].action_open_tickets([("alert_source_id", "=", backup.id)])
        self.assertEqual(self.env["helpdesk.ticket"].search(acme["domain"]), tickets)
        self.assertEqual(self.env["helpdesk.ticket"].search(backup_cell["domain"]), backup_ticket)
