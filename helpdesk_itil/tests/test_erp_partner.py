from odoo import Command
from odoo.tests import Form, tagged

from .common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestErpPartner(HelpdeskErpCommon):
    def test_open_and_closed_ticket_counts(self):
        # self.ticket (contact, new) comes from the fixtures.
        pending = self.create_ticket(partner_id=self.customer.id, stage_id=self.stage_pending.id)
        resolved = self.create_ticket(partner_id=self.contact.id)
        self.resolve(resolved)
        self.create_ticket(partner_id=self.contact.id, stage_id=self.stage_cancelled.id)
        customer = self.customer.with_user(self.agent)
        self.assertEqual(customer.helpdesk_ticket_count, 4)
        self.assertEqual(customer.helpdesk_open_ticket_count, 2, "a company counts its contacts' tickets")
        self.assertEqual(customer.helpdesk_closed_ticket_count, 2, "resolved and cancelled")
        contact = self.contact.with_user(self.agent)
        self.assertEqual((contact.helpdesk_open_ticket_count, contact.helpdesk_closed_ticket_count), (1, 2))
        self.assertTrue(pending)

    def test_counts_respect_ticket_access(self):
        self.create_ticket(partner_id=self.contact.id, team_id=self.team_b.id)
        self.assertEqual(self.contact.with_user(self.user_a).helpdesk_open_ticket_count, 1)
        self.assertEqual(self.contact.with_user(self.user_b).helpdesk_open_ticket_count, 1)
        self.assertEqual(self.contact.with_user(self.agent).helpdesk_open_ticket_count, 2)

    def test_last_csat(self):
        self.assertFalse(self.customer.helpdesk_last_rating_text)
        older = self.create_ticket(partner_id=self.contact.id)
        older.rating_apply(2, token=older._rating_get_access_token())
        self.ticket.rating_apply(5, token=self.ticket._rating_get_access_token())
        for partner in (self.contact, self.customer):
            partner.invalidate_recordset()
            self.assertEqual(partner.with_user(self.agent).helpdesk_last_rating, 5)
            self.assertEqual(partner.with_user(self.agent).helpdesk_last_rating_text, "top")
        # A rating request not answered yet is no CSAT.
        self.create_ticket(partner_id=self.contact.id)._rating_get_access_token()
        self.contact.invalidate_recordset()
        self.assertEqual(self.contact.helpdesk_last_rating_text, "top")

    def test_sla_compliance(self):
        if "helpdesk.ticket.sla" not in self.env:
            self.assertEqual(self.customer.helpdesk_sla_settled_count, 0, "no SLA engine: nothing to measure")
            self.assertEqual(self.customer.helpdesk_sla_compliance, 0)
            return
        # A policy of another team: the engine leaves these tickets alone, the lines are ours.
        policy = self.env["helpdesk.sla.policy"].create(
            {"name": "Resolve in 8h", "target_hours": 8, "team_ids": [Command.set(self.team_b.ids)]}
        )
        lines = self.env["helpdesk.ticket.sla"]
        for status in ("reached", "reached", "reached", "failed", "ongoing"):
            ticket = self.create_ticket(partner_id=self.contact.id)
            lines |= lines.create(
                {
                    "ticket_id": ticket.id,
                    "policy_id": policy.id,
                    "kind": "sla",
                    "metric": policy.metric,
                    "status": status,
                    "start_date": "2030-01-01 08:00:00",
                }
            )
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.helpdesk_sla_settled_count, 4)
        self.assertEqual(self.customer.helpdesk_sla_compliance, 75.0)

    def test_contact_form_shows_helpdesk_figures(self):
        arch = self.env["res.partner"].with_user(self.agent).get_views([(False, "form")])["views"]["form"]["arch"]
        for fname in (
            "helpdesk_open_ticket_count",
            "helpdesk_closed_ticket_count",
            "helpdesk_sla_compliance",
            "helpdesk_last_rating_text",
            "helpdesk_tier",
        ):
            self.assertIn(fname, arch)
        employee_arch = (
            self.env["res.partner"].with_user(self.salesman).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn("helpdesk_open_ticket_count", employee_arch)


@tagged("post_install", "-at_install")
class TestErpCustomerTier(HelpdeskErpCommon):
    def test_gold_and_platinum_raise_the_matrix_priority(self):
        expectations = {"standard": "3", "silver": "3", "gold": "2", "platinum": "2"}
        for tier, priority in expectations.items():
            self.customer.helpdesk_tier = tier
            ticket = self.create_ticket(partner_id=self.contact.id, impact="medium", urgency="medium")
            self.assertEqual(ticket.priority, priority, tier)
            self.assertFalse(ticket.priority_overridden)
        ticket = self.create_ticket(partner_id=self.customer.id, impact="high", urgency="high")
        self.assertEqual(ticket.priority, "1", "P1 cannot go higher")
        ticket = self.create_ticket(partner_id=self.customer.id, impact="low", urgency="low")
        self.assertEqual(ticket.priority, "3", "P4 becomes P3")

    def test_contacts_follow_the_company_tier(self):
        self.customer.helpdesk_tier = "gold"
        self.assertEqual(self.contact.helpdesk_tier, "gold")
        new_contact = self.env["res.partner"].create({"name": "Neo Contact", "parent_id": self.customer.id})
        self.assertEqual(new_contact.helpdesk_tier, "gold")

    def test_customer_change_updates_proposed_priority(self):
        gold = self.env["res.partner"].create({"name": "Gold Co", "is_company": True, "helpdesk_tier": "gold"})
        ticket = self.create_ticket(partner_id=self.contact.id)
        self.assertEqual(ticket.priority, "3")
        with Form(ticket.with_user(self.agent)) as form:
            form.partner_id = gold
            self.assertEqual(form.priority, "2")
        self.assertEqual(ticket.priority, "2")
        self.assertFalse(ticket.priority_overridden)

    def test_agent_override_stays_and_reset_uses_tier(self):
        self.customer.helpdesk_tier = "platinum"
        ticket = self.create_ticket(partner_id=self.contact.id)
        self.assertEqual(ticket.priority, "2")
        # Choosing the boosted priority is no override…
        ticket.with_user(self.agent).write({"priority": "2", "impact": "medium"})
        self.assertFalse(ticket.priority_overridden)
        # …another one is, and survives a change of impact.
        ticket.with_user(self.agent).priority = "4"
        self.assertTrue(ticket.priority_overridden)
        ticket.impact = "high"
        self.assertEqual(ticket.priority, "4")
        ticket.with_user(self.agent).action_reset_priority()
        self.assertEqual(ticket.priority, "1", "matrix P2 for high × medium, raised for platinum")
        self.assertFalse(ticket.priority_overridden)

    def test_priority_given_at_creation_for_tier_customer(self):
        self.customer.helpdesk_tier = "gold"
        ticket = self.create_ticket(partner_id=self.contact.id, priority="2")
        self.assertFalse(ticket.priority_overridden, "P2 is what the matrix and tier propose")
        ticket = self.create_ticket(partner_id=self.contact.id, priority="3")
        self.assertTrue(ticket.priority_overridden)
