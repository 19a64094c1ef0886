from unittest.mock import patch

from odoo.tests import tagged

from .common import HelpdeskCommon
from .common_problem import ProblemFixtures


@tagged("post_install", "-at_install")
class TestProblemMatch(ProblemFixtures, HelpdeskCommon):
    """A new incident that looks like a known error shows it (helpdesk.ticket.known_error_ids,
    helpdesk.problem._match_known_errors): by error code, or in its category by the
    similarity of its subject and description to the problem's title and symptom; in one
    query whatever the number of known errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_problem_fixtures()
        cls.category_mail = cls.env["helpdesk.category"].create({"name": "Mail"})
        cls.problem.write({"workaround": "<p>WORKAROUND-KEEPALIVE: turn on keep-alive.</p>", "state": "known_error"})
        cls.problem_mail = cls.Problem.create(
            {
                "name": "Mailbox quota not raised after plan upgrade",
                "team_id": cls.team_a.id,
                "category_id": cls.category_mail.id,
                "error_code": "E42",
                "symptom": "<p>Outgoing messages bounce with <b>552 mailbox full</b> although the plan "
                "was upgraded.</p>",
                "workaround": "<p>Raise the quota by hand.</p>",
                "state": "known_error",
            }
        )

    def matches(self, user=None, **values):
        ticket = self.create_ticket(**values)
        return ticket.with_user(user or self.agent).known_error_ids

    def test_match_by_error_code(self):
        # In the description, any category (or none), punctuation aside.
        self.assertEqual(self.matches(name="Cannot connect", description="<p>It says VPN-IKE-619.</p>"), self.problem)
        self.assertEqual(self.matches(name="Error vpn_ike 619 again", category_id=self.category_mail.id), self.problem)
        self.assertEqual(self.matches(name="Error E42 when sending"), self.problem_mail)
        # Whole words only: E420 is another code, 4619 another number.
        self.assertFalse(self.matches(name="Error E420 when sending"))
        self.assertFalse(self.matches(name="Cannot connect", description="<p>VPN-IKE-6190</p>"))

    def test_match_by_symptom_in_the_same_category(self):
        # The subject says nothing like the title: the description tells the symptom.
        ticket = {
            "name": "Cannot send anything",
            "description": "<p>Since this morning outgoing messages bounce with 552 mailbox full, "
            "we upgraded the plan last week.</p>",
        }
        self.assertEqual(self.matches(category_id=self.category_mail.id, **ticket), self.problem_mail)
        self.assertFalse(self.matches(category_id=self.category_vpn.id, **ticket), "another category")
        self.assertFalse(self.matches(**ticket), "no category")
        # The title in the subject's words, or inside the description, matches too.
        self.assertEqual(
            self.matches(name="VPN gateway drops idle tunnel", category_id=self.category_vpn.id), self.problem
        )
        self.assertEqual(
            self.matches(
                name="Help",
                description="<p>Looks like the VPN gateway drops idle tunnels again.</p>",
                category_id=self.category_vpn.id,
            ),
            self.problem,
        )
        # Same category, unrelated text.
        self.assertFalse(self.matches(name="Printer out of toner", category_id=self.category_vpn.id))

    def test_match_without_pg_trgm(self):
        with patch.object(self.registry, "has_trigram", False):
            self.assertEqual(
                self.matches(
                    name="Cannot send anything",
                    description="<p>Outgoing messages bounce with 552 mailbox full although the plan was upgraded</p>",
                    category_id=self.category_mail.id,
                ),
                self.problem_mail,
            )
            self.assertEqual(self.matches(name="Error E42 when sending"), self.problem_mail)
            self.assertFalse(self.matches(name="Printer out of toner", category_id=self.category_mail.id))

    def test_code_match_first(self):
        self.problem_mail.error_code = "VPN-IKE-619"
        self.problem.category_id = self.category_mail
        found = self.matches(name="Mailbox quota VPN-IKE-619", category_id=self.category_mail.id)
        self.assertEqual(len(found), 2)
        self.assertEqual(found[0], self.problem_mail, "its code and its title")

    def test_no_match_unless_known_error(self):
        ticket = self.create_ticket(name="Error E42 when sending", category_id=self.category_mail.id)
        for state, values in (
            ("resolved", {"permanent_fix": "<p>Fixed.</p>"}),
            ("closed", {}),
            ("investigating", {}),
            ("cancelled", {}),
        ):
            self.problem_mail.write(dict(values, state=state))
            ticket.invalidate_recordset(["known_error_ids"])
            self.assertFalse(ticket.with_user(self.agent).known_error_ids, state)
        # Nor once linked to a problem, nor for a user who may not read it.
        self.problem_mail.state = "known_error"
        ticket.invalidate_recordset(["known_error_ids"])
        self.assertEqual(ticket.with_user(self.agent).known_error_ids, self.problem_mail)
        self.problem_mail.team_id = self.team_b
        ticket.invalidate_recordset(["known_error_ids"])
        self.assertFalse(ticket.with_user(self.user_a).known_error_ids, "team B's problem")
        ticket.problem_id = self.problem
        self.assertFalse(ticket.with_user(self.agent).known_error_ids)

    def test_one_query_whatever_the_number_of_known_errors(self):
        ticket = self.create_ticket(
            name="Error E42 when sending", description="<p>552 mailbox full</p>", category_id=self.category_mail.id
        )

        def count():
            ticket.invalidate_recordset(["known_error_ids"])
            self.env.invalidate_all()
            Ticket = ticket.with_user(self.agent)
            self.assertTrue(Ticket.known_error_ids)  # warms the record rules' caches
            Ticket.invalidate_recordset(["known_error_ids"])
            with self.assertQueryCount(1):
                self.assertTrue(Ticket.known_error_ids)

        def create_count():
            # Creating a ticket does not run the match (the form asks for it): its cost
            # does not depend on the known errors either.
            self.create_ticket(name="Error E42 when sending", category_id=self.category_mail.id)
            before = self.cr.sql_log_count
            self.create_ticket(name="Error E42 when sending", category_id=self.category_mail.id)
            return self.cr.sql_log_count - before

        count()
        created = create_count()
        self.Problem.create(
            [
                {
                    "name": f"Mail relay error {n}",
                    "category_id": self.category_mail.id,
                    "error_code": f"E{n}",
                    "symptom": f"<p>Messages bounce with code {n}</p>",
                    "workaround": "<p>w</p>",
                    "state": "known_error",
                }
                for n in range(100, 130)
            ]
        )
        count()
        self.assertEqual(create_count(), created)
