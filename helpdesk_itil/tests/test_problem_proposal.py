from datetime import datetime, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon
from .common_problem import ProblemFixtures

START = datetime(2026, 3, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestProblemProposal(ProblemFixtures, HelpdeskCommon):
    """Recurring incidents: the detection cron proposes a problem for each group of similar
    incidents (thresholds, window, once per group), the leader creates or dismisses it, a
    surge is reported once; users read their teams' proposals only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_problem_fixtures()
        cls.Proposal = cls.env["helpdesk.problem.proposal"]
        cls.category_mail = cls.env["helpdesk.category"].create({"name": "Mail"})

    def report(self, count, start=START, step=timedelta(days=1), subject="Outlook cannot send mail", **values):
        tickets = self.env["helpdesk.ticket"]
        for i in range(count):
            with freeze_time(start + i * step):
                tickets |= self.create_ticket(
                    name=f"{subject} (#{i})" if i % 2 else subject, category_id=self.category_mail.id, **values
                )
        return tickets

    def detect(self, when):
        """Run the detection's scheduled action as Odoo does (committing per team) at `when`."""
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_problem_detection")
        with freeze_time(when), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        return self.Proposal.search([("category_id", "=", self.category_mail.id)])

    def test_threshold_three_no_four_yes(self):
        tickets = self.report(3)
        self.assertFalse(self.detect(START + timedelta(days=3)))
        tickets |= self.report(1, start=START + timedelta(days=3, hours=1))
        proposal = self.detect(START + timedelta(days=4))
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.incident_ids, tickets)
        self.assertEqual((proposal.state, proposal.team_id), ("new", self.team_a))
        self.assertFalse(proposal.surge_date)
        activity = proposal.activity_ids
        self.assertEqual(activity.user_id, self.user_a)  # the team leader
        self.assertIn("similar incidents", activity.note)

    def test_team_threshold_and_unrelated_subjects(self):
        self.team_a.problem_detection_count = 6
        self.report(5)
        self.assertFalse(self.detect(START + timedelta(days=5)))
        # Other subjects of the same category are not the same group.
        self.team_a.problem_detection_count = 4
        for name in ("Calendar shows wrong time zone", "Mailbox quota exceeded", "Shared drive missing"):
            with freeze_time(START):
                self.create_ticket(name=name, category_id=self.category_mail.id)
        proposal = self.detect(START + timedelta(days=5))
        self.assertEqual(len(proposal), 1)
        self.assertEqual(len(proposal.incident_ids), 5)

    def test_team_settings_checked_and_zero_turns_off(self):
        for values in ({"problem_detection_count": -1}, {"problem_detection_days": 0}):
            with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
                self.team_a.write(values)
                self.env.flush_all()
        self.team_a.invalidate_recordset()
        self.assertEqual((self.team_a.problem_detection_count, self.team_a.problem_detection_days), (4, 7))
        self.team_a.problem_detection_count = 0
        self.report(6, step=timedelta(hours=1))
        self.assertFalse(self.detect(START + timedelta(hours=6)))

    def test_menu_and_views(self):
        menu = self.env.ref("helpdesk_itil.helpdesk_problem_proposal_menu")
        self.assertEqual(menu.parent_id, self.env.ref("helpdesk_itil.helpdesk_problem_menu"))
        for user in (self.user_a, self.agent):
            self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        self.report(4)
        proposal = self.detect(START + timedelta(days=4))
        views = self.Proposal.with_user(self.agent).get_views([(False, "list"), (False, "form"), (False, "search")])
        self.assertIn("action_create_problem", views["views"]["form"]["arch"])
        # A helpdesk user does not get the decision buttons.
        views = self.Proposal.with_user(self.user_a).get_views([(False, "form")])
        self.assertNotIn("action_create_problem", views["views"]["form"]["arch"])
        self.assertEqual(proposal.with_user(self.user_a).incident_count, 4)

    def test_window_eight_days_apart(self):
        self.report(4, step=timedelta(days=8))
        for day in (8, 16, 24, 25):
            self.assertFalse(self.detect(START + timedelta(days=day)))

    def test_idempotent_and_dismissed_never_again(self):
        tickets = self.report(4)
        proposal = self.detect(START + timedelta(days=4))
        self.assertEqual(len(proposal), 1)
        self.assertEqual(self.detect(START + timedelta(days=4, hours=1)), proposal)
        self.assertEqual(len(proposal.activity_ids), 1)
        # A fifth incident joins the open proposal.
        tickets |= self.report(1, start=START + timedelta(days=5))
        self.assertEqual(self.detect(START + timedelta(days=5, hours=1)), proposal)
        self.assertEqual(proposal.incident_ids, tickets)
        proposal.with_user(self.agent).action_dismiss()
        self.assertEqual(proposal.state, "dismissed")
        self.assertFalse(proposal.activity_ids)
        self.report(2, start=START + timedelta(days=6))
        self.assertEqual(self.detect(START + timedelta(days=6, hours=2)), proposal)
        self.assertEqual(proposal.state, "dismissed")
        with self.assertRaises(UserError):
            proposal.with_user(self.agent).action_create_problem()

    def test_create_problem_links_incidents(self):
        tickets = self.report(4)
        proposal = self.detect(START + timedelta(days=4))
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_a).action_create_problem()
        self.assertEqual(proposal.state, "new")
        self.assertFalse(tickets.problem_id)
        proposal.with_user(self.agent).action_create_problem()
        self.assertEqual(proposal.state, "accepted")
        problem = proposal.problem_id
        self.assertEqual(
            (problem.team_id, problem.category_id, problem.user_id), (self.team_a, self.category_mail, self.agent)
        )
        self.assertEqual(tickets.problem_id, problem)
        self.assertEqual(problem.incident_ids, tickets)
        # Linked incidents are no longer candidates: nothing new is proposed.
        self.report(1, start=START + timedelta(days=5))
        self.assertEqual(self.detect(START + timedelta(days=5, hours=1)), proposal)

    def test_surge_notified_once(self):
        self.team_a.problem_detection_count = 10
        self.report(3, step=timedelta(hours=1))
        self.assertFalse(self.detect(START + timedelta(hours=3)))
        self.report(1, start=START + timedelta(hours=3, minutes=30))
        proposal = self.detect(START + timedelta(hours=4))
        self.assertEqual(len(proposal), 1)
        self.assertEqual(proposal.surge_date, START + timedelta(hours=4))
        notices = proposal.message_ids.filtered(lambda m: "major incident" in (m.body or ""))
        self.assertEqual(len(notices), 1)
        self.assertIn("Possible major incident", proposal.activity_ids.mapped("summary"))
        # Two more within the hour: still one surge notice.
        self.report(2, start=START + timedelta(hours=4, minutes=10), step=timedelta(minutes=5))
        self.detect(START + timedelta(hours=5))
        self.assertEqual(len(proposal.incident_ids), 6)
        notices = proposal.message_ids.filtered(lambda m: "major incident" in (m.body or ""))
        self.assertEqual(len(notices), 1)
        self.assertEqual(proposal.surge_date, START + timedelta(hours=4))

    def test_alert_tickets_grouped_by_source_and_subject(self):
        source = self.env["helpdesk.alert.source"].create({"name": "Prometheus", "team_id": self.team_a.id})
        for i in range(4):
            with freeze_time(START + timedelta(days=i)):
                self.create_ticket(
                    name=f"Disk /var almost full on db-{i}.example.com",
                    alert_source_id=source.id,
                    alert_fingerprint=f"fp-{i}",
                )
        self.detect(START + timedelta(days=4))
        proposal = self.Proposal.search([("alert_source_id", "=", source.id)])
        self.assertEqual(len(proposal), 1)
        self.assertEqual(len(proposal.incident_ids), 4)

    def test_rights(self):
        self.report(4)
        proposal = self.detect(START + timedelta(days=4))
        # A user of team A reads it, a user of team B does not; neither decides.
        self.assertEqual(self.Proposal.with_user(self.user_a2).search([]), proposal)
        self.assertFalse(self.Proposal.with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_b).read(["name"])
        with self.assertRaises(AccessError):
            proposal.with_user(self.user_a2).action_dismiss()
        with self.assertRaises(AccessError):
            self.Proposal.with_user(self.portal_user).search([])
        self.assertEqual(proposal.state, "new")
        # The same group cannot be proposed twice.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Proposal.create({"name": "again", "key": proposal.key, "team_id": self.team_a.id})
