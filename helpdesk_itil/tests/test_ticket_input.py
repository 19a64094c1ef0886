from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketInput(HelpdeskCommon):
    def assertNothingCreated(self, count_before):
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count_before)

    def test_missing_subject(self):
        before = self.env["helpdesk.ticket"].search_count([])
        for values in ({}, {"name": ""}, {"name": "   "}, {"name": False}):
            with self.assertRaisesRegex(ValidationError, "needs a subject"):
                self.env["helpdesk.ticket"].create({"team_id": self.team_a.id, **values})
        self.assertNothingCreated(before)
        ticket = self.create_ticket()
        with self.assertRaisesRegex(ValidationError, "needs a subject"):
            ticket.name = " "

    def test_unknown_team_and_relations(self):
        before = self.env["helpdesk.ticket"].search_count([])
        with self.assertRaisesRegex(ValidationError, "Team 987654 does not exist"):
            self.create_ticket(team_id=987654)
        with self.assertRaisesRegex(ValidationError, "Category 987654 does not exist"):
            self.create_ticket(category_id=987654)
        with self.assertRaisesRegex(ValidationError, "Customer 987654 does not exist"):
            self.create_ticket(partner_id=987654)
        with self.assertRaisesRegex(ValidationError, "Team abc does not exist"):
            self.create_ticket(team_id="abc")
        self.assertNothingCreated(before)
        ticket = self.create_ticket()
        with self.assertRaisesRegex(ValidationError, "Assigned To 987654 does not exist"):
            ticket.user_id = 987654

    def test_unknown_relation_in_a_batch_names_it_and_creates_nothing(self):
        before = self.env["helpdesk.ticket"].search_count([])
        good = {"name": "good", "team_id": self.team_a.id, "partner_id": self.contact.id}
        with self.assertRaisesRegex(ValidationError, "Customer 987654 does not exist"):
            self.env["helpdesk.ticket"].create([good, dict(good, partner_id=987654), good])
        with self.assertRaisesRegex(ValidationError, "Team nope does not exist"):
            self.env["helpdesk.ticket"].create([good, dict(good, team_id="nope")])
        self.assertNothingCreated(before)

    def test_relations_checked_with_one_query_whatever_the_batch(self):
        Ticket = self.env["helpdesk.ticket"]
        vals = {"name": "x", "team_id": self.team_a.id, "partner_id": self.contact.id, "user_id": self.user_a.id}
        # Existence checks only: team, customer and assignee in one query.
        with self.assertQueryCount(1):
            Ticket._check_input([vals] * 2, creating=True)
        with self.assertQueryCount(1):
            Ticket._check_input([vals] * 50, creating=True)
        with self.assertRaisesRegex(ValidationError, "Assigned To 987654 does not exist"):
            Ticket._check_input([vals, dict(vals, user_id=987654)], creating=True)

    def test_invalid_selection_values(self):
        before = self.env["helpdesk.ticket"].search_count([])
        with self.assertRaisesRegex(ValidationError, "“huge” is not a valid Impact. Use one of: high, medium, low"):
            self.create_ticket(impact="huge")
        with self.assertRaisesRegex(ValidationError, "not a valid Urgency"):
            self.create_ticket(urgency="now")
        with self.assertRaisesRegex(ValidationError, "not a valid Channel"):
            self.create_ticket(channel="pigeon")
        self.assertNothingCreated(before)

    def test_batch_with_one_bad_row_creates_nothing(self):
        before = self.env["helpdesk.ticket"].search_count([])
        with self.assertRaises(ValidationError):
            self.env["helpdesk.ticket"].create(
                [{"name": "good", "team_id": self.team_a.id}, {"name": "bad", "impact": "huge"}]
            )
        self.assertNothingCreated(before)
