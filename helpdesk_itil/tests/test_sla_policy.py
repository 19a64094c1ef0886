from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common_sla import MONDAY, HelpdeskSlaCommon


@tagged("post_install", "-at_install")
class TestSlaPolicy(HelpdeskSlaCommon):
    # Configuration checks

    def test_target_must_be_positive(self):
        with self.assertRaisesMessage(ValidationError, "positive number of business hours"):
            self.make_policy(target_hours=0)
        policy = self.make_policy(target_hours=2)
        with self.assertRaisesMessage(ValidationError, "positive number of business hours"):
            policy.target_hours = -1

    def test_at_risk_percent_bounds(self):
        for percent in (0, 100, 150):
            with self.assertRaisesMessage(ValidationError, "between 1 and 99"):
                self.make_policy(at_risk_percent=percent)
        self.assertTrue(self.make_policy(at_risk_percent=99))

    def test_calendar_must_be_resolvable(self):
        company = self.env["res.company"].create({"name": "No Hours Inc."})
        company.resource_calendar_id = False
        team = self.env["helpdesk.team"].with_company(company).create({"name": "Night desk", "company_id": company.id})
        team.resource_calendar_id = False
        Policy = self.env["helpdesk.sla.policy"].with_company(company)
        with self.assertRaisesMessage(ValidationError, "no working hours.*Night desk"):
            Policy.create({"name": "Night SLA", "company_id": company.id, "team_ids": [(6, 0, team.ids)]})
        with self.assertRaisesMessage(ValidationError, "no working hours.*No Hours Inc."):
            Policy.create({"name": "Any team", "company_id": company.id})
        calendar = self.env["resource.calendar"].create({"name": "Night", "company_id": company.id})
        policy = Policy.create({"name": "Night SLA", "company_id": company.id, "calendar_id": calendar.id})
        with self.assertRaisesMessage(ValidationError, "no working hours"):
            policy.calendar_id = False

    def test_overlapping_policies_need_different_sequences(self):
        self.make_policy(name="Default", sequence=10)
        with self.assertRaisesMessage(ValidationError, "give them different sequences"):
            self.make_policy(name="Other default", sequence=10)
        # Another sequence, kind or metric is fine.
        self.make_policy(name="Fallback", sequence=20)
        self.make_policy(name="Internal", kind="ola", sequence=10)
        self.make_policy(name="Response", metric="first_response", sequence=10)
        # Team filters: disjoint teams may share a sequence, overlapping ones may not.
        self.make_policy(name="Team A", sequence=5, team_ids=[(6, 0, self.team_a.ids)])
        self.make_policy(name="Team B", sequence=5, team_ids=[(6, 0, self.team_b.ids)])
        with self.assertRaisesMessage(ValidationError, "give them different sequences"):
            self.make_policy(name="Teams A+B", sequence=5, team_ids=[(6, 0, (self.team_a | self.team_b).ids)])
        # An archived policy does not count, until it is restored.
        archived = self.make_policy(name="Old default", sequence=30, active=False)
        archived.sequence = 10
        with self.assertRaisesMessage(ValidationError, "give them different sequences"):
            archived.active = True

    def test_used_policy_cannot_be_deleted(self):
        policy = self.make_policy()
        unused = self.make_policy(name="Unused", sequence=50)
        self.create_ticket()
        with self.assertRaisesMessage(UserError, "archive them instead"):
            policy.unlink()
        unused.unlink()

    # Matching

    def match(self, ticket):
        return self.env["helpdesk.sla.policy"]._get_matching_policies(ticket)[ticket]

    def test_matching_filters(self):
        parent = self.env["helpdesk.category"].create({"name": "Hardware"})
        child = self.env["helpdesk.category"].create({"name": "Laptops", "parent_id": parent.id})
        other_category = self.env["helpdesk.category"].create({"name": "Software"})
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        self.customer.category_id = vip
        tag = self.env["helpdesk.tag"].create({"name": "outage"})
        by_category = self.make_policy(name="Hardware", sequence=1, category_ids=[(6, 0, parent.ids)])
        by_priority = self.make_policy(name="P2+", sequence=2, priority="2", priority_operator="at_least")
        exact = self.make_policy(name="P3 only", sequence=3, priority="3")
        by_customer = self.make_policy(name="Acme", sequence=4, partner_ids=[(6, 0, self.customer.ids)])
        by_partner_tag = self.make_policy(name="VIP", sequence=5, partner_category_ids=[(6, 0, vip.ids)])
        by_tag = self.make_policy(name="Outage", sequence=6, tag_ids=[(6, 0, tag.ids)])
        by_type = self.make_policy(name="Incidents", sequence=7, type_ids=[(6, 0, self.type_incident.ids)])
        by_team = self.make_policy(name="Team B", sequence=8, team_ids=[(6, 0, self.team_b.ids)])

        def winner(**values):
            ticket = self.create_ticket(**values)
            return self.match(ticket).get(("sla", "resolution"))

        # Sub-categories match their parent's policy; other categories do not.
        self.assertEqual(winner(category_id=child.id), by_category)
        self.assertEqual(winner(category_id=other_category.id, impact="high", urgency="high"), by_priority)
        # "At least P2" takes P1 and P2, not P3; "exactly P3" only P3.
        self.assertEqual(winner(impact="high", urgency="medium"), by_priority)
        self.assertEqual(winner(), exact)
        self.assertEqual(winner(impact="low", urgency="low", partner_id=self.contact.id), by_customer)
        partner = self.env["res.partner"].create({"name": "Vic", "category_id": [(6, 0, vip.ids)]})
        self.assertEqual(winner(impact="low", urgency="low", partner_id=partner.id), by_partner_tag)
        self.assertEqual(winner(impact="low", urgency="low", tag_ids=[(6, 0, tag.ids)]), by_tag)
        self.assertEqual(winner(impact="low", urgency="low", type_id=self.type_incident.id), by_type)
        self.assertEqual(winner(impact="low", urgency="low", team_id=self.team_b.id), by_team)
        self.assertFalse(winner(impact="low", urgency="low"))

    def test_lowest_sequence_wins_per_kind_and_metric(self):
        general = self.make_policy(name="General", sequence=20, target_hours=16)
        urgent = self.make_policy(
            name="Urgent", sequence=10, target_hours=4, priority="2", priority_operator="at_least"
        )
        ola = self.make_policy(name="2nd line", kind="ola", sequence=10, target_hours=2)
        response = self.make_policy(name="Response", metric="first_response", sequence=10, target_hours=1)
        with freeze_time(MONDAY.replace(hour=9)):
            ticket = self.create_ticket(impact="high", urgency="high")
        self.assertEqual(
            self.match(ticket),
            {("sla", "resolution"): urgent, ("ola", "resolution"): ola, ("sla", "first_response"): response},
        )
        self.assertEqual(len(ticket.sla_ids), 3)
        with freeze_time(MONDAY.replace(hour=9)):
            normal = self.create_ticket()
        self.assertEqual(self.line(normal).policy_id, general)
