"""Exact double submissions (team setting *Merge Exact Double Submissions*): the same sender
sending the same subject and description twice within 10 minutes; the second ticket is merged
into the first by its own scheduled action, triggered by the duplicate detection."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.helpdesk_ticket_duplicate import DOUBLE_SUBMISSION_CRON
from .common import HelpdeskCommon

BODY = "<p>Since this morning the label printer in the warehouse prints blank pages only.</p>"
NOW = datetime(2026, 3, 2, 10, 0)


@tagged("post_install", "-at_install")
class TestDoubleSubmissions(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.duplicate_merge_double_submissions = True
        cls.cron = cls.env.ref(DOUBLE_SUBMISSION_CRON)

    def submit(self, when, **values):
        values = {
            "name": "Label printer prints blank pages",
            "description": BODY,
            "partner_id": self.contact.id,
        } | values
        with freeze_time(when):
            return self.create_ticket(**values)

    def triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def run_double_submission_cron(self, when):
        with freeze_time(when), self.enter_registry_test_mode():
            self.cron.method_direct_trigger()
        self.env.invalidate_all()

    def test_second_submission_merged_into_the_first(self):
        first = self.submit(NOW)
        triggers = self.triggers()
        second = self.submit(NOW + timedelta(minutes=4))
        self.assertEqual(self.triggers(), triggers + 1, "the detection triggers the merge")
        second.message_post(body="Same problem, sent again", message_type="comment", author_id=self.contact.id)
        self.run_double_submission_cron(NOW + timedelta(minutes=5))
        self.assertEqual(second.merged_into_id, first)
        self.assertEqual(second.state, "closed")
        self.assertEqual(second.closure_code_id, self.env.ref("helpdesk_itil.closure_duplicate"))
        self.assertEqual(first.state, "new")
        self.assertIn("Same problem, sent again", "".join(first.message_ids.mapped("body")))
        log = self.env["helpdesk.ticket.merge.log"].search([("source_id", "=", second.id)])
        self.assertEqual(log.destination_id, first)
        # a manager can undo it like any merge
        with freeze_time(NOW + timedelta(minutes=6)):
            log.with_user(self.manager).action_unmerge()
        self.assertFalse(second.merged_into_id)
        self.assertEqual(second.state, "new")

    def test_same_text_typed_with_other_markup(self):
        first = self.submit(NOW, description="<p>Printer   prints <b>blank</b> pages.</p>")
        second = self.submit(NOW + timedelta(minutes=1), description="<div>Printer prints blank pages.</div>")
        self.run_double_submission_cron(NOW + timedelta(minutes=2))
        self.assertEqual(second.merged_into_id, first)

    def test_not_a_double_submission(self):
        first = self.submit(NOW)
        cases = {
            "later than 10 minutes": self.submit(NOW + timedelta(minutes=11)),
            "another description": self.submit(NOW + timedelta(minutes=1), description=BODY + "<p>And it beeps.</p>"),
            "another subject": self.submit(NOW + timedelta(minutes=1), name="Label printer: blank pages"),
            "another sender of the company": self.submit(
                NOW + timedelta(minutes=1),
                partner_id=self.env["res.partner"].create({"name": "Dan", "parent_id": self.customer.id}).id,
            ),
        }
        self.run_double_submission_cron(NOW + timedelta(minutes=12))
        self.assertFalse(first.merged_into_id)
        for case, ticket in cases.items():
            with self.subTest(case=case):
                self.assertFalse(ticket.merged_into_id)
                self.assertEqual(ticket.state, "new")

    def test_team_setting_off(self):
        self.team_a.duplicate_merge_double_submissions = False
        self.submit(NOW)
        triggers = self.triggers()
        second = self.submit(NOW + timedelta(minutes=2))
        self.assertEqual(self.triggers(), triggers, "no trigger without the setting")
        self.run_double_submission_cron(NOW + timedelta(minutes=3))
        self.assertFalse(second.merged_into_id)
        self.assertTrue(second.duplicate_pair_ids, "still shown as a possible duplicate")

    def test_dismissed_pair_is_left_alone(self):
        self.submit(NOW)
        second = self.submit(NOW + timedelta(minutes=2))
        second.duplicate_pair_ids.with_user(self.agent).action_not_duplicate()
        self.run_double_submission_cron(NOW + timedelta(minutes=3))
        self.assertFalse(second.merged_into_id)

    def test_triple_submission_merged_once_each(self):
        first = self.submit(NOW)
        second = self.submit(NOW + timedelta(minutes=1))
        third = self.submit(NOW + timedelta(minutes=2))
        self.run_double_submission_cron(NOW + timedelta(minutes=3))
        self.assertEqual(second.merged_into_id, first)
        self.assertEqual(third.merged_into_id, first)
        self.assertFalse(first.merged_into_id)
