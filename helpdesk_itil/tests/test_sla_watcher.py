from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, freeze_time, tagged

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
        with freeze_time(when), self.enter_registry_test_mode():
            self.cron.method_direct_trigger()

    def logs(self, ticket=None):
        return self.env["helpdesk.escalation.log"].search([("ticket_id", "=", (ticket or self.ticket).id)])

    def test_cron_record(self):
        self.assertEqual(self.cron.model_id.model, "helpdesk.ticket.sla")
        self.assertEqual(self.cron.code.strip(), "model._cron_watch()")
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (1, "minutes"))

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

    def test_lifecycle_timers_run_by_the_same_cron(self):
        calls = []

        def fake_timers(model):
            calls.append(model._name)
            return True

        self.patch(type(self.env["helpdesk.team"]), "_cron_lifecycle_timers", fake_timers)
        self.run_watcher(at(0, 10))
        self.assertEqual(calls, ["helpdesk.team"])

    def test_watch_batch_limit(self):
        with freeze_time(at(0, 9)):
            tickets = self.env["helpdesk.ticket"].create(
                [{"name": f"T{i}", "team_id": self.team_a.id} for i in range(4)]
            )
        Line = self.env["helpdesk.ticket.sla"]
        seen = []
        with freeze_time(at(0, 12)):
            handled, remaining = Line._watch_due_batch(at(0, 12), seen, limit=3)
            self.assertEqual((len(handled), remaining), (3, 2))
            handled, remaining = Line._watch_due_batch(at(0, 12), seen, limit=3)
            self.assertEqual((len(handled), remaining), (2, 0))
            self.assertEqual(Line._watch_due_batch(at(0, 12), seen, limit=3), (None, 0))
        self.assertEqual(set((tickets | self.ticket).sla_ids.mapped("status")), {"at_risk"})

    def test_watcher_queries_do_not_grow_with_lines(self):
        """One watcher batch costs the same number of queries for 2 or 8 due lines."""
        Line = self.env["helpdesk.ticket.sla"]
        with freeze_time(at(0, 9)):
            self.create_ticket(name="Second")
        with freeze_time(at(0, 12)):
            small = self.count_queries(lambda: Line._watch_due_batch(at(0, 12), []))
        with freeze_time(at(0, 13)):
            Line._watch_due_batch(at(0, 13), [])
        with freeze_time(at(2, 9)):
            self.env["helpdesk.ticket"].create([{"name": f"T{i}", "team_id": self.team_a.id} for i in range(8)])
        with freeze_time(at(2, 12)):
            big = self.count_queries(lambda: Line._watch_due_batch(at(2, 12), []))
        self.assertEqual(Line.search_count([("status", "=", "at_risk")]), 8)
        self.assertEqual(small, big)


@tagged("post_install", "-at_install")
class TestSlaWatcherConcurrency(TransactionCase):
    """Two workers on committed data: a due line is handled, and escalated, once."""

    def setUp(self):
        super().setUp()
        with freeze_time(at(0, 9)), self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            calendar = env["resource.calendar"].create(
                {"name": "Concurrency office", "tz": "UTC", "attendance_ids": office_hours()}
            )
            team = env["helpdesk.team"].create({"name": "Concurrency desk", "resource_calendar_id": calendar.id})
            policy = env["helpdesk.sla.policy"].create(
                {"name": "Concurrency 4h", "target_hours": 4, "team_ids": [(6, 0, team.ids)], "sequence": -1}
            )
            rule = env["helpdesk.escalation.rule"].create(
                {
                    "name": "Concurrency half",
                    "trigger": "sla_share",
                    "share_percent": 50,
                    "level": 1,
                    "policy_id": policy.id,
                }
            )
            ticket = env["helpdesk.ticket"].create({"name": "Concurrent", "team_id": team.id})
            self.assertEqual(ticket.sla_ids.next_check_date, at(0, 11))
            cr.commit()
            self.data_ids = {
                "calendar": calendar.id,
                "team": team.id,
                "policy": policy.id,
                "rule": rule.id,
                "ticket": ticket.id,
            }
        self.addCleanup(self.clean_up)

    def clean_up(self):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            ticket = env["helpdesk.ticket"].browse(self.data_ids["ticket"])
            env["helpdesk.escalation.log"].search([("ticket_id", "=", ticket.id)]).unlink()
            ticket.unlink()
            env["helpdesk.escalation.rule"].browse(self.data_ids["rule"]).unlink()
            env["helpdesk.sla.policy"].browse(self.data_ids["policy"]).unlink()
            env["helpdesk.team"].browse(self.data_ids["team"]).unlink()
            env["resource.calendar"].browse(self.data_ids["calendar"]).unlink()
            cr.commit()

    def test_two_workers(self):
        now = at(0, 11)
        with freeze_time(now), self.env.registry.cursor() as cr1, self.env.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            seen1, seen2 = [], []
            handled1, _remaining = env1["helpdesk.ticket.sla"]._watch_due_batch(now, seen1)
            self.assertEqual(handled1.ticket_id.id, self.data_ids["ticket"])
            # Worker 2 sees the same due line but worker 1 holds it: skipped.
            handled2, _remaining = env2["helpdesk.ticket.sla"]._watch_due_batch(now, seen2)
            self.assertIn(handled1.id, seen2)
            self.assertFalse(handled2)
            env2.flush_all()
            cr2.rollback()
            env1.flush_all()
            cr1.commit()
            # Once worker 1 committed, the line is no longer due.
            env2.invalidate_all()
            self.assertEqual(env2["helpdesk.ticket.sla"]._watch_due_batch(now, []), (None, 0))
            cr2.commit()
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            logs = env["helpdesk.escalation.log"].search([("ticket_id", "=", self.data_ids["ticket"])])
            self.assertEqual(len(logs), 1)
            line = env["helpdesk.ticket.sla"].search([("ticket_id", "=", self.data_ids["ticket"])])
            self.assertEqual(line.next_check_date, at(0, 12))
