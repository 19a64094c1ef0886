"""Each lifecycle decision has one home; these tests hold every caller to it."""

from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2.errors
from markupsafe import Markup

from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestStageForState(HelpdeskCommon):
    """helpdesk.team._get_stage_for_state: the team's own stages and the shared ones, never
    another team's; callers that cannot find one say so."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["helpdesk.stage"]
        cls.solved_b = Stage.create(
            {"name": "Solved (B)", "state": "resolved", "sequence": 1, "team_ids": cls.team_b.ids}
        )
        # Team C's pipeline has no resolved stage of its own and no shared one applies to it.
        cls.team_c = cls.env["helpdesk.team"].create(
            {
                "name": "Team C",
                "closure_confirmation": False,
                "stage_ids": [(6, 0, (cls.stage_new | cls.stage_progress | cls.stage_pending | cls.stage_closed).ids)],
                "resolve_on_task_done": True,
            }
        )

    def test_team_stage_first_then_shared(self):
        self.assertEqual(self.team_b._get_stage_for_state("resolved"), self.solved_b, "its own, by sequence")
        self.assertEqual(self.team_a._get_stage_for_state("resolved"), self.stage_resolved)
        shared = self.env["helpdesk.stage"].create({"name": "On Hold", "state": "pending", "sequence": 0})
        self.assertEqual(self.team_c._get_stage_for_state("pending"), shared, "stages without teams are everyone's")
        self.assertFalse(self.team_c._get_stage_for_state("resolved"), "never another team's stage")
        self.assertEqual(self.env["helpdesk.team"]._get_stage_for_state("resolved"), self.solved_b, "no team: any")

    def test_automatic_resolutions_use_the_teams_resolved_stage_or_none(self):
        ticket_b = self.create_ticket(team_id=self.team_b.id)
        ticket_c = self.create_ticket(team_id=self.team_c.id)
        tickets = ticket_b | ticket_c
        vals = {"resolution_note": Markup("<p>Done</p>"), "closure_code_id": self.code_solved.id}
        with self.assertLogs("odoo.addons.helpdesk_itil.models.helpdesk_ticket", "WARNING") as logs:
            moved = tickets._set_state("resolved", vals, strict=False)
        self.assertEqual(moved, ticket_b)
        self.assertEqual(ticket_b.stage_id, self.solved_b)
        self.assertEqual(ticket_c.state, "new", "team C has no resolved stage: neither closed nor moved elsewhere")
        self.assertIn("Team C has no stage for the state Resolved", logs.output[0])
        with self.assertRaisesRegex(UserError, "Team C has no stage for the state Resolved: add one"):
            ticket_c._set_state("resolved", vals)

    def test_every_caller_asks_the_same_home(self):
        """The pending timer, an ERP document done and a customer's reply all agree."""
        project = self.env["project.project"].create({"name": "Field service"})
        ticket = self.create_ticket(team_id=self.team_c.id, partner_id=self.contact.id)
        task = self.env["project.task"].create(
            {"name": "Visit", "project_id": project.id, "helpdesk_ticket_id": ticket.id}
        )
        task.state = "1_done"
        self.assertEqual(ticket.state, "new", "no resolved stage in team C: the ERP hook leaves it")
        self.team_c.pending_auto_resolve_days = 2
        with freeze_time(datetime(2026, 3, 2, 10)):
            ticket.stage_id = self.stage_pending
        self.run_cron(when=datetime(2026, 3, 9, 10))
        self.assertEqual(ticket.state, "pending", "the timer leaves it too (it used to close it)")
        self.assertEqual(self.create_ticket(team_id=self.team_c.id).stage_id, self.stage_new)


@tagged("post_install", "-at_install")
class TestAuthorRole(HelpdeskCommon):
    """helpdesk.ticket._author_role: the one answer to "is this an agent"."""

    def test_roles(self):
        Ticket = self.env["helpdesk.ticket"]
        self.assertEqual(Ticket._author_role(self.agent.partner_id), "agent")
        self.assertEqual(Ticket._author_role(self.user_a.partner_id), "agent")
        self.assertEqual(Ticket._author_role(self.env.ref("base.partner_root")), "system")
        self.assertEqual(Ticket._author_role(self.portal_user.partner_id), "customer")
        self.assertEqual(Ticket._author_role(self.contact), "customer")
        self.assertEqual(Ticket._author_role(self.env["res.partner"]), "customer", "an unknown sender")

    def test_odoobot_neither_answers_nor_asks(self):
        """OdooBot's public messages (acknowledgements, reminders) are no first response and
        open no next-response line."""
        self.env["helpdesk.sla.policy"].create(
            {"name": "Next 2h", "metric": "next_response", "target_hours": 2, "sequence": -5}
        )
        ticket = self.create_ticket(partner_id=self.contact.id)
        ticket.message_post(
            body="Automatic",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.env.ref("base.partner_root").id,
        )
        self.assertFalse(ticket.first_response_date)
        self.assertFalse(ticket.sla_ids.filtered(lambda line: line.metric == "next_response"))
        ticket.with_user(self.agent).message_post(body="On it", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertTrue(ticket.first_response_date)
        ticket.message_post(
            body="Any news?", message_type="email", subtype_xmlid="mail.mt_comment", author_id=self.contact.id
        )
        self.assertTrue(ticket.sla_ids.filtered(lambda line: line.metric == "next_response"))


@tagged("post_install", "-at_install")
class TestReclassification(HelpdeskCommon):
    """Reclassification re-runs triage."""

    def test_team_change_reassigns_by_the_new_teams_method(self):
        self.team_b.assignment_method = "round_robin"
        ticket = self.create_ticket(user_id=self.user_a.id)
        ticket.team_id = self.team_b
        self.assertEqual(ticket.user_id, self.user_b, "the assignee is not a member of team B")
        ticket.write({"team_id": self.team_a.id, "user_id": self.user_b.id})
        self.assertEqual(ticket.user_id, self.user_b, "an assignee given with the team is kept")
        ticket.team_id = self.team_b
        self.assertEqual(ticket.user_id, self.user_b, "a member of the new team keeps the ticket")
        ticket.user_id = self.user_a2
        self.team_a.assignment_method = "manual"
        ticket.team_id = self.team_a
        self.assertEqual(ticket.user_id, self.user_a2, "a member of team A keeps it")
        self.team_b.assignment_method = "manual"
        other = self.create_ticket(user_id=self.user_a.id)
        other.team_id = self.team_b
        self.assertFalse(other.user_id, "a manual team picks its tickets itself")

    def test_customer_tier_change_reprioritises_open_tickets(self):
        open_ticket = self.create_ticket(partner_id=self.contact.id)  # P3
        overridden = self.create_ticket(partner_id=self.contact.id, priority="4")
        closed = self.create_ticket(partner_id=self.contact.id)
        self.resolve(closed, self.stage_closed)
        other = self.create_ticket()
        self.customer.helpdesk_tier = "gold"
        self.assertEqual(self.contact.helpdesk_tier, "gold", "contacts follow their company")
        self.assertEqual(open_ticket.priority, "2", "one level up for a gold customer")
        self.assertFalse(open_ticket.priority_overridden)
        self.assertEqual(overridden.priority, "4", "an agent's choice is kept")
        self.assertEqual(closed.priority, "3", "closed tickets are history")
        self.assertEqual(other.priority, "3")
        self.customer.helpdesk_tier = "standard"
        self.assertEqual(open_ticket.priority, "3")

    def test_tier_raise_fires_major_incident_rules(self):
        self.env["helpdesk.escalation.rule"].create(
            {"name": "Major", "trigger": "priority_on_create", "priority_threshold": "2", "company_id": self.company.id}
        )
        ticket = self.create_ticket(partner_id=self.contact.id)
        self.assertEqual(ticket.escalation_level, 0)
        self.customer.helpdesk_tier = "platinum"
        self.assertEqual(ticket.escalation_level, 1)


@tagged("post_install", "-at_install")
class TestClockCache(HelpdeskCommon):
    """Working intervals are cached for the registry: only what shapes a clock clears it."""

    def test_only_calendar_wide_leaves_clear_the_cache(self):
        calendar = self.team_a.resource_calendar_id
        resource = self.env["resource.resource"].create({"name": "Ana", "user_id": self.user_a.id})
        Leaves = self.env["resource.calendar.leaves"]
        with patch.object(type(self.env.registry), "clear_cache") as clear:
            time_off = Leaves.create(
                {
                    "name": "Dentist",
                    "resource_id": resource.id,
                    "date_from": "2026-03-02 09:00",
                    "date_to": "2026-03-02 12:00",
                }
            )
            time_off.date_to = "2026-03-02 13:00"
            time_off.unlink()
            self.assertFalse(clear.called, "an employee's time off changes no helpdesk clock")
            holiday = Leaves.create(
                {
                    "name": "Holiday",
                    "calendar_id": calendar.id,
                    "date_from": "2026-03-03 00:00",
                    "date_to": "2026-03-04 00:00",
                }
            )
            self.assertEqual(clear.call_count, 1)
            holiday.unlink()
            self.assertEqual(clear.call_count, 2)

    def test_a_holiday_moves_the_next_deadline(self):
        self.env["helpdesk.sla.policy"].create({"name": "4h", "target_hours": 4, "sequence": -5})
        calendar = self.team_a.resource_calendar_id
        monday = datetime(2026, 3, 2, 15)  # 17:00 closing in the standard 8-17 calendar (UTC company)
        with freeze_time(monday):
            before = self.create_ticket().sla_ids.deadline
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Holiday",
                    "calendar_id": calendar.id,
                    "date_from": "2026-03-03 00:00",
                    "date_to": "2026-03-04 00:00",
                }
            )
            after = self.create_ticket().sla_ids.deadline
        self.assertGreater(after, before + timedelta(hours=20), "Tuesday off: the deadline moves to Wednesday")


@tagged("post_install", "-at_install")
class TestTimerBatches(HelpdeskCommon):
    """helpdesk.ticket._run_timer: a batch that meets a deadlock or a serialization failure is
    left for the next run; the run goes on with the next batch."""

    def test_failed_batch_is_left_for_the_next_run(self):
        tickets = self.env["helpdesk.ticket"].create([{"name": f"T{i}", "team_id": self.team_a.id} for i in range(5)])
        handled = []

        def process(batch):
            if not handled:
                handled.append(None)
                batch.write({"color": 3})  # rolled back with the batch
                raise psycopg2.errors.DeadlockDetected()
            handled.append(batch.ids)
            batch.write({"color": 7})

        code = f"model._run_timer([('id', 'in', {tickets.ids})], model._timer_test_process, batch_size=2)"
        with patch.object(type(self.env["helpdesk.ticket"]), "_timer_test_process", staticmethod(process), create=True):
            self.run_cron(code)
        self.assertEqual(handled[1:], [tickets[2:4].ids, tickets[4:].ids])
        self.assertEqual(tickets.mapped("color"), [0, 0, 7, 7, 7], "the failed batch left nothing behind")
