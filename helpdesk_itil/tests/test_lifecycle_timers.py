from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common import CommittedDataCase
from .common_escalation import MONDAY, EscalationCommon


@tagged("post_install", "-at_install")
class TestLifecycleTimers(EscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.write({"pending_reminder_days": 3, "pending_auto_resolve_days": 7})
        cls.template = cls.env.ref("helpdesk_itil.mail_template_ticket_pending_reminder")
        cls.code_no_response = cls.env.ref("helpdesk_itil.closure_no_response")

    def reminders(self, ticket):
        return ticket.message_ids.filtered(lambda m: "waiting for your answer" in (m.subject or ""))

    def wait_on_customer(self, **values):
        with freeze_time(MONDAY):
            ticket = self.create_ticket(partner_id=self.contact.id, **values)
            ticket.stage_id = self.stage_pending
        return ticket

    def run_at(self, when):
        self.run_cron(when=when)

    def test_reminder_once_then_auto_resolve(self):
        ticket = self.wait_on_customer()
        self.assertEqual(ticket.team_id.pending_reminder_template_id, self.template)
        self.run_at(MONDAY + timedelta(days=2, hours=23))
        self.assertFalse(self.reminders(ticket))
        self.run_at(MONDAY + timedelta(days=3))
        reminder = self.reminders(ticket)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.subtype_id, self.env.ref("mail.mt_comment"), "sent to the customer")
        self.assertIn(self.contact, reminder.notified_partner_ids | reminder.partner_ids)
        self.assertIn("Dear Carla Contact,", reminder.body)
        self.assertEqual(ticket.pending_reminder_sent, MONDAY + timedelta(days=3))
        self.assertFalse(ticket.first_response_date, "a reminder is not an agent's answer")
        self.run_at(MONDAY + timedelta(days=4))
        self.assertEqual(len(self.reminders(ticket)), 1, "one reminder per waiting period")
        self.assertEqual(ticket.state, "pending")
        self.run_at(MONDAY + timedelta(days=7))
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(ticket.stage_id, self.stage_resolved)
        self.assertEqual(ticket.closure_code_id, self.code_no_response)
        self.assertIn("did not answer within 7 days", ticket.resolution_note)
        self.assertEqual(ticket.resolved_date, MONDAY + timedelta(days=7))
        self.run_at(MONDAY + timedelta(days=8))
        self.assertEqual(len(self.reminders(ticket)), 1)

    def test_reminder_to_a_sender_without_a_name(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket(partner_email="someone@example.com")
            ticket.stage_id = self.stage_pending
        self.run_at(MONDAY + timedelta(days=3))
        reminder = self.reminders(ticket)
        self.assertEqual(len(reminder), 1)
        self.assertIn("Dear customer,", reminder.body)

    def test_new_waiting_period_gets_a_new_reminder(self):
        ticket = self.wait_on_customer()
        self.run_at(MONDAY + timedelta(days=3))
        self.assertTrue(ticket.pending_reminder_sent)
        with freeze_time(MONDAY + timedelta(days=4)):
            ticket.stage_id = self.stage_progress
            self.assertFalse(ticket.pending_reminder_sent, "reset when the stage changes")
            ticket.stage_id = self.stage_pending
        self.run_at(MONDAY + timedelta(days=7))
        self.assertEqual(ticket.state, "pending", "the period restarted on day 4")
        self.assertEqual(len(self.reminders(ticket)), 2)
        self.run_at(MONDAY + timedelta(days=11))
        self.assertEqual(ticket.state, "resolved")

    def test_overdue_ticket_is_resolved_without_reminder(self):
        ticket = self.wait_on_customer()
        self.run_at(MONDAY + timedelta(days=10))
        self.assertEqual(ticket.state, "resolved")
        self.assertFalse(self.reminders(ticket))

    def test_timers_off_and_other_states(self):
        off = self.wait_on_customer(team_id=self.team_b.id)
        with freeze_time(MONDAY):
            working = self.create_ticket()
            working.stage_id = self.stage_progress
        self.run_at(MONDAY + timedelta(days=30))
        self.assertEqual(off.state, "pending")
        self.assertFalse(self.reminders(off))
        self.assertEqual(working.state, "in_progress")

    def test_reminder_only_team(self):
        self.team_b.pending_reminder_days = 1
        ticket = self.wait_on_customer(team_id=self.team_b.id)
        self.run_at(MONDAY + timedelta(days=30))
        self.assertEqual(len(self.reminders(ticket)), 1)
        self.assertEqual(ticket.state, "pending")

    def test_batches(self):
        with freeze_time(MONDAY):
            tickets = self.env["helpdesk.ticket"].create(
                [{"name": f"Waiting {i}", "team_id": self.team_a.id, "partner_id": self.contact.id} for i in range(5)]
            )
            tickets.stage_id = self.stage_pending
        self.run_cron("model._timer_pending_auto_resolve(batch_size=2)", MONDAY + timedelta(days=7))
        self.assertEqual(set(tickets.mapped("state")), {"resolved"})

    def test_bad_settings(self):
        with self.assertRaisesRegex(ValidationError, "more days"):
            self.team_a.pending_auto_resolve_days = 3
        with self.assertRaisesRegex(ValidationError, "0 or more"):
            self.team_b.pending_reminder_days = -1


@tagged("post_install", "-at_install")
class TestLifecycleTimersConcurrency(CommittedDataCase):
    """Two workers running the timers at once, on committed data with two real cursors."""

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Timers team", "pending_reminder_days": 1})
            partner = env["res.partner"].create({"name": "Waiting customer", "email": "waiting@example.com"})
            ticket = env["helpdesk.ticket"].create({"name": "Waiting", "team_id": team.id, "partner_id": partner.id})
            ticket.stage_id = env.ref("helpdesk_itil.stage_pending")
            ticket.last_stage_update = fields.Datetime.now() - timedelta(days=2)
            return {"team": team, "partner": partner, "ticket": ticket}

        self.commit_records(create)

    def reminder_count(self):
        with self.worker() as env:
            ticket = env["helpdesk.ticket"].browse(self.ids["ticket"])
            return len(ticket.message_ids.filtered(lambda m: "waiting for your answer" in (m.subject or "")))

    def test_worker_with_an_older_snapshot_does_not_remind_twice(self):
        with self.worker() as env1, self.worker() as env2:
            # Worker 2's transaction starts (and takes its snapshot) before worker 1 commits.
            self.assertFalse(env2["helpdesk.ticket"].browse(self.ids["ticket"]).pending_reminder_sent)
            self.assertTrue(env1["helpdesk.ticket"]._cron_lifecycle())  # commits its batch
            self.assertTrue(env2["helpdesk.ticket"]._cron_lifecycle())
        self.assertEqual(self.reminder_count(), 1)

    def test_rows_held_by_another_worker_are_skipped(self):
        with self.worker() as env1, self.worker() as env2:
            self.assertTrue(env1["helpdesk.ticket"].browse(self.ids["ticket"]).try_lock_for_update())
            self.assertTrue(env2["helpdesk.ticket"]._cron_lifecycle())
            self.assertEqual(self.reminder_count(), 0, "worker 2 skipped the ticket worker 1 holds")
            env1.cr.rollback()
        with self.worker() as env3:
            self.assertTrue(env3["helpdesk.ticket"]._cron_lifecycle())
        self.assertEqual(self.reminder_count(), 1)
