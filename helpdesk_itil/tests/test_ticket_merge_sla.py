from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .common_sla import MONDAY, HelpdeskSlaCommon


def at(day_offset, hour, minute=0):
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


@tagged("post_install", "-at_install")
class TestMergeSla(HelpdeskSlaCommon):
    """A merge cancels the sources' running lines (never counted twice); an unmerge starts
    new lines that carry the business time the cancelled ones had used."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.resolution = cls.make_policy(name="Resolution 8h", target_hours=8)
        cls.first_response = cls.make_policy(name="First response 4h", metric="first_response", target_hours=4)

    def merge(self, destination, source, user=None):
        Log = self.env["helpdesk.ticket.merge.log"].with_user(user or self.user_a)
        destination = destination.with_user(user or self.user_a)
        other = destination._merge_check(source.with_user(user or self.user_a))
        return Log._merge(destination, source.with_user(user or self.user_a), other)

    def test_merge_cancels_source_lines_and_keeps_destination_lines(self):
        with freeze_time(at(0, 9)):
            destination = self.create_ticket(name="VPN drops", partner_id=self.contact.id)
            source = self.create_ticket(name="VPN keeps dropping", partner_id=self.contact.id)
        destination_lines = destination.sla_ids
        self.assertEqual(len(destination_lines), 2)
        with freeze_time(at(0, 11)):
            self.merge(destination, source)
        self.env.invalidate_all()
        self.assertEqual(destination.sla_ids, destination_lines, "the destination's lines stay as they were")
        self.assertEqual(set(destination_lines.mapped("status")), {"ongoing"})
        self.assertEqual(set(source.sla_ids.mapped("status")), {"cancelled"})
        self.assertAlmostEqual(self.line(source, settled=True).used_hours, 2.0, places=3)
        # Compliance counts reached and failed lines only: the merged ticket's lines are not counted.
        analysis = self.env["helpdesk.sla.analysis"].search(
            [("ticket_id", "in", (destination | source).ids), ("status", "in", ("reached", "failed"))]
        )
        self.assertFalse(analysis)
        counted = self.env["helpdesk.sla.analysis"].search(
            [("ticket_id", "in", (destination | source).ids), ("merged_into_id", "=", False)]
        )
        self.assertEqual(counted.ticket_id, destination, "the default report filter leaves merged tickets out")
        self.assertFalse(source.sla_status)

    def test_unmerge_carries_the_time_used(self):
        with freeze_time(at(0, 9)):
            destination = self.create_ticket(name="VPN drops", partner_id=self.contact.id)
            source = self.create_ticket(name="VPN keeps dropping", partner_id=self.contact.id)
        with freeze_time(at(0, 11)):  # 2 business hours used
            logs = self.merge(destination, source)
        cancelled = source.sla_ids
        with freeze_time(at(1, 9)):  # Tuesday morning: the time while merged does not count
            logs.with_user(self.manager).action_unmerge()
        self.env.invalidate_all()
        self.assertEqual(set(cancelled.mapped("status")), {"cancelled"}, "cancelled lines stay cancelled")
        line = self.line(source)
        self.assertNotIn(line, cancelled)
        self.assertAlmostEqual(line.carried_hours, 2.0, places=3)
        # 8 hours target, 2 used: 6 more from Tuesday 9:00.
        self.assertEqual(line.deadline, at(1, 15))
        response = self.line(source, metric="first_response")
        self.assertNotIn(response, cancelled)
        self.assertAlmostEqual(response.used_hours, 2.0, places=3)
        self.assertEqual(response.deadline, at(1, 11))
        self.assertEqual(source.sla_deadline, at(1, 11))
        self.assertEqual(len(source.sla_ids.filtered(lambda line: not line.settled_date)), 2, "not doubled")
