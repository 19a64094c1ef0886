from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestImprovement(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, login="kb_employee", groups="base.group_user", name="Eve Employee")
        cls.Improvement = cls.env["helpdesk.improvement"]

    def test_raised_from_a_ticket(self):
        ticket = self.create_ticket(name="VPN password expired")
        action = ticket.with_user(self.user_a).action_suggest_improvement()
        self.assertEqual(action["res_model"], "helpdesk.improvement")
        form = Form(self.Improvement.with_user(self.user_a).with_context(**action["context"]))
        form.name = "A canned reply for VPN password resets"
        form.category = "documentation"
        suggestion = form.save()
        self.assertEqual(
            (suggestion.ticket_id, suggestion.team_id, suggestion.raised_by_id, suggestion.state),
            (ticket, self.team_a, self.user_a, "new"),
        )

    def test_managers_decide(self):
        suggestion = self.Improvement.with_user(self.user_a).create({"name": "Fewer fields", "category": "tools"})
        for user in (self.user_a, self.agent):
            with self.assertRaises(AccessError):
                suggestion.with_user(user).action_accept()
        self.assertEqual(suggestion.state, "new")
        suggestion.with_user(self.manager).action_accept()
        suggestion.with_user(self.manager).action_done()
        self.assertEqual(suggestion.state, "done")
        with self.assertRaises(AccessError):
            suggestion.with_user(self.agent).unlink()

    def test_any_employee_raises_and_sees_their_own(self):
        mine = self.Improvement.with_user(self.employee).create({"name": "Print the ticket", "category": "product"})
        other = self.Improvement.with_user(self.user_a).create({"name": "Shorter SLA", "category": "process"})
        self.assertEqual(self.Improvement.with_user(self.employee).search([]), mine)
        with self.assertRaises(AccessError):
            other.with_user(self.employee).read(["name"])
        self.assertEqual(set(self.Improvement.with_user(self.user_b).search([]).ids), {mine.id, other.id})
        with self.assertRaises(AccessError):
            self.Improvement.with_user(self.portal_user).create({"name": "Portal idea", "category": "product"})
        with self.assertRaises(ValueError):
            self.Improvement.create({"name": "Bad", "category": "marketing"})

    def test_report_per_category_and_team(self):
        self.Improvement.create(
            [
                {"name": "a", "category": "tools", "team_id": self.team_a.id},
                {"name": "b", "category": "tools", "team_id": self.team_a.id},
                {"name": "c", "category": "documentation", "team_id": self.team_b.id},
            ]
        )
        groups = self.Improvement._read_group([("name", "in", ("a", "b", "c"))], ["category", "team_id"], ["__count"])
        self.assertEqual(
            sorted((c, t.name, n) for c, t, n in groups),
            [("documentation", "Team B", 1), ("tools", "Team A", 2)],
        )

    def test_team_lead_sees_new_suggestions_on_the_overview(self):
        """Team A's leader is Ana: she (and managers) see team A's undecided suggestions on
        its overview card; Alex, a member, and team B's figures show none."""
        ticket = self.create_ticket(name="Printer drivers by hand again")
        self.Improvement.with_user(self.user_a2).create(
            [
                {"name": "Deploy printer drivers by policy", "category": "tools", "ticket_id": ticket.id},
                {"name": "A page on printer drivers", "category": "documentation", "ticket_id": ticket.id},
                {"name": "Decided already", "category": "process", "team_id": self.team_a.id},
            ]
        )[2].with_user(self.manager).action_reject()
        self.Improvement.create({"name": "Team B's", "category": "process", "team_id": self.team_b.id})
        teams = self.team_a | self.team_b
        for user, expected in (
            (self.user_a, {self.team_a: 2, self.team_b: 0}),
            (self.manager, {self.team_a: 2, self.team_b: 1}),
            (self.user_a2, {self.team_a: 0, self.team_b: 0}),
        ):
            with self.subTest(user=user.login):
                self.env.invalidate_all()
                self.assertEqual({t: t.improvement_new_count for t in teams.with_user(user)}, expected)
        action = self.team_a.with_user(self.user_a).action_open_new_improvements()
        found = self.Improvement.with_user(self.user_a).search(action["domain"])
        self.assertEqual(found.mapped("name"), ["A page on printer drivers", "Deploy printer drivers by policy"])
