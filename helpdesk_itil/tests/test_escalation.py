import threading
from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import CommittedDataCase
from .common_escalation import MONDAY, EscalationCommon


@tagged("post_install", "-at_install")
class TestEscalationRuleConfig(EscalationCommon):
    def test_bad_configuration_is_rejected(self):
        cases = [
            ({"level": 0}, "level must be 1 or more"),
            ({"trigger": "sla_share", "share_percent": 0}, "more than 0"),
            ({"trigger": "sla_share", "share_percent": 120}, "at most 100"),
            ({"trigger": "sla_breach", "offset_hours": -1}, "cannot be negative"),
            ({"trigger": "priority_on_create", "priority_threshold": False}, "major incident"),
            ({"reassign_user_mode": "specific"}, "choose the user"),
            ({"team_id": self.team_a.id, "reassign_team_id": self.team_a.id}, "same team"),
            ({"post_internal_note": True}, "instructions"),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                self.make_rule(**values)
        policy = self.env["helpdesk.sla.policy"].create({"name": "Resolution 8h", "target_hours": 8, "sequence": 97})
        with self.assertRaisesRegex(ValidationError, "only SLA triggers"):
            self.make_rule(trigger="no_first_response", policy_id=policy.id)

    def test_rule_with_history_is_archived_not_deleted(self):
        rule = self.make_rule(trigger="priority_on_create", priority_threshold="1")
        self.create_ticket(impact="high", urgency="high")
        self.assertEqual(rule.log_count, 1)
        with self.assertRaisesRegex(UserError, "archive it"):
            rule.unlink()
        rule.active = False
        self.make_rule(trigger="priority_on_create", name="Unused").unlink()

    def test_only_managers_configure_rules(self):
        rule = self.make_rule(trigger="priority_on_create")
        self.assertEqual(rule.with_user(self.user_a).name, "Rule level 1")
        with self.assertRaises(AccessError):
            rule.with_user(self.agent).write({"level": 2})
        rule.with_user(self.manager).write({"level": 2})


@tagged("post_install", "-at_install")
class TestEscalationPriorityOnCreate(EscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.follower = cls.env["res.partner"].create({"name": "Duty Manager", "email": "duty@example.com"})
        cls.activity_type = cls.env.ref("mail.mail_activity_data_todo")
        cls.rule = cls.make_rule(
            name="Major incident",
            trigger="priority_on_create",
            priority_threshold="2",
            reassign_user_mode="team_leader",
            follower_ids=[(6, 0, cls.follower.ids)],
            mail_template_id=cls.env.ref("helpdesk_itil.mail_template_ticket_escalated").id,
            activity_type_id=cls.activity_type.id,
            activity_summary="Call the customer back",
            activity_user_mode="team_leader",
            post_internal_note=True,
            note="<p>Open a bridge call.</p>",
        )

    def test_major_incident_escalates_at_creation(self):
        self.team_a.leader_id = self.user_a
        ticket = self.create_ticket(impact="high", urgency="high", user_id=self.user_a2.id)  # P1
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(ticket.user_id, self.user_a, "hierarchical: the team leader takes it")
        self.assertIn(self.follower, ticket.message_partner_ids)
        log = ticket.escalation_log_ids
        self.assertEqual(len(log), 1)
        self.assertRecordValues(
            log,
            [
                {
                    "rule_id": self.rule.id,
                    "trigger": "priority_on_create",
                    "level_from": 0,
                    "level_to": 1,
                    "team_from_id": self.team_a.id,
                    "team_to_id": self.team_a.id,
                    "user_from_id": self.user_a2.id,
                    "user_to_id": self.user_a.id,
                    "escalated_by_id": self.user_root.id,
                }
            ],
        )
        self.assertIn("major incident", log.reason)
        activity = ticket.activity_ids
        self.assertRecordValues(
            activity,
            [
                {
                    "activity_type_id": self.activity_type.id,
                    "user_id": self.user_a.id,
                    "summary": "Call the customer back",
                }
            ],
        )
        note = self.escalation_notes(ticket)
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.partner_root)
        self.assertIn("Open a bridge call.", note.body)
        self.assertIn("Major incident", note.body)
        mail = ticket.message_ids.filtered(lambda m: (m.subject or "").startswith("Escalated (level 1)"))
        self.assertEqual(len(mail), 1, "the rule's email template is sent and logged")
        self.assertIn(self.user_a.partner_id, mail.partner_ids)
        self.assertFalse(ticket.first_response_date, "automatic messages are not a first response")

    def test_fires_once_and_only_for_urgent_tickets(self):
        tickets = self.env["helpdesk.ticket"].create(
            [
                {"name": "Datacenter down", "team_id": self.team_a.id, "impact": "high", "urgency": "high"},  # P1
                {"name": "Mail slow", "team_id": self.team_a.id, "impact": "high", "urgency": "medium"},  # P2
                {"name": "Typo on the website", "team_id": self.team_a.id},  # P3
            ]
        )
        self.assertEqual(tickets.mapped("escalation_level"), [1, 1, 0])
        # Firing again changes nothing: each rule fires once per ticket and level.
        self.assertFalse(self.Rule._fire_on_priority(tickets))
        self.assertEqual(self.Log.search_count([("ticket_id", "in", tickets.ids)]), 2)

    def test_raised_priority_fires_the_rule_once_per_level(self):
        """Reclassification re-runs triage: a P3 raised to P1 is a major incident too."""
        ticket = self.create_ticket(user_id=self.user_a2.id)  # P3
        self.assertEqual(ticket.escalation_level, 0)
        ticket.write({"impact": "high", "urgency": "high"})  # P1 through the matrix
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(ticket.user_id, self.user_a, "the rule's actions ran: the team leader takes it")
        self.assertIn("priority P1 Critical", ticket.escalation_log_ids.reason)
        ticket.write({"urgency": "medium"})  # P2
        ticket.write({"priority": "1"})  # raised again, by hand this time
        self.assertEqual(len(ticket.escalation_log_ids), 1, "once per ticket, rule and level")
        level_2 = self.make_rule(name="Level 2", level=2, trigger="priority_on_create", priority_threshold="1")
        ticket.write({"priority": "2"})
        ticket.write({"priority": "1"})
        self.assertEqual(ticket.escalation_log_ids.rule_id, self.rule | level_2, "the next level fires once reached")
        # Lowering never fires; a closed ticket is not escalated.
        other = self.create_ticket()
        other.write({"priority": "4"})
        self.resolve(other, self.stage_closed)
        other.write({"priority": "1"})
        self.assertEqual(other.escalation_level, 0)

    def test_rule_changes_apply_to_the_next_ticket_at_once(self):
        # Active rule ids are cached for the registry: archiving, restoring, re-triggering
        # and creating rules must each be seen by the very next ticket.
        self.rule.active = False
        self.assertEqual(self.create_ticket(impact="high", urgency="high").escalation_level, 0)
        self.rule.active = True
        self.assertEqual(self.create_ticket(impact="high", urgency="high").escalation_level, 1)
        self.rule.priority_threshold = "1"
        self.assertEqual(self.create_ticket(impact="high", urgency="medium").escalation_level, 0, "P2 < threshold P1")
        self.rule.trigger = "no_first_response"
        self.rule.offset_hours = 2
        self.assertEqual(self.create_ticket(impact="high", urgency="high").escalation_level, 0)
        self.make_rule(level=2, trigger="priority_on_create", priority_threshold="1")
        self.assertEqual(self.create_ticket(impact="high", urgency="high").escalation_level, 2)

    def test_no_query_for_rules_a_desk_does_not_have(self):
        self.rule.active = False
        self.Rule._get_active_rule_ids(("priority_on_create",))  # fill the cache
        tickets = self.create_ticket()
        with self.assertQueryCount(0):
            self.assertFalse(self.Rule._fire_on_priority(tickets))

    def test_rule_scope_team_and_company(self):
        self.rule.team_id = self.team_b
        ticket = self.create_ticket(impact="high", urgency="high")
        self.assertEqual(ticket.escalation_level, 0, "a rule of team B does not apply to team A")
        ticket_b = self.create_ticket(team_id=self.team_b.id, impact="high", urgency="high")
        self.assertEqual(ticket_b.escalation_level, 1)
        self.rule.active = False
        self.assertEqual(self.create_ticket(team_id=self.team_b.id, impact="high", urgency="high").escalation_level, 0)

    def test_ticket_already_at_level_is_not_escalated_again(self):
        self.rule.level = 2
        low = self.make_rule(name="Level 1", trigger="priority_on_create", priority_threshold="1")
        ticket = self.create_ticket(impact="high", urgency="high")
        # Both rules fire in level order: 0 → 1 → 2.
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(
            [(log.rule_id, log.level_from, log.level_to) for log in ticket.escalation_log_ids.sorted("level_to")],
            [(low, 0, 1), (self.rule, 1, 2)],
        )


@tagged("post_install", "-at_install")
class TestEscalationActions(EscalationCommon):
    def fire(self, rule, ticket):
        return self.Rule._fire([(ticket, rule, "test reason")], ticket.create_date)

    def test_functional_escalation_uses_new_team_method(self):
        self.team_b.assignment_method = "round_robin"
        rule = self.make_rule(trigger="sla_breach", reassign_team_id=self.team_b.id)
        ticket = self.create_ticket(user_id=self.user_a.id)
        log = self.fire(rule, ticket)
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.user_id, self.user_b)
        self.assertEqual((log.team_from_id, log.team_to_id), (self.team_a, self.team_b))
        self.assertEqual((log.user_from_id, log.user_to_id), (self.user_a, self.user_b))
        self.assertIn(self.user_a.partner_id, ticket.message_partner_ids, "the earlier handler follows the ticket")
        self.assertTrue(ticket.with_user(self.user_a).name, "and keeps access to it")
        self.assertTrue(ticket.with_user(self.user_b).escalation_log_ids, "the new team sees the escalation")

    def test_functional_escalation_to_manual_team_unassigns(self):
        rule = self.make_rule(trigger="sla_breach", reassign_team_id=self.team_b.id)
        ticket = self.create_ticket(user_id=self.user_a.id)
        self.fire(rule, ticket)
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertFalse(ticket.user_id, "a manual team picks its tickets itself")

    def test_specific_user_and_raise_priority(self):
        rule = self.make_rule(
            trigger="sla_breach", reassign_user_mode="specific", reassign_user_id=self.manager.id, raise_priority=True
        )
        ticket = self.create_ticket(impact="low", urgency="low")  # P4
        self.flush_tracking()  # changes in the creating transaction are not tracked
        self.fire(rule, ticket)
        self.assertEqual(ticket.user_id, self.manager)
        self.assertEqual(ticket.priority, "3")
        self.assertTrue(ticket.priority_overridden)
        self.flush_tracking()
        tracked = ticket.message_ids.tracking_value_ids.filtered(lambda v: v.field_id.name == "priority")
        self.assertTrue(tracked, "the priority change is tracked")

    def test_priority_never_beyond_p1(self):
        rule = self.make_rule(trigger="sla_breach", raise_priority=True)
        ticket = self.create_ticket(impact="high", urgency="high")
        self.fire(rule, ticket)
        self.assertEqual(ticket.priority, "1")
        self.assertEqual(ticket.escalation_level, 1)

    def test_activity_for_assignee_without_anybody(self):
        rule = self.make_rule(trigger="sla_breach", activity_type_id=self.env.ref("mail.mail_activity_data_todo").id)
        self.team_b.leader_id = False
        ticket = self.create_ticket(team_id=self.team_b.id)
        log = self.fire(rule, ticket)
        self.assertFalse(ticket.activity_ids)
        self.assertIn("not scheduled", log.reason)


@tagged("post_install", "-at_install")
class TestEscalationLeave(EscalationCommon):
    def test_leader_on_leave_is_skipped(self):
        self.put_on_leave(self.user_a, MONDAY - timedelta(days=1), MONDAY + timedelta(days=5))
        rule = self.make_rule(trigger="sla_breach", reassign_user_mode="team_leader")
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
            log = self.Rule._fire([(ticket, rule, "test")], MONDAY)
        self.assertEqual(ticket.user_id, self.user_a2, "the next available member gets it")
        self.assertIn("is on leave", log.reason)
        self.assertIn(self.user_a.name, log.reason)

    def test_leave_in_the_past_does_not_count(self):
        self.put_on_leave(self.user_a, MONDAY - timedelta(days=10), MONDAY - timedelta(days=5))
        rule = self.make_rule(trigger="sla_breach", reassign_user_mode="team_leader")
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
            self.Rule._fire([(ticket, rule, "test")], MONDAY)
        self.assertEqual(ticket.user_id, self.user_a)

    def test_specific_user_on_leave_falls_back_to_leader(self):
        self.put_on_leave(self.manager, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1))
        rule = self.make_rule(trigger="sla_breach", reassign_user_mode="specific", reassign_user_id=self.manager.id)
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
            log = self.Rule._fire([(ticket, rule, "test")], MONDAY)
        self.assertEqual(ticket.user_id, self.user_a)
        self.assertIn(f"Assigned to {self.user_a.name} instead", log.reason)

    def test_automatic_assignment_skips_agents_on_leave(self):
        self.team_a.assignment_method = "round_robin"
        self.put_on_leave(self.user_a, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1))
        with freeze_time(MONDAY):
            tickets = self.env["helpdesk.ticket"].create(
                [{"name": f"t{i}", "team_id": self.team_a.id} for i in range(3)]
            )
        self.assertEqual(set(tickets.mapped("user_id")), {self.user_a2})

    def test_functional_escalation_logs_skipped_members(self):
        self.team_a.assignment_method = "least_open"
        self.put_on_leave(self.user_a2, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1))
        rule = self.make_rule(trigger="sla_breach", reassign_team_id=self.team_a.id)
        with freeze_time(MONDAY):
            ticket = self.create_ticket(team_id=self.team_b.id)
            log = self.Rule._fire([(ticket, rule, "test")], MONDAY)
        self.assertEqual(ticket.user_id, self.user_a)
        self.assertIn(f"Skipped (on leave): {self.user_a2.name}", log.reason)


@tagged("post_install", "-at_install")
class TestEscalationNoResponse(EscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_1 = cls.make_rule(
            name="2h without answer",
            trigger="no_first_response",
            offset_hours=2,
            team_id=cls.team_a.id,
            reassign_user_mode="team_leader",
        )
        cls.rule_2 = cls.make_rule(
            name="6h without answer",
            trigger="no_first_response",
            offset_hours=6,
            level=2,
            reassign_team_id=cls.team_b.id,
        )

    def test_ladder_in_business_hours(self):
        friday = MONDAY - timedelta(days=3) + timedelta(hours=8)  # Friday 16:00
        with freeze_time(friday):
            ticket = self.create_ticket(user_id=self.user_a2.id)
        # 1 hour on Friday, 1 hour on Monday morning.
        self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=1))
        with freeze_time(MONDAY + timedelta(minutes=59)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 0)
        with freeze_time(MONDAY + timedelta(hours=1)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(ticket.user_id, self.user_a)
        self.assertIn("within 2 business hours", ticket.escalation_log_ids.reason)
        # Next rung: 6 business hours after creation (1 on Friday, 08-12 and 13-14 on Monday).
        self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=6))
        with freeze_time(MONDAY + timedelta(hours=2)):
            self.run_cron()
        self.assertEqual(len(ticket.escalation_log_ids), 1, "a second run does nothing")
        with freeze_time(MONDAY + timedelta(hours=6)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertFalse(ticket.no_response_escalation_date, "no rung left")
        with freeze_time(MONDAY + timedelta(days=2)):
            self.run_cron()
        self.assertEqual(len(ticket.escalation_log_ids), 2)

    def test_first_response_stops_the_clock(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
            self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=2))
            ticket.with_user(self.user_a).message_post(
                body="We are on it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertTrue(ticket.first_response_date)
        self.assertFalse(ticket.no_response_escalation_date)
        with freeze_time(MONDAY + timedelta(days=1)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 0)

    def test_closed_tickets_and_other_teams(self):
        with freeze_time(MONDAY):
            cancelled = self.create_ticket()
            cancelled.stage_id = self.stage_cancelled
            other = self.create_ticket(team_id=self.team_b.id)
        # Only rule_2 (no team) applies to team B: 6 business hours.
        self.assertEqual(other.no_response_escalation_date, MONDAY + timedelta(hours=7))
        with freeze_time(MONDAY + timedelta(hours=3)):
            self.run_cron()
        self.assertEqual(cancelled.escalation_level, 0)
        self.assertEqual(other.escalation_level, 0)

    def test_new_rule_applies_to_waiting_tickets(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket(team_id=self.team_b.id)
            rule = self.make_rule(name="1h", trigger="no_first_response", offset_hours=1, team_id=self.team_b.id)
            self.env.flush_all()
            self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=1))
            rule.offset_hours = 3
            self.env.flush_all()
            self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=3))
            rule.team_id = self.team_a
            self.env.flush_all()
            self.assertEqual(ticket.no_response_escalation_date, MONDAY + timedelta(hours=7), "back to rule_2")
            self.rule_2.active = False
            self.env.flush_all()
            self.assertFalse(ticket.no_response_escalation_date)


@tagged("post_install", "-at_install")
class TestEscalationSla(EscalationCommon):
    """SLA triggers, fired through the API the SLA watcher calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["helpdesk.sla.policy"].create(
            {
                "name": "Resolution 8h",
                "metric": "resolution",
                "target_hours": 8,
                "sequence": 98,
                "team_ids": [(6, 0, cls.team_a.ids)],
            }
        )
        cls.rule_share = cls.make_rule(
            name="Half the time used",
            trigger="sla_share",
            share_percent=50,
            policy_id=cls.policy.id,
            activity_type_id=cls.env.ref("mail.mail_activity_data_todo").id,
            activity_user_mode="team_leader",
        )
        cls.rule_breach = cls.make_rule(
            name="Breached",
            trigger="sla_breach",
            level=2,
            policy_id=cls.policy.id,
            reassign_user_mode="team_leader",
            raise_priority=True,
        )
        cls.rule_late = cls.make_rule(
            name="Breached 2h ago",
            trigger="sla_breach",
            level=3,
            offset_hours=2,
            team_id=cls.team_a.id,
            reassign_user_mode="specific",
            reassign_user_id=cls.manager.id,
        )

    def line(self, ticket):
        return ticket.sla_ids.filtered(lambda line: line.policy_id == self.policy and not line.settled_date)

    def test_share_breach_and_offset_fire_once_each(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket(user_id=self.user_a2.id)
        line = self.line(ticket)
        self.assertEqual(line.deadline, MONDAY + timedelta(hours=9), "8 business hours: 17:00")
        steps = [
            (MONDAY + timedelta(hours=3, minutes=59), 0),
            (MONDAY + timedelta(hours=4), 1),  # 12:00: half of 8h used
            (MONDAY + timedelta(hours=5), 1),
            (MONDAY + timedelta(hours=9), 2),  # 17:00: breached
            (MONDAY + timedelta(days=1, hours=1, minutes=59), 2),
            (MONDAY + timedelta(days=1, hours=2), 3),  # Tuesday 10:00: 2 business hours after the breach
            (MONDAY + timedelta(days=2), 3),
        ]
        for now, level in steps:
            with self.subTest(now=now), freeze_time(now):
                self.Rule._fire_for_sla_lines(self.line(ticket), now)
                self.assertEqual(ticket.escalation_level, level)
        logs = ticket.escalation_log_ids.sorted("level_to")
        self.assertEqual(logs.rule_id, self.rule_share | self.rule_breach | self.rule_late)
        self.assertEqual(logs.mapped("trigger"), ["sla_share", "sla_breach", "sla_breach"])
        self.assertIn("50 % of the Resolution target", logs[0].reason)
        self.assertEqual(ticket.activity_ids.user_id, self.user_a, "activity for the team leader")
        self.assertEqual(logs[1].user_to_id, self.user_a)
        self.assertEqual(ticket.priority, "2", "P3 raised to P2 at breach")
        self.assertEqual(ticket.user_id, self.manager)

    def test_late_watcher_fires_the_ladder_in_order(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
        now = MONDAY + timedelta(days=3)
        with freeze_time(now):
            logs = self.Rule._fire_for_sla_lines(self.line(ticket), now)
        levels = [(log.level_from, log.level_to) for log in logs.sorted("level_to")]
        self.assertEqual(levels, [(0, 1), (1, 2), (2, 3)])

    def test_paused_and_settled_lines_do_not_escalate(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
        with freeze_time(MONDAY + timedelta(hours=1)):
            ticket.stage_id = self.stage_pending
        now = MONDAY + timedelta(days=3)
        with freeze_time(now):
            self.assertFalse(self.Rule._fire_for_sla_lines(ticket.sla_ids, now))
            ticket.stage_id = self.stage_progress
        with freeze_time(now + timedelta(minutes=1)):
            self.resolve(ticket)
            self.assertFalse(self.Rule._fire_for_sla_lines(ticket.sla_ids, now + timedelta(minutes=1)))
        self.assertEqual(ticket.escalation_level, 0)

    def test_watcher_cron_escalates(self):
        with freeze_time(MONDAY):
            ticket = self.create_ticket()
        with freeze_time(MONDAY + timedelta(hours=4)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 1)
        with freeze_time(MONDAY + timedelta(hours=4, minutes=1)):
            self.run_cron()
        self.assertEqual(len(ticket.escalation_log_ids), 1)
        with freeze_time(MONDAY + timedelta(hours=9)):
            self.run_cron()
        self.assertEqual(ticket.escalation_level, 2)


@tagged("post_install", "-at_install")
class TestEscalationConcurrency(CommittedDataCase):
    """Two workers escalating the same ticket, on committed data with two real cursors."""

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Concurrency team"})
            rule = env["helpdesk.escalation.rule"].create(
                {"name": "Concurrent rule", "trigger": "sla_breach", "team_id": team.id, "raise_priority": True}
            )
            ticket = env["helpdesk.ticket"].create({"name": "Two workers", "team_id": team.id})
            return {"team": team, "rule": rule, "ticket": ticket}

        self.commit_records(create)

    def fire(self, env, reason):
        ticket = env["helpdesk.ticket"].browse(self.ids["ticket"])
        rule = env["helpdesk.escalation.rule"].browse(self.ids["rule"])
        return rule._fire([(ticket, rule, reason)], fields.Datetime.now())

    def assert_escalated_once(self):
        with self.worker() as env:
            ticket = env["helpdesk.ticket"].browse(self.ids["ticket"])
            self.assertEqual(ticket.escalation_level, 1)
            self.assertEqual(ticket.priority, "2", "P3 raised once, not twice")
            self.assertEqual(len(ticket.escalation_log_ids), 1)
            self.assertEqual(len(ticket.message_ids.filtered(lambda m: "Escalated to level" in (m.body or ""))), 1)

    def test_unique_index_under_two_cursors(self):
        values = {
            "ticket_id": self.ids["ticket"],
            "rule_id": self.ids["rule"],
            "company_id": self.env.company.id,
            "level_to": 1,
            "reason": "worker",
            "trigger": "sla_breach",
        }
        with self.worker() as env1:
            env1["helpdesk.escalation.log"].create(values)
        with self.worker() as env2, mute_logger("odoo.sql_db"):
            with self.assertRaises(psycopg2.errors.UniqueViolation):
                env2["helpdesk.escalation.log"].create(values)
            env2.cr.rollback()
        # Manual escalations (no rule) are not limited.
        with self.worker() as env3:
            env3["helpdesk.escalation.log"].create([{**values, "rule_id": False, "trigger": "manual"}] * 2)

    def test_worker_with_an_older_snapshot_escalates_nothing(self):
        with self.worker() as env1, self.worker() as env2:
            # Worker 2 reads the ticket (its snapshot) while nothing is logged yet...
            self.assertEqual(env2["helpdesk.ticket"].browse(self.ids["ticket"]).escalation_level, 0)
            # ...worker 1 escalates and commits first...
            self.assertEqual(len(self.fire(env1, "worker 1")), 1)
            env1.cr.commit()
            # ...so worker 2's log conflicts and none of its actions run.
            self.assertFalse(self.fire(env2, "worker 2"))
        self.assert_escalated_once()

    def test_simultaneous_workers_escalate_once(self):
        """Worker 2 logs while worker 1's escalation is not committed yet: it waits, then skips."""
        result = {}
        with self.worker() as env1, self.worker() as env2:
            self.assertEqual(env2["helpdesk.ticket"].browse(self.ids["ticket"]).escalation_level, 0)
            self.assertEqual(len(self.fire(env1, "worker 1")), 1)

            def worker_2():
                try:
                    result["logs"] = self.fire(env2, "worker 2").ids
                except Exception as error:  # noqa: BLE001 - re-raised in the main thread
                    result["error"] = error

            thread = threading.Thread(target=worker_2)
            thread.start()
            # Worker 2's insert waits on worker 1's uncommitted row (or conflicts with it).
            env1.cr.commit()
            thread.join(timeout=60)
            self.assertFalse(thread.is_alive())
            if "error" in result:
                raise result["error"]
            self.assertEqual(result["logs"], [])
        self.assert_escalated_once()
