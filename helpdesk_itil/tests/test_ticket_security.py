from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketSecurity(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls.create_ticket(name="Team A ticket")
        cls.ticket_b = cls.create_ticket(name="Team B ticket", team_id=cls.team_b.id)
        cls.ticket_orphan = cls.create_ticket(name="No team yet", team_id=False)

    def visible_to(self, user):
        return self.env["helpdesk.ticket"].with_user(user).search([])

    def test_user_sees_only_own_team(self):
        visible = self.visible_to(self.user_a)
        self.assertIn(self.ticket_a, visible)
        self.assertNotIn(self.ticket_b, visible)
        self.assertNotIn(self.ticket_orphan, visible)
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.user_a).read(["name"])
        with self.assertRaises(AccessError):
            self.ticket_b.with_user(self.user_a).write({"name": "hijacked"})
        self.assertEqual(self.ticket_b.name, "Team B ticket")
        self.assertEqual(self.visible_to(self.user_b), self.ticket_b)

    def test_user_sees_assigned_and_followed_tickets(self):
        self.ticket_b.user_id = self.user_a
        self.assertIn(self.ticket_b, self.visible_to(self.user_a))
        # The assignee was subscribed: after reassignment they keep access as a follower…
        self.ticket_b.user_id = self.user_b
        self.assertIn(self.user_a.partner_id, self.ticket_b.message_partner_ids)
        self.assertIn(self.ticket_b, self.visible_to(self.user_a))
        # …until they stop following it.
        self.ticket_b.message_unsubscribe(partner_ids=self.user_a.partner_id.ids)
        self.assertNotIn(self.ticket_b, self.visible_to(self.user_a))

    def test_escalated_ticket_follows_new_team_old_handler_keeps_access_as_follower(self):
        self.ticket_a.message_subscribe(partner_ids=self.user_a.partner_id.ids)
        self.ticket_a.team_id = self.team_b
        self.assertIn(self.ticket_a, self.visible_to(self.user_b))
        self.assertIn(self.ticket_a, self.visible_to(self.user_a))
        self.assertNotIn(self.ticket_a, self.visible_to(self.user_a2))

    def test_agent_and_manager_see_everything(self):
        for user in (self.agent, self.manager):
            visible = self.visible_to(user)
            self.assertIn(self.ticket_a, visible)
            self.assertIn(self.ticket_b, visible)
            self.assertIn(self.ticket_orphan, visible)

    def test_user_cannot_delete_or_configure(self):
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.user_a).unlink()
        with self.assertRaises(AccessError):
            self.team_a.with_user(self.user_a).write({"name": "renamed"})
        with self.assertRaises(AccessError):
            self.team_a.with_user(self.agent).write({"assignment_method": "round_robin"})
        with self.assertRaises(AccessError):
            self.env["helpdesk.stage"].with_user(self.agent).create({"name": "Hack", "state": "new"})
        with self.assertRaises(AccessError):
            self.env["helpdesk.priority.matrix"].with_user(self.agent).search([]).write({"priority": "1"})
        self.team_a.with_user(self.manager).write({"assignment_method": "round_robin"})
        self.assertEqual(self.team_a.assignment_method, "round_robin")

    def test_portal_and_plain_employee_have_no_backend_access(self):
        employee = new_test_user(self.env, login="hd_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket"].with_user(employee).search([])
        # Portal users read their own tickets only (see test_portal*.py).
        self.assertFalse(self.env["helpdesk.ticket"].with_user(self.portal_user).search([]))
        for user in (self.portal_user, employee):
            with self.assertRaises(AccessError):
                self.ticket_a.with_user(user).read(["name"])

    def test_multi_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_team = self.env["helpdesk.team"].create({"name": "Other desk", "company_id": other_company.id})
        other_ticket = self.create_ticket(name="Other company ticket", team_id=other_team.id)
        self.assertEqual(other_ticket.company_id, other_company)
        self.assertNotIn(other_ticket, self.visible_to(self.agent))
        with self.assertRaises(AccessError):
            other_ticket.with_user(self.agent).read(["name"])
        self.agent.write({"company_ids": [(4, other_company.id)]})
        visible = (
            self.env["helpdesk.ticket"]
            .with_user(self.agent)
            .with_context(allowed_company_ids=[self.company.id, other_company.id])
            .search([])
        )
        self.assertIn(other_ticket, visible)

    def test_team_counters_respect_access(self):
        self.create_ticket(name="another B", team_id=self.team_b.id)
        self.assertEqual(self.team_b.with_user(self.user_a).open_ticket_count, 0)
        self.assertEqual(self.team_b.with_user(self.user_b).open_ticket_count, 2)
