from datetime import timedelta
from unittest.mock import patch

from odoo.tests import freeze_time, tagged

from .common_sla import MONDAY, HelpdeskSlaCommon


def at(day_offset, hour, minute=0):
    """Naive UTC datetime `day_offset` days after Monday 4 March 2024."""
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


@tagged("post_install", "-at_install")
class TestSlaClock(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.make_policy(name="Resolution 4h", target_hours=4, at_risk_percent=75)

    def create_at(self, when, **values):
        with freeze_time(when):
            return self.create_ticket(**values)

    def move(self, tickets, stage, when):
        with freeze_time(when):
            if stage.state in ("resolved", "closed"):
                self.resolve(tickets, stage)
            else:
                tickets.write({"stage_id": stage.id})

    # Deadlines on business hours

    def test_deadline_across_night(self):
        ticket = self.create_at(at(0, 15))
        line = self.line(ticket)
        self.assertEqual(line.status, "ongoing")
        self.assertEqual(line.calendar_id, self.cal_utc)
        # Mon 15:00-17:00 then Tue 9:00-11:00; at risk after 3 hours: Tue 10:00.
        self.assertEqual(line.deadline, at(1, 11))
        self.assertEqual(line.at_risk_date, at(1, 10))
        self.assertEqual(line.next_check_date, at(1, 10))
        self.assertEqual(ticket.sla_deadline, at(1, 11))
        self.assertEqual(ticket.sla_status, "ongoing")
        # Same result as Odoo's own planning.
        self.assertEqual(self.cal_utc.plan_hours(4, at(0, 15), compute_leaves=True), line.deadline)

    def test_deadline_ending_at_closing_time(self):
        ticket = self.create_at(at(0, 13))
        self.assertEqual(self.line(ticket).deadline, at(0, 17))

    def test_deadline_across_weekend(self):
        ticket = self.create_at(at(4, 15))  # Friday 15:00
        self.assertEqual(self.line(ticket).deadline, at(7, 11))  # Monday 11:00
        # Created on Saturday: the clock starts on Monday morning.
        ticket = self.create_at(at(5, 10))
        self.assertEqual(self.line(ticket).deadline, at(7, 13))

    def test_deadline_skips_public_holiday(self):
        # A public holiday (no calendar: every calendar of the company) on Tuesday and a
        # leave of this calendar on Wednesday morning.
        Leave = self.env["resource.calendar.leaves"]
        Leave.create({"name": "Holiday", "date_from": at(1, 0), "date_to": at(1, 23, 59), "calendar_id": False})
        Leave.create({"name": "Training", "date_from": at(2, 9), "date_to": at(2, 12), "calendar_id": self.cal_utc.id})
        ticket = self.create_at(at(0, 15))
        # Mon 15-17 (2h), Tue off, Wed 12-14 (2h).
        self.assertEqual(self.line(ticket).deadline, at(2, 14))
        self.assertEqual(self.cal_utc.plan_hours(4, at(0, 15), compute_leaves=True), at(2, 14))

    def test_calendar_changes_apply_to_the_next_ticket_at_once(self):
        # Working intervals are cached for the registry: holidays, attendances and the
        # calendar's time zone must each be seen by the very next ticket.
        self.assertEqual(self.line(self.create_at(at(0, 15))).deadline, at(1, 11))
        holiday = self.env["resource.calendar.leaves"].create(
            {"name": "Holiday", "date_from": at(1, 0), "date_to": at(1, 23, 59), "calendar_id": False}
        )
        self.assertEqual(self.line(self.create_at(at(0, 15))).deadline, at(2, 11), "Tuesday is off")
        holiday.date_from = at(2, 0)
        holiday.date_to = at(2, 23, 59)
        self.assertEqual(self.line(self.create_at(at(0, 15))).deadline, at(1, 11), "Wednesday is off instead")
        holiday.unlink()
        tuesday = self.cal_utc.attendance_ids.filtered(lambda a: a.dayofweek == "1")
        tuesday.write({"hour_from": 10})
        self.assertEqual(self.line(self.create_at(at(0, 15))).deadline, at(1, 12), "Tuesday opens at 10:00")
        tuesday.unlink()
        self.assertEqual(self.line(self.create_at(at(0, 15))).deadline, at(2, 11), "no Tuesday hours at all")
        # Mon 16:30-17:00 UTC, then Wednesday 9:00-12:30 UTC.
        self.assertEqual(self.line(self.create_at(at(0, 16, 30))).deadline, at(2, 12, 30))
        self.cal_utc.tz = "Europe/Madrid"  # UTC+1 in March: 9:00-17:00 local is 8:00-16:00 UTC
        self.assertEqual(self.line(self.create_at(at(0, 16, 30))).deadline, at(2, 12), "Monday is over in Madrid")

    def test_deadline_in_calendar_time_zone(self):
        # Madrid (UTC+1 in March): Mon 16:00-17:00 local, then Tue 9:00-12:00 local.
        ticket = self.create_at(at(0, 15), team_id=self.team_b.id)
        line = self.line(ticket)
        self.assertEqual(line.calendar_id, self.cal_madrid)
        self.assertEqual(line.deadline, at(1, 11))
        # New York, across the switch to daylight saving time on Sunday 10 March:
        # Fri 15:00-17:00 EST (20:00-22:00 UTC), Mon 9:00-11:00 EDT (13:00-15:00 UTC).
        team_ny = self.env["helpdesk.team"].create({"name": "NY desk", "resource_calendar_id": self.cal_ny.id})
        ticket = self.create_at(at(4, 20), team_id=team_ny.id)
        self.assertEqual(self.line(ticket).deadline, at(7, 15))
        self.assertEqual(self.cal_ny.plan_hours(4, at(4, 20), compute_leaves=True), at(7, 15))

    def test_policy_calendar_overrides_team(self):
        self.policy.calendar_id = self.cal_ny
        ticket = self.create_at(at(0, 15))
        self.assertEqual(self.line(ticket).calendar_id, self.cal_ny)
        # Created at 10:00 EST (15:00 UTC): 4 hours end at 14:00 EST (19:00 UTC).
        self.assertEqual(self.line(ticket).deadline, at(0, 19))

    # Pause and resume

    def test_pause_and_resume(self):
        ticket = self.create_at(at(0, 9))
        line = self.line(ticket)
        self.move(ticket, self.stage_progress, at(0, 10))
        self.assertEqual(line.running_since, at(0, 9), "Moving between running stages keeps the clock.")
        self.move(ticket, self.stage_pending, at(0, 11))
        self.assertEqual(line.status, "paused")
        self.assertEqual(line.used_hours, 2)
        self.assertFalse(line.running_since)
        self.assertFalse(line.deadline)
        self.assertFalse(line.next_check_date)
        self.assertEqual(ticket.sla_status, "paused")
        self.assertFalse(ticket.sla_deadline)
        # The pause going on is the line's; it is logged when it ends.
        self.assertEqual(line.paused_since, at(0, 11))
        self.assertFalse(line.current_interval_id)
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
            [("running", at(0, 9), at(0, 11), 2.0)],
        )
        # Resumed on Tuesday 10:00: two hours left.
        self.move(ticket, self.stage_progress, at(1, 10))
        self.assertEqual(line.status, "ongoing")
        self.assertEqual(line.running_since, at(1, 10))
        self.assertFalse(line.paused_since)
        self.assertEqual(line.deadline, at(1, 12))
        self.assertEqual(line.at_risk_date, at(1, 11))
        self.assertAlmostEqual(line.paused_hours, 23)
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
            [
                ("running", at(0, 9), at(0, 11), 2.0),
                ("paused", at(0, 11), at(1, 10), 7.0),
                ("running", at(1, 10), False, 0.0),
            ],
        )
        self.assertEqual(line.current_interval_id, line.interval_ids[-1])

    def test_created_in_a_pause_stage(self):
        """A line that starts paused opens no interval; its pause is logged when it ends,
        from the line's start."""
        ticket = self.create_at(at(0, 9), stage_id=self.stage_pending.id)
        line = self.line(ticket)
        self.assertEqual((line.status, line.running_since, line.paused_since), ("paused", False, at(0, 9)))
        self.assertFalse(line.interval_ids)
        self.move(ticket, self.stage_progress, at(0, 10))
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
            [("paused", at(0, 9), at(0, 10), 1.0), ("running", at(0, 10), False, 0.0)],
        )
        self.assertEqual((line.paused_hours, line.used_hours, line.deadline), (1, 0, at(0, 14)))

    def test_response_met_while_paused_logs_the_pause(self):
        self.make_policy(name="Response 2h", metric="first_response", target_hours=2)
        ticket = self.create_at(at(0, 9), partner_id=self.contact.id)
        self.move(ticket, self.stage_pending, at(0, 10))
        line = self.line(ticket, "first_response")
        with freeze_time(at(0, 15)):
            self.agent_reply(ticket)
        self.assertEqual((line.status, line.used_hours, line.paused_since), ("reached", 1, False))
        self.assertAlmostEqual(line.paused_hours, 5)
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop) for i in line.interval_ids],
            [("running", at(0, 9), at(0, 10)), ("paused", at(0, 10), at(0, 15))],
        )

    def test_resume_when_already_at_risk(self):
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_pending, at(0, 12, 30))  # 3.5 of 4 hours used
        self.move(ticket, self.stage_progress, at(1, 9))
        line = self.line(ticket)
        self.assertEqual(line.status, "at_risk")
        self.assertEqual(line.deadline, at(1, 9, 30))
        self.assertEqual(line.next_check_date, at(1, 9, 30))
        self.assertEqual(ticket.sla_status, "at_risk")

    def test_custom_pause_stages(self):
        waiting_vendor = self.env["helpdesk.stage"].create({"name": "Waiting for Vendor", "state": "in_progress"})
        self.policy.pause_stage_ids = waiting_vendor
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_pending, at(0, 10))
        self.assertEqual(self.line(ticket).status, "ongoing", "Only the policy's pause stages pause it.")
        self.move(ticket, waiting_vendor, at(0, 11))
        self.assertEqual(self.line(ticket).status, "paused")
        self.assertEqual(self.line(ticket).used_hours, 2)
        # The pause stages are kept in the registry's cache: a change applies to the next move.
        self.move(ticket, self.stage_progress, at(0, 12))
        with freeze_time(at(0, 12, 30)):
            self.policy.pause_stage_ids = False
        self.move(ticket, waiting_vendor, at(0, 13))
        self.assertEqual(self.line(ticket).status, "ongoing", "Without pause stages, only Pending ones pause it.")
        self.move(ticket, self.stage_pending, at(0, 14))
        self.assertEqual(self.line(ticket).status, "paused")

    def test_helpdesk_user_drives_the_clock(self):
        """Users only read SLA lines; their ticket changes still move the clocks."""
        ticket = self.create_at(at(0, 9), user_id=self.user_a.id)
        with freeze_time(at(0, 10)):
            ticket.with_user(self.user_a).stage_id = self.stage_pending
        line = self.line(ticket).with_user(self.user_a)
        self.assertEqual(line.status, "paused")
        self.assertEqual(line.paused_since, at(0, 10))
        self.assertEqual(line.interval_ids.mapped("kind"), ["running"])
        with freeze_time(at(0, 11)):
            ticket.with_user(self.user_a).stage_id = self.stage_progress
        self.assertEqual(line.interval_ids.mapped("kind"), ["running", "paused", "running"])
        self.assertFalse(self.line(ticket).with_user(self.user_b).has_access("read"), "Other teams' lines are hidden.")

    # Metrics

    def test_first_response_reached_by_agent_reply(self):
        response = self.make_policy(name="Response 1h", metric="first_response", target_hours=1)
        ticket = self.create_at(at(0, 9), partner_id=self.contact.id)
        line = self.line(ticket, "first_response")
        self.assertEqual(line.policy_id, response)
        self.assertEqual(line.deadline, at(0, 10))
        with freeze_time(at(0, 9, 20)):
            self.customer_message(ticket)
            ticket.message_post(body="Internal: checking", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertFalse(line.settled_date, "Customer messages and internal notes are no response.")
        with freeze_time(at(0, 9, 40)):
            self.agent_reply(ticket)
        self.assertEqual(line.status, "reached")
        self.assertEqual(line.reached_date, at(0, 9, 40))
        self.assertEqual(line.settled_date, at(0, 9, 40))
        self.assertAlmostEqual(line.used_hours, 40 / 60)
        self.assertFalse(line.next_check_date)
        self.assertEqual(self.line(ticket).status, "ongoing", "The resolution clock keeps running.")

    def test_first_response_late_is_failed(self):
        self.make_policy(name="Response 1h", metric="first_response", target_hours=1)
        ticket = self.create_at(at(0, 9))
        with freeze_time(at(0, 11)):
            self.agent_reply(ticket)
        self.assertEqual(self.line(ticket, "first_response", settled=True).status, "failed")
        self.assertTrue(ticket.sla_failed)

    def test_next_response(self):
        self.make_policy(name="Response 1h", metric="first_response", target_hours=1)
        self.make_policy(name="Next response 2h", metric="next_response", target_hours=2)
        ticket = self.create_at(at(0, 9), partner_id=self.contact.id)
        with freeze_time(at(0, 9, 30)):
            self.customer_message(ticket)
        self.assertFalse(self.line(ticket, "next_response"), "Before the first response the customer awaits it.")
        with freeze_time(at(0, 10)):
            self.agent_reply(ticket)
        with freeze_time(at(0, 15)):
            self.customer_message(ticket)
        line = self.line(ticket, "next_response")
        self.assertEqual(line.deadline, at(0, 17))
        with freeze_time(at(0, 15, 30)):
            self.customer_message(ticket, "Hello?")
        self.assertEqual(line, self.line(ticket, "next_response"), "One awaited reply at a time.")
        with freeze_time(at(1, 10)):
            self.agent_reply(ticket)
        self.assertEqual(line.status, "failed")
        self.assertEqual(line.reached_date, at(1, 10))
        with freeze_time(at(1, 11)):
            self.customer_message(ticket)
        self.assertEqual(len(ticket.sla_ids.filtered(lambda line: line.metric == "next_response")), 2)

    def test_resolution_by_state_not_stage_order(self):
        # A resolved-state stage placed before "In Progress" still resolves.
        early_done = self.env["helpdesk.stage"].create({"name": "Quick fix", "state": "resolved", "sequence": 5})
        ticket = self.create_at(at(0, 9))
        self.move(ticket, early_done, at(0, 12))
        line = self.line(ticket, settled=True)
        self.assertEqual(line.status, "reached")
        self.assertEqual(line.reached_date, at(0, 12))
        self.assertEqual(line.used_hours, 3)
        self.assertEqual(line.deadline, at(0, 13), "The deadline is kept after settlement.")
        self.assertFalse(ticket.sla_status)
        late = self.create_at(at(0, 9))
        self.move(late, self.stage_resolved, at(0, 14))
        self.assertEqual(self.line(late, settled=True).status, "failed")

    # Re-matching

    def test_rematch_on_team_change(self):
        self.policy.team_ids = self.team_a
        policy_b = self.make_policy(name="Team B 8h", target_hours=8, team_ids=[(6, 0, self.team_b.ids)])
        ticket = self.create_at(at(0, 9))
        line_a = self.line(ticket)
        with freeze_time(at(0, 11)):
            ticket.team_id = self.team_b
        self.assertEqual(line_a.status, "cancelled")
        self.assertEqual(line_a.settled_date, at(0, 11))
        self.assertEqual(line_a.used_hours, 2)
        self.assertFalse(line_a.current_interval_id)
        line_b = self.line(ticket)
        self.assertEqual(line_b.policy_id, policy_b)
        self.assertEqual(line_b.start_date, at(0, 11))
        self.assertEqual(line_b.calendar_id, self.cal_madrid)
        # Madrid: Mon 12:00-17:00 local (11:00-16:00 UTC), Tue 9:00-12:00 local.
        self.assertEqual(line_b.deadline, at(1, 11))
        self.assertEqual(ticket.sla_deadline, at(1, 11))

    def test_still_applying_line_keeps_its_time(self):
        ticket = self.create_at(at(0, 9))
        line = self.line(ticket)
        with freeze_time(at(0, 11)):
            ticket.team_id = self.team_b  # the policy has no team filter
        self.assertEqual(self.line(ticket), line)
        self.assertEqual(line.used_hours, 2, "Time used on the old team's calendar is kept.")
        self.assertEqual(line.calendar_id, self.cal_madrid)
        # 2 hours left from 11:00 UTC = 12:00 Madrid.
        self.assertEqual(line.deadline, at(0, 13))

    def test_team_and_stage_change_together(self):
        ticket = self.create_at(at(0, 9))
        line = self.line(ticket)
        with freeze_time(at(0, 11)):
            ticket.write({"team_id": self.team_b.id, "stage_id": self.stage_pending.id})
        self.assertEqual((line.status, line.used_hours, line.calendar_id), ("paused", 2, self.cal_madrid))
        with freeze_time(at(1, 9)):  # 10:00 in Madrid
            ticket.write({"team_id": self.team_a.id, "stage_id": self.stage_progress.id})
        self.assertEqual(line.calendar_id, self.cal_utc)
        self.assertEqual(line.interval_ids.mapped("kind"), ["running", "paused", "running"])
        self.assertEqual(line.interval_ids.filtered(lambda i: not i.date_stop), line.current_interval_id)
        self.assertEqual(line.deadline, at(1, 11))

    def test_rematch_on_priority_change(self):
        urgent = self.make_policy(
            name="Urgent 2h", sequence=1, target_hours=2, priority="2", priority_operator="at_least"
        )
        ticket = self.create_at(at(0, 9))
        normal_line = self.line(ticket)
        self.assertEqual(normal_line.policy_id, self.policy)
        with freeze_time(at(0, 10)):
            ticket.write({"impact": "high", "urgency": "high"})
        self.assertEqual(ticket.priority, "1")
        self.assertEqual(normal_line.status, "cancelled")
        urgent_line = self.line(ticket)
        self.assertEqual(urgent_line.policy_id, urgent)
        self.assertEqual(urgent_line.deadline, at(0, 12))
        with freeze_time(at(0, 10, 30)):
            ticket.priority = "2"
        self.assertEqual(self.line(ticket), urgent_line, "P2 still matches 'at least P2'.")

    # Policy edits

    def test_policy_edit_updates_open_lines_only(self):
        done = self.create_at(at(0, 9))
        self.move(done, self.stage_resolved, at(0, 10))
        settled = self.line(done, settled=True)
        open_ticket = self.create_at(at(0, 9))
        paused_ticket = self.create_at(at(0, 9))
        self.move(paused_ticket, self.stage_pending, at(0, 10))
        with freeze_time(at(0, 12)):
            self.policy.write({"target_hours": 8, "at_risk_percent": 50})
        line = self.line(open_ticket)
        self.assertEqual(line.target_hours, 8)
        self.assertEqual(line.deadline, at(0, 17))
        self.assertEqual(line.at_risk_date, at(0, 13))
        self.assertEqual(line.running_since, at(0, 9), "The running interval is not split.")
        self.assertEqual(self.line(paused_ticket).target_hours, 8)
        self.assertFalse(self.line(paused_ticket).deadline)
        self.assertEqual(settled.target_hours, 4, "Settled lines never change.")
        self.assertEqual(settled.deadline, at(0, 13))
        # A new calendar: the time used so far stays, the rest runs on the new hours.
        with freeze_time(at(0, 12)):
            self.policy.calendar_id = self.cal_ny
        self.assertEqual(line.calendar_id, self.cal_ny)
        self.assertEqual(line.used_hours, 3)
        self.assertEqual(line.running_since, at(0, 12))
        # 5 hours left from 12:00 UTC (7:00 EST): NY opens at 14:00 UTC, so 19:00 UTC.
        self.assertEqual(line.deadline, at(0, 19))
        self.assertEqual(settled.calendar_id, self.cal_utc)

    # Closing and reopening

    def test_close_from_paused_stage(self):
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_pending, at(0, 11))
        # Closed days later, long past the deadline it would have had: the clock was stopped.
        self.move(ticket, self.stage_closed, at(3, 16))
        line = self.line(ticket, settled=True)
        self.assertEqual(line.status, "reached")
        self.assertEqual(line.used_hours, 2)
        self.assertFalse(line.running_since)
        self.assertFalse(line.next_check_date)
        self.assertFalse(line.paused_since)
        self.assertAlmostEqual(line.paused_hours, 3 * 24 + 5)
        # The pause is logged when the ticket closes, with the working hours it saved
        # (Monday 11:00-17:00, Tuesday, Wednesday, Thursday 9:00-16:00).
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
            [("running", at(0, 9), at(0, 11), 2.0), ("paused", at(0, 11), at(3, 16), 29.0)],
        )
        self.assertFalse(ticket.sla_ids.filtered(lambda line: not line.settled_date))

    def test_cancel_settles_once(self):
        """Cancelling a ticket withdraws its promises: a promise already broken stays failed,
        the others are cancelled (never reached: nothing was delivered)."""
        self.make_policy(name="Response 1h", metric="first_response", target_hours=1)
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_cancelled, at(0, 12))
        self.assertEqual(
            sorted(ticket.sla_ids.mapped(lambda line: (line.metric, line.status))),
            [("first_response", "failed"), ("resolution", "cancelled")],
        )
        self.assertFalse(self.line(ticket, settled=True).reached_date)
        settled = ticket.sla_ids.read(["status", "settled_date", "used_hours"])
        with freeze_time(at(2, 9)):
            ticket.sudo().write({"tag_ids": [(0, 0, {"name": "late"})]})
            self.agent_reply(ticket)
        self.assertEqual(ticket.sla_ids.read(["status", "settled_date", "used_hours"]), settled)

    def test_cancel_before_any_reply_counts_nothing_as_met(self):
        self.make_policy(name="Response 2h", metric="first_response", target_hours=2)
        ticket = self.create_at(at(0, 9), partner_id=self.contact.id)
        with freeze_time(at(0, 10)):
            ticket.stage_id = self.stage_pending  # paused lines are withdrawn too
        self.move(ticket, self.stage_cancelled, at(0, 10, 30))
        self.assertEqual(set(ticket.sla_ids.mapped("status")), {"cancelled"})
        self.assertFalse(ticket.sla_failed)
        # Customer figures count kept and broken promises only.
        self.assertEqual(self.contact.helpdesk_sla_settled_count, 0)
        done = self.create_at(at(1, 9), partner_id=self.contact.id)
        self.move(done, self.stage_resolved, at(1, 10))
        self.contact.invalidate_recordset()
        self.assertEqual(self.contact.helpdesk_sla_settled_count, 2, "only the resolved ticket's lines count")
        self.assertEqual(self.contact.helpdesk_sla_compliance, 100.0)

    def test_reopen_carries_used_time(self):
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_resolved, at(0, 12))
        first = self.line(ticket, settled=True)
        self.move(ticket, self.stage_progress, at(1, 9))
        second = self.line(ticket)
        self.assertNotEqual(first, second)
        self.assertEqual(first.status, "reached")
        self.assertEqual(first.used_hours, 3)
        self.assertEqual(second.carried_hours, 3)
        self.assertEqual(second.used_hours, 3)
        self.assertEqual(second.start_date, at(1, 9))
        self.assertEqual(second.deadline, at(1, 10))
        self.assertEqual(second.status, "at_risk")
        # The second resolution is late: the new line fails, the first stays reached.
        self.move(ticket, self.stage_resolved, at(1, 11))
        self.assertEqual(second.status, "failed")
        self.assertEqual(second.used_hours, 5)
        self.assertEqual(first.status, "reached")

    # Audit trail

    def test_recompute_from_intervals(self):
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_pending, at(0, 11))
        self.move(ticket, self.stage_progress, at(0, 14))
        self.move(ticket, self.stage_pending, at(0, 15))
        line = self.line(ticket)
        expected = {"used_hours": 3.0, "paused_hours": 3.0}
        self.assertEqual(line.read(list(expected))[0], {"id": line.id, **expected})
        line.write({"used_hours": 42, "paused_hours": 0})
        line.interval_ids[0].business_hours = 9
        with freeze_time(at(0, 16)):
            line._recompute_from_intervals()
        self.assertEqual(line.read(list(expected))[0], {"id": line.id, **expected})
        self.assertEqual(line.interval_ids[0].business_hours, 2)

    # Query counts

    def test_stage_move_queries_do_not_grow_with_lines(self):
        """Moving tickets costs the same number of queries with 1 or 3 SLA lines each."""
        counts = {}
        with freeze_time(at(0, 9)):
            one = self.env["helpdesk.ticket"].create(
                [{"name": f"One {i}", "team_id": self.team_a.id} for i in range(5)]
            )
            self.make_policy(name="Response", metric="first_response", target_hours=6)
            self.make_policy(name="OLA", kind="ola", target_hours=8)
            three = self.env["helpdesk.ticket"].create(
                [{"name": f"Three {i}", "team_id": self.team_a.id} for i in range(5)]
            )
        self.assertEqual({len(t.sla_ids) for t in one}, {1})
        self.assertEqual({len(t.sla_ids) for t in three}, {3})
        for name, tickets in (("one", one), ("three", three)):
            with freeze_time(at(0, 10)):
                counts[name, "pause"] = self.count_queries(
                    lambda t=tickets: t.write({"stage_id": self.stage_pending.id})
                )
            with freeze_time(at(0, 11)):
                counts[name, "resume"] = self.count_queries(
                    lambda t=tickets: t.write({"stage_id": self.stage_progress.id})
                )
        self.assertEqual(counts["one", "pause"], counts["three", "pause"], counts)
        self.assertEqual(counts["one", "resume"], counts["three", "resume"], counts)
        self.assertEqual({line.status for line in (one | three).sla_ids}, {"ongoing"})

    def test_pause_writes_each_line_once(self):
        """A pause writes each line once (its clock and status together), closes the
        intervals that end alike in one write and creates none; a resume logs the pauses
        and opens the new running intervals in one create."""
        with freeze_time(at(0, 9)):
            self.make_policy(name="OLA", kind="ola", target_hours=8)
            ticket = self.create_ticket()
        lines = ticket.sla_ids
        self.assertEqual(len(lines), 2)
        self.env.flush_all()
        Line, Interval = type(self.env["helpdesk.ticket.sla"]), type(self.env["helpdesk.ticket.sla.interval"])
        writes = {Line: [], Interval: []}
        originals = {Line: Line.write, Interval: Interval.write}

        def counting(model):
            def write(records, vals):
                writes[model].append((records.ids, sorted(vals)))
                return originals[model](records, vals)

            return write

        creates = []
        original_create = Interval.create

        def counting_create(model, vals_list):
            creates.append(len(vals_list))
            return original_create(model, vals_list)

        patches = (
            patch.object(Line, "write", counting(Line)),
            patch.object(Interval, "write", counting(Interval)),
            patch.object(Interval, "create", counting_create),
        )
        with patches[0], patches[1], patches[2]:
            self.move(ticket, self.stage_pending, at(0, 11))
        line_writes = [ids for ids, _fields in writes[Line]]
        self.assertEqual(sorted(line_writes), sorted([[line.id] for line in lines]), writes[Line])
        self.assertEqual(
            writes[Interval], [(sorted(lines.interval_ids.filtered("date_stop").ids), ["business_hours", "date_stop"])]
        )
        self.assertFalse(any(creates), "A pause opens no interval.")
        for line in lines:
            self.assertEqual((line.status, line.used_hours, line.running_since), ("paused", 2, False))
            self.assertEqual((line.paused_since, line.current_interval_id.id), (at(0, 11), False))
            self.assertEqual(
                [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
                [("running", at(0, 9), at(0, 11), 2.0)],
            )
        writes[Line].clear()
        creates.clear()
        with patches[0], patches[1], patches[2]:
            self.move(ticket, self.stage_progress, at(0, 14))
        self.assertEqual([n for n in creates if n], [4], "The two pauses and the two new runs, in one create.")
        opened = [ids for ids, fnames in writes[Line] if "current_interval_id" in fnames]
        self.assertEqual(sorted(opened), sorted([[line.id] for line in lines]), "each line written with its new run")
        for line in lines:
            self.assertEqual(
                (line.status, line.used_hours, line.paused_hours, line.paused_since), ("ongoing", 2, 3, False)
            )
            self.assertEqual(
                [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
                [
                    ("running", at(0, 9), at(0, 11), 2.0),
                    ("paused", at(0, 11), at(0, 14), 3.0),
                    ("running", at(0, 14), False, 0.0),
                ],
            )
            self.assertEqual(line.current_interval_id, line.interval_ids[-1])

    def test_ticket_creation_queries_do_not_grow_with_lines(self):
        def create(prefix):
            return lambda: self.env["helpdesk.ticket"].create(
                [{"name": f"{prefix} {i}", "team_id": self.team_a.id} for i in range(5)]
            )

        with freeze_time(at(0, 9)):
            create("warm-up")()
            one = self.count_queries(create("One"))
            self.make_policy(name="Response", metric="first_response", target_hours=1)
            self.make_policy(name="OLA", kind="ola", target_hours=2)
            create("warm-up 3")()
            three = self.count_queries(create("Three"))
        self.assertEqual(one, three)
