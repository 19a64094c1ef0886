from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketPriority(HelpdeskCommon):
    def test_default_matrix(self):
        expected = {
            ("high", "high"): "1",
            ("high", "medium"): "2",
            ("medium", "high"): "2",
            ("medium", "medium"): "3",
            ("high", "low"): "3",
            ("low", "high"): "3",
            ("medium", "low"): "4",
            ("low", "medium"): "4",
            ("low", "low"): "4",
        }
        tickets = self.env["helpdesk.ticket"].create(
            [{"name": f"{i}/{u}", "team_id": self.team_a.id, "impact": i, "urgency": u} for i, u in expected]
        )
        for ticket, priority in zip(tickets, expected.values(), strict=True):
            self.assertEqual(ticket.priority, priority, f"impact {ticket.impact} × urgency {ticket.urgency}")
            self.assertEqual(ticket.is_urgent, priority in ("1", "2"))
            self.assertFalse(ticket.priority_overridden)

    def test_matrix_follows_impact_and_urgency_changes(self):
        ticket = self.create_ticket(impact="low", urgency="low")
        self.assertEqual(ticket.priority, "4")
        ticket.write({"impact": "high", "urgency": "high"})
        self.assertEqual(ticket.priority, "1")
        self.assertFalse(ticket.priority_overridden)

    def test_company_overrides_a_cell(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.env["helpdesk.priority.matrix"].create(
            {"company_id": other_company.id, "impact": "medium", "urgency": "medium", "priority": "2"}
        )
        team = self.env["helpdesk.team"].create({"name": "Other desk", "company_id": other_company.id})
        ours = self.create_ticket()
        theirs = self.env["helpdesk.ticket"].create({"name": "x", "team_id": team.id})
        self.assertEqual(ours.priority, "3")
        self.assertEqual(theirs.company_id, other_company)
        self.assertEqual(theirs.priority, "2")

    def test_matrix_edits_apply_to_the_next_ticket_at_once(self):
        # The matrix is cached for the registry: every change must clear it.
        Matrix = self.env["helpdesk.priority.matrix"]
        self.assertEqual(self.create_ticket().priority, "3")
        cell = Matrix.search([("company_id", "=", False), ("impact", "=", "medium"), ("urgency", "=", "medium")])
        cell.priority = "1"
        self.assertEqual(self.create_ticket().priority, "1")
        cell.unlink()
        self.assertEqual(self.create_ticket().priority, "3", "a missing cell falls back to the built-in default")
        Matrix.create({"impact": "medium", "urgency": "medium", "priority": "4"})
        self.assertEqual(self.create_ticket().priority, "4")

    def test_matrix_cell_unique_per_company(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["helpdesk.priority.matrix"].create({"impact": "high", "urgency": "high", "priority": "2"})
            self.env.flush_all()

    def test_agent_override_is_kept_and_tracked(self):
        ticket = self.create_ticket(impact="low", urgency="low")
        self.flush_tracking()  # changes in the creating transaction are not tracked
        ticket.with_user(self.agent).priority = "1"
        self.assertTrue(ticket.priority_overridden)
        self.flush_tracking()
        tracked = ticket.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("priority", tracked)
        self.assertIn("priority_overridden", tracked)
        # Later impact changes do not undo the agent's choice…
        ticket.impact = "medium"
        self.assertEqual(ticket.priority, "1")
        # …until the agent goes back to the matrix.
        ticket.action_reset_priority()
        self.assertFalse(ticket.priority_overridden)
        self.assertEqual(ticket.priority, "4")

    def test_override_at_creation(self):
        ticket = self.create_ticket(impact="low", urgency="low", priority="2")
        self.assertEqual(ticket.priority, "2")
        self.assertTrue(ticket.priority_overridden)
        same = self.create_ticket(impact="low", urgency="low", priority="4")
        self.assertFalse(same.priority_overridden, "the matrix value is no override")

    def test_override_through_form(self):
        ticket = self.create_ticket(impact="medium", urgency="medium")
        with Form(ticket.with_user(self.agent)) as form:
            form.priority = "1"
        self.assertTrue(ticket.priority_overridden)
        self.assertEqual(ticket.priority, "1")

    def test_invalid_priority_rejected(self):
        with self.assertRaisesRegex(ValidationError, "not a valid Priority"):
            self.create_ticket(priority="0")
