from odoo.tests import tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketAssignment(HelpdeskCommon):
    def test_manual_team_leaves_tickets_unassigned(self):
        self.team_a.assignment_method = "manual"
        ticket = self.create_ticket()
        self.assertFalse(ticket.user_id)
        self.assertFalse(ticket.assign_date)

    def test_round_robin_cycles_through_members(self):
        self.team_a.assignment_method = "round_robin"
        tickets = self.env["helpdesk.ticket"].create([{"name": f"t{i}", "team_id": self.team_a.id} for i in range(3)])
        members = (self.user_a | self.user_a2).sorted("id")
        self.assertEqual(tickets.mapped("user_id"), members, "both members get one")
        self.assertEqual(tickets[0].user_id, members[0])
        self.assertEqual(tickets[1].user_id, members[1])
        self.assertEqual(tickets[2].user_id, members[0])
        self.assertTrue(all(tickets.mapped("assign_date")))
        # The next ticket, created later on its own, continues the cycle.
        self.assertEqual(self.create_ticket().user_id, members[1])

    def test_least_open_picks_lightest_member(self):
        self.team_a.assignment_method = "least_open"
        self.create_ticket(user_id=self.user_a.id)
        self.create_ticket(user_id=self.user_a.id)
        done = self.create_ticket(user_id=self.user_a2.id)
        done.stage_id = self.stage_cancelled
        # user_a has 2 open, user_a2 has 0 open (its ticket is cancelled).
        first, second, third = self.env["helpdesk.ticket"].create(
            [{"name": f"t{i}", "team_id": self.team_a.id} for i in range(3)]
        )
        self.assertEqual(first.user_id, self.user_a2)
        self.assertEqual(second.user_id, self.user_a2)
        # Tie (2 and 2): lowest id wins.
        self.assertEqual(third.user_id, min(self.user_a, self.user_a2, key=lambda u: u.id))

    def test_explicit_assignee_is_kept(self):
        self.team_a.assignment_method = "round_robin"
        ticket = self.create_ticket(user_id=self.user_b.id)
        self.assertEqual(ticket.user_id, self.user_b)

    def test_team_without_members_is_manual(self):
        team = self.env["helpdesk.team"].create({"name": "Empty", "assignment_method": "least_open"})
        ticket = self.create_ticket(team_id=team.id)
        self.assertFalse(ticket.user_id)

    def test_assign_to_me(self):
        ticket = self.create_ticket()
        ticket.with_user(self.user_a).action_assign_to_me()
        self.assertEqual(ticket.user_id, self.user_a)
        self.assertTrue(ticket.assign_date)

    def test_team_counters(self):
        self.create_ticket(user_id=self.user_a.id, impact="high", urgency="high")
        self.create_ticket()
        closed = self.create_ticket()
        closed.stage_id = self.stage_cancelled
        team = self.team_a.with_user(self.user_a)
        self.assertEqual(team.open_ticket_count, 2)
        self.assertEqual(team.unassigned_ticket_count, 1)
        self.assertEqual(team.urgent_ticket_count, 1)
        self.assertEqual(team.my_ticket_count, 1)
        action = team.with_context(ticket_filter="urgent").action_view_tickets()
        self.assertEqual(action["context"]["search_default_filter_urgent"], 1)
        self.assertEqual(action["context"]["default_team_id"], self.team_a.id)
