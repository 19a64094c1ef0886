from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .common import CommittedDataCase
from .common_sla import MONDAY, HelpdeskSlaCommon, office_hours


def at(day_offset, hour, minute=0):
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


@tagged("post_install", "-at_install")
class TestSlaWatcher(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.make_policy(name="Resolution 4h", target_hours=4, at_risk_percent=75)
        cls.cron = cls.env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch")
        with freeze_time(at(0, 9)):
            cls.ticket = cls.create_ticket()
        cls.sla = cls.ticket.sla_ids

    def run_watcher(self, when):
        self.run_cron(when=when)

    def logs(self, ticket=None):
        return self.env["helpdesk.escalation.log"].search([("ticket_id", "=", (ticket or self.ticket).id)])

    def test_at_risk_then_failed(self):
        self.assertEqual(self.sla.next_check_date, at(0, 12))
        self.run_watcher(at(0, 11, 59))
        self.assertEqual(self.sla.status, "ongoing")
        self.run_watcher(at(0, 12))
        self.assertEqual(self.sla.status, "at_risk")
        self.assertEqual(self.sla.next_check_date, at(0, 13))
        self.assertEqual(self.ticket.sla_status, "at_risk")
        self.assertFalse(self.ticket.sla_failed)
        self.run_watcher(
            at(
                0,
                13,
                0,
            )
            + timedelta(seconds=30)
        )
        self.assertEqual(self.sla.status, "failed")
        self.assertFalse(self.sla.next_check_date)
        self.assertFalse(self.sla.settled_date, "Failed but still open: resolving it later settles it once.")
        self.assertEqual(self.ticket.sla_status, "failed")
        self.assertTrue(self.ticket.sla_failed)
        # Resolved late: the line stays failed and is settled.
        with freeze_time(at(1, 10)):
            self.resolve(self.ticket)
        self.assertEqual(self.sla.status, "failed")
        self.assertEqual(self.sla.reached_date, at(1, 10))

    def test_watcher_reschedules_itself(self):
        self.run_watcher(at(0, 10))
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id), ("call_at", "=", at(0, 12))])
        self.assertTrue(trigger, "The cron asks to run again at the next at-risk date.")
        self.run_watcher(at(0, 10, 1))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id), ("call_at", ">", at(0, 10))]),
            1,
            "One trigger for the same next check.",
        )

    def test_closed_ticket_never_fails(self):
        with freeze_time(at(0, 12, 30)):
            self.resolve(self.ticket, self.stage_closed)
        self.assertEqual(self.sla.status, "reached")
        for when in (at(0, 13), at(3, 9)):
            self.run_watcher(when)
            self.assertEqual(self.sla.status, "reached")
        self.assertFalse(self.ticket.sla_failed)

    def test_paused_line_is_not_watched(self):
        with freeze_time(at(0, 10)):
            self.ticket.stage_id = self.stage_pending
        self.run_watcher(at(2, 16))
        self.assertEqual(self.sla.status, "paused")
        self.assertEqual(self.sla.used_hours, 1)

    def test_escalations_fire_once(self):
        Rule = self.env["helpdesk.escalation.rule"]
        share = Rule.create(
            {"name": "Half used", "trigger": "sla_share", "share_percent": 50, "level": 1, "policy_id": self.policy.id}
        )
        breach = Rule.create(
            {"name": "Breached 1h", "trigger": "sla_breach", "offset_hours": 1, "level": 2, "team_id": self.team_a.id}
        )
        Rule.create(
            {"name": "Other team", "trigger": "sla_share", "share_percent": 10, "level": 1, "team_id": self.team_b.id}
        )
        # Rules created after the line: the next watcher pass or stage move plans them.
        self.sla._compute_escalation_dates()
        self.assertEqual(self.sla.escalation_date, at(0, 11))
        self.assertEqual(self.sla.next_check_date, at(0, 11))

        self.run_watcher(at(0, 11))
        self.assertEqual(self.logs().rule_id, share)
        self.assertEqual(self.ticket.escalation_level, 1)
        # Next: the breach rule, 1 business hour after the 13:00 deadline.
        self.assertEqual(self.sla.escalation_date, at(0, 14))
        self.assertEqual(self.sla.next_check_date, at(0, 12))
        self.run_watcher(at(0, 11, 0) + timedelta(seconds=20))
        self.assertEqual(len(self.logs()), 1, "Running again fires nothing again.")
        self.run_watcher(at(0, 13))
        self.assertEqual(self.sla.status, "failed")
        self.assertEqual(len(self.logs()), 1)
        self.assertEqual(self.sla.next_check_date, at(0, 14))
        self.run_watcher(at(0, 14))
        self.assertEqual(self.logs().rule_id, share | breach)
        self.assertEqual(self.ticket.escalation_level, 2)
        self.assertFalse(self.sla.escalation_date)
        self.assertFalse(self.sla.next_check_date)
        self.run_watcher(at(1, 14))
        self.assertEqual(len(self.logs()), 2)

    def test_breach_offset_counts_business_hours(self):
        self.env["helpdesk.escalation.rule"].create(
            {"name": "Breached 2h", "trigger": "sla_breach", "offset_hours": 2, "level": 1}
        )
        with freeze_time(at(0, 15)):
            ticket = self.create_ticket()
        line = ticket.sla_ids
        # Deadline Tuesday 11:00; two business hours later: Tuesday 13:00.
        self.assertEqual(line.deadline, at(1, 11))
        self.assertEqual(line.escalation_date, at(1, 13))

    def test_every_ticket_timer_runs_from_the_same_cron(self):
        calls = []
        Ticket = type(self.env["helpdesk.ticket"])
        timers = (
            "_timer_sla_watch",
            "_timer_no_response",
            "_timer_pending_auto_resolve",
            "_timer_pending_reminder",
            "_timer_close_unconfirmed",
            "_timer_close_recovered_alerts",
        )
        for name in timers:
            self.patch(Ticket, name, lambda model, now, name=name: calls.append((name, now)) or True)
        self.run_watcher(at(0, 10))
        self.assertEqual(calls, [(name, at(0, 10)) for name in timers])

    def test_watch_batches(self):
        with freeze_time(at(0, 9)):
            tickets = self.env["helpdesk.ticket"].create(
                [{"name": f"T{i}", "team_id": self.team_a.id} for i in range(4)]
            )
        self.run_cron("model._timer_sla_watch(batch_size=3)", when=at(0, 12))
        self.assertEqual(set((tickets | self.ticket).sla_ids.mapped("status")), {"at_risk"})
        progress = self.env["ir.cron.progress"].search([("cron_id.code", "like", "batch_size=3")])
        self.assertEqual(progress.done, 5, "5 tickets, in two committed batches")

    def test_watcher_queries_do_not_grow_with_lines(self):
        """One watcher batch costs the same number of queries for 2 or 8 due lines (the
        agents' notices are batched too, see test_notifications.py)."""
        Line = self.env["helpdesk.ticket.sla"]
        Ticket = self.env["helpdesk.ticket"]

        def watch(now):
            return Line._watch_tickets(Ticket.search([("sla_ids", "any", Line._due_domain(now))]), now)

        def told():
            Line.search([]).write({"notified_at_risk": True, "notified_failed": True})

        with freeze_time(at(0, 9)):
            self.create_ticket(name="Second")
        told()
        with freeze_time(at(0, 12)):
            small = self.count_queries(lambda: watch(at(0, 12)))
        with freeze_time(at(0, 13)):
            watch(at(0, 13))
        with freeze_time(at(2, 9)):
            self.env["helpdesk.ticket"].create([{"name": f"T{i}", "team_id": self.team_a.id} for i in range(8)])
        told()
        with freeze_time(at(2, 12)):
            big = self.count_queries(lambda: watch(at(2, 12)))
        self.assertEqual(Line.search_count([("status", "=", "at_risk")]), 8)
        self.assertEqual(small, big)


@tagged("post_install", "-at_install")
class TestSlaWatcherConcurrency(CommittedDataCase):
    """Workers of the SLA watcher on committed data: a due ticket is handled, and escalated, once."""

    def setUp(self):
        super().setUp()

        def create(env):
            calendar = env["resource.calendar"].create(
                {"name": "Concurrency office", "tz": "UTC", "attendance_ids": office_hours()}
            )
            team = env["helpdesk.team"].create({"name": "Concurrency desk", "resource_calendar_id": calendar.id})
            policy = env["helpdesk.sla.policy"].create(
                {"name": "Concurrency 4h", "target_hours": 4, "team_ids": [(6, 0, team.ids)], "sequence": -1}
            )
            rule = env["helpdesk.escalation.rule"].create(
                {"name": "Concurrency half", "trigger": "sla_share", "share_percent": 50, "policy_id": policy.id}
            )
            with freeze_time(at(0, 9)):
                ticket = env["helpdesk.ticket"].create({"name": "Concurrent", "team_id": team.id})
            return {"calendar": calendar, "team": team, "policy": policy, "rule": rule, "ticket": ticket}

        self.commit_records(create)

    def state(self):
        with self.worker() as env:
            ticket = env["helpdesk.ticket"].browse(self.ids["ticket"])
            return len(ticket.escalation_log_ids), ticket.sla_ids.next_check_date

    def test_held_ticket_is_skipped(self):
        now = at(0, 11)
        with freeze_time(now), self.worker() as env1, self.worker() as env2:
            self.assertTrue(env1["helpdesk.ticket"].browse(self.ids["ticket"]).try_lock_for_update())
            self.assertTrue(env2["helpdesk.ticket"]._timer_sla_watch(now))  # commits its batches
            self.assertEqual(self.state(), (0, at(0, 11)), "worker 2 skipped the ticket worker 1 holds")
            env1.cr.rollback()
        with freeze_time(now), self.worker() as env3:
            self.assertTrue(env3["helpdesk.ticket"]._timer_sla_watch(now))
        self.assertEqual(self.state(), (1, at(0, 12)))

    def test_worker_with_an_older_snapshot_does_not_escalate_twice(self):
        now = at(0, 11)
        with freeze_time(now), self.worker() as env1, self.worker() as env2:
            # Worker 2's transaction takes its snapshot before worker 1 commits.
            self.assertTrue(env2["helpdesk.ticket"].browse(self.ids["ticket"]).sla_ids)
            self.assertTrue(env1["helpdesk.ticket"]._timer_sla_watch(now))
            self.assertTrue(env2["helpdesk.ticket"]._timer_sla_watch(now), "a serialization failure ends no run")
        self.assertEqual(self.state(), (1, at(0, 12)))
