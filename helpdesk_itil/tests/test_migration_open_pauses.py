from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .common_migration import load_migration
from .common_sla import MONDAY, HelpdeskSlaCommon


def at(day_offset, hour):
    return MONDAY + timedelta(days=day_offset, hours=hour)


@tagged("post_install", "-at_install")
class TestMigrationOpenPauses(HelpdeskSlaCommon):
    """19.0.1.18.0 on SLA lines that 19.0.1.17.0 paused: an open paused interval each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_policy(name="Resolution 4h", target_hours=4)

    def old_paused_line(self):
        """A ticket paused on Monday 11:00, as the old code left its line."""
        with freeze_time(at(0, 9)):
            ticket = self.create_ticket()
        with freeze_time(at(0, 11)):
            ticket.stage_id = self.stage_pending
        line = self.line(ticket)
        pause = self.env["helpdesk.ticket.sla.interval"].create(
            {"sla_id": line.id, "kind": "paused", "date_start": at(0, 11)}
        )
        line.write({"paused_since": False, "current_interval_id": pause.id})
        self.env.flush_all()
        return ticket, line, pause

    def test_open_pause_moves_to_its_line(self):
        ticket, line, pause = self.old_paused_line()
        running = line.interval_ids - pause
        load_migration("19.0.1.18.0").migrate(self.env.cr, "19.0.1.17.0")
        self.env.invalidate_all()
        self.assertFalse(pause.exists(), "The open pause is no row any more.")
        self.assertEqual((line.paused_since, line.current_interval_id.id), (at(0, 11), False))
        self.assertEqual(line.interval_ids, running, "Closed intervals are kept.")
        # The pause goes on and is logged, closed, when it ends.
        with freeze_time(at(1, 10)):
            ticket.stage_id = self.stage_progress
        self.assertEqual(
            [(i.kind, i.date_start, i.date_stop, i.business_hours) for i in line.interval_ids],
            [
                ("running", at(0, 9), at(0, 11), 2.0),
                ("paused", at(0, 11), at(1, 10), 7.0),
                ("running", at(1, 10), False, 0.0),
            ],
        )
        self.assertAlmostEqual(line.paused_hours, 23)
        self.assertEqual(line.deadline, at(1, 12))

    def test_running_and_closed_intervals_untouched(self):
        ticket, line, _pause = self.old_paused_line()
        with freeze_time(at(0, 9)):
            other = self.create_ticket()
        other_line = self.line(other)
        before = (other_line.running_since, other_line.current_interval_id, other_line.paused_since)
        load_migration("19.0.1.18.0").migrate(self.env.cr, "19.0.1.17.0")
        self.env.invalidate_all()
        self.assertEqual((other_line.running_since, other_line.current_interval_id, other_line.paused_since), before)
        self.assertTrue(other_line.current_interval_id.exists())
        self.assertEqual(line.interval_ids.mapped("kind"), ["running"])
