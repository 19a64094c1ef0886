from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, tagged

from .alert_common import am_alert, am_payload
from .common import HelpdeskPortalFixtures


@tagged("post_install", "-at_install")
class TestClosureNeedsConfirmation(HelpdeskPortalFixtures, TransactionCase):
    """Teams whose closure needs the customer's confirmation: agents resolve; the customer,
    the auto-close timer, a system closure or a manager with a written reason close."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()
        cls.team_a.closure_confirmation = True
        cls.ticket = cls.ticket_carla

    def close_as(self, user, ticket=None):
        (ticket or self.ticket).with_user(user).write({"stage_id": self.stage_closed.id})

    def test_new_teams_need_confirmation(self):
        self.assertTrue(self.env["helpdesk.team"].create({"name": "New desk"}).closure_confirmation)

    def test_agents_resolve_but_do_not_close(self):
        for user in (self.agent, self.user_a, self.manager):
            with self.subTest(user=user.login), self.assertRaisesRegex(UserError, "needs the customer's confirmation"):
                self.close_as(user)
        self.assertEqual(self.ticket.state, "new")
        self.resolve_as_agent(self.ticket)
        with self.assertRaisesRegex(UserError, "Resolve the ticket instead"):
            self.close_as(self.agent)
        self.assertEqual(self.ticket.state, "resolved")
        # A closure origin in the context is honoured in superuser mode only (RPC cannot get it).
        with self.assertRaisesRegex(UserError, "needs the customer's confirmation"):
            self.ticket.with_user(self.agent).with_context(helpdesk_closure="customer").write(
                {"stage_id": self.stage_closed.id}
            )
        # Cancelling stays the agents' decision.
        self.ticket.with_user(self.agent).stage_id = self.stage_cancelled
        self.assertEqual(self.ticket.state, "cancelled")

    def test_teams_without_confirmation_close_directly(self):
        ticket = self.create_ticket(team_id=self.team_b.id)
        self.resolve(ticket, self.stage_closed)
        self.assertEqual(ticket.state, "closed")

    def test_customer_confirmation_closes(self):
        self.resolve_as_agent(self.ticket)
        self.ticket.sudo()._portal_confirm_resolution(self.contact)
        self.assertEqual(self.ticket.state, "closed")
        self.assertEqual(self.ticket.customer_confirmation, "confirmed")

    def test_timer_closes_without_confirmation(self):
        with freeze_time("2026-03-02 10:00:00"):
            self.resolve_as_agent(self.ticket)
        self.run_cron(when=self.ticket.resolved_date + timedelta(days=5))
        self.assertEqual(self.ticket.state, "closed")
        self.assertEqual(self.ticket.customer_confirmation, "none")
        self.assertTrue(self.ticket.message_ids.filtered(lambda m: "Closed without confirmation" in (m.body or "")))

    def test_manager_closes_with_a_reason(self):
        self.resolve_as_agent(self.ticket)
        action = self.ticket.with_user(self.manager).action_close_without_confirmation()
        form = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
        self.assertFalse(form.needs_resolution, "the agent's resolution is kept")
        with self.assertRaises(AssertionError):  # the reason is required in the form...
            form.save()
        wizard = self.env["helpdesk.ticket.close"].with_user(self.manager).create({"ticket_id": self.ticket.id})
        with self.assertRaisesRegex(UserError, "Say why"):  # ...and checked on the server
            wizard.action_close()
        self.assertEqual(self.ticket.state, "resolved")
        form.reason = "<p>The customer confirmed by phone.</p>"
        form.save().action_close()
        self.assertEqual(self.ticket.state, "closed")
        self.assertEqual(self.ticket.customer_confirmation, "none")
        note = self.ticket.message_ids.filtered(lambda m: "without the customer's confirmation" in (m.body or ""))
        self.assertIn("confirmed by phone", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertTrue(note.subtype_id.internal)
        self.assertIn("replaced the toner sensor", self.ticket.resolution_note)

    def test_manager_closes_an_open_ticket_with_its_resolution(self):
        Wizard = self.env["helpdesk.ticket.close"].with_user(self.manager)
        wizard = Wizard.create({"ticket_id": self.ticket.id, "reason": "<p>Duplicate of a phone call.</p>"})
        self.assertTrue(wizard.needs_resolution)
        with self.assertRaisesRegex(UserError, "fill in"):
            wizard.action_close()
        wizard.write({"resolution_note": "<p>Answered by phone.</p>", "closure_code_id": self.code_solved.id})
        wizard.action_close()
        self.assertEqual(self.ticket.state, "closed")

    def test_only_managers_close_without_confirmation(self):
        self.resolve_as_agent(self.ticket)
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.close"].with_user(self.agent).create(
                {"ticket_id": self.ticket.id, "reason": "<p>x</p>"}
            )
        wizard = self.env["helpdesk.ticket.close"].create({"ticket_id": self.ticket.id, "reason": "<p>x</p>"})
        with self.assertRaises(AccessError):
            wizard.with_user(self.agent).action_close()
        self.assertEqual(self.ticket.state, "resolved")
        arch = self.env["helpdesk.ticket"].with_user(self.agent).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_close_without_confirmation", arch, "agents do not see the Close button")

    def test_monitoring_recovery_closes_as_a_system_closure(self):
        source = self.env["helpdesk.alert.source"].create(
            {"name": "Prometheus", "team_id": self.team_a.id, "quiet_period_minutes": 15}
        )
        source._process_alerts(source._parse_alerts(am_payload(am_alert("fp-1"))))
        source._process_alerts(source._parse_alerts(am_payload(am_alert("fp-1", status="resolved"))))
        ticket = self.env["helpdesk.ticket"].search([("alert_source_id", "=", source.id)])
        self.assertEqual(ticket.state, "resolved")
        self.run_cron(when=ticket.resolved_date + timedelta(minutes=16))
        self.assertEqual(ticket.state, "closed")

    def test_a_pipeline_cannot_close(self):
        source = self.env["helpdesk.alert.source"].create({"name": "CI", "kind": "pipeline"})
        self.resolve_as_agent(self.ticket)
        with self.assertRaisesRegex(UserError, "needs the customer's confirmation"):
            source._process_pipeline({"ticket": self.ticket.reference, "stage": "closed", "note": "Deployed"})
        self.assertEqual(self.ticket.state, "resolved")
