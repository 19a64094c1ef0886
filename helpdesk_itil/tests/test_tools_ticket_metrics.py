"""Ticket metrics arithmetic (tools/ticket_metrics.py): pure Python, no database."""

from datetime import datetime, timedelta

from odoo.tests import BaseCase

from ..tools import ticket_metrics
from ..tools.business_clock import BusinessClock

MONDAY = datetime(2024, 3, 4)


def at(day, hour, minute=0):
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def nine_to_five(lo, hi):
    """Monday to Friday, 9:00-17:00, as a fetch(lo, hi) would return them."""
    intervals = []
    day = lo.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < hi:
        begin, end = day + timedelta(hours=9), day + timedelta(hours=17)
        if day.weekday() < 5 and end > lo and begin < hi:
            intervals.append((max(begin, lo), min(end, hi)))
        day += timedelta(days=1)
    return intervals


class TestTicketMetrics(BaseCase):
    def setUp(self):
        super().setUp()
        self.clock = BusinessClock(nine_to_five)

    def test_elapsed_in_calendar_and_business_hours(self):
        # Friday 16:00 to Monday 10:00: 66 hours, 2 of them working hours.
        self.assertEqual(ticket_metrics.elapsed(self.clock, at(4, 16), at(7, 10)), (66.0, 2.0))
        # Without a calendar, business hours are calendar hours.
        self.assertEqual(ticket_metrics.elapsed(None, at(4, 16), at(7, 10)), (66.0, 66.0))

    def test_elapsed_zero_is_zero(self):
        self.assertEqual(ticket_metrics.elapsed(self.clock, at(0, 10), at(0, 10)), (0.0, 0.0))
        # Outside working hours: calendar time passes, business time does not.
        self.assertEqual(ticket_metrics.elapsed(self.clock, at(5, 10), at(5, 12)), (2.0, 0.0))
        # A missing end, or an end before the start (a message dated by the sender's clock).
        self.assertEqual(ticket_metrics.elapsed(self.clock, at(0, 10), None), (0.0, 0.0))
        self.assertEqual(ticket_metrics.elapsed(self.clock, at(0, 10), at(0, 9)), (0.0, 0.0))

    def test_waiting_party(self):
        self.assertEqual(
            [ticket_metrics.waiting_party(s) for s in ("new", "in_progress", "pending", "resolved", "closed", None)],
            ["requester", "requester", "agent", None, None, None],
        )

    def test_state_segments_and_wait_hours(self):
        changes = [
            (at(0, 14), "pending"),  # listed out of order: sorted by date
            (at(0, 10), "in_progress"),
            (at(1, 10), "in_progress"),
            (at(1, 12), "resolved"),
            (at(2, 9), "in_progress"),  # reopened: the stretch from here on is still running
        ]
        segments = ticket_metrics.state_segments(at(0, 9), "new", changes)
        self.assertEqual(
            segments,
            [
                ("new", at(0, 9), at(0, 10)),
                ("in_progress", at(0, 10), at(0, 14)),
                ("pending", at(0, 14), at(1, 10)),
                ("in_progress", at(1, 10), at(1, 12)),
                ("resolved", at(1, 12), at(2, 9)),
            ],
        )
        waits = ticket_metrics.wait_hours(self.clock, segments)
        # Requester: 1 + 4 + 2 hours, all working hours. Agent: Mon 14:00 to Tue 10:00 is
        # 20 hours, of which Mon 14-17 and Tue 9-10 are working hours.
        self.assertEqual(waits, {"requester": [7.0, 7.0], "agent": [20.0, 4.0]})
        self.assertEqual(ticket_metrics.state_segments(at(0, 9), "new", []), [])

    def test_one_touch(self):
        self.assertTrue(ticket_metrics.is_one_touch(0, 0))
        self.assertTrue(ticket_metrics.is_one_touch(1, 0))
        self.assertFalse(ticket_metrics.is_one_touch(2, 0))
        self.assertFalse(ticket_metrics.is_one_touch(1, 1))

    def test_first_contact_resolution(self):
        self.assertTrue(ticket_metrics.is_first_contact_resolution(0, 0, 0))
        self.assertFalse(ticket_metrics.is_first_contact_resolution(1, 0, 0))
        self.assertFalse(ticket_metrics.is_first_contact_resolution(0, 1, 0))
        self.assertFalse(ticket_metrics.is_first_contact_resolution(0, 0, 1))
