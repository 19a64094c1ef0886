"""The business clock (tools/business_clock.py): pure Python, no database."""

from datetime import datetime, timedelta

from odoo.tests import BaseCase

from ..tools.business_clock import BusinessClock, BusinessClocks

MONDAY = datetime(2024, 3, 4)


def office_hours(lo, hi):
    """Monday to Friday, 9:00-12:00 and 13:00-17:00, as a fetch(lo, hi) would return them."""
    intervals = []
    day = lo.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < hi:
        if day.weekday() < 5:
            for start, stop in ((9, 12), (13, 17)):
                begin, end = day + timedelta(hours=start), day + timedelta(hours=stop)
                if end > lo and begin < hi:
                    intervals.append((max(begin, lo), min(end, hi)))
        day += timedelta(days=1)
    return intervals


def at(day, hour, minute=0):
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


class TestBusinessClock(BaseCase):
    def clock(self):
        self.fetched = []

        def fetch(lo, hi):
            self.fetched.append((lo, hi))
            return office_hours(lo, hi)

        return BusinessClock(fetch)

    def test_duration_counts_working_time_only(self):
        clock = self.clock()
        self.assertEqual(clock.duration(at(0, 8), at(0, 18)), 7)
        self.assertEqual(clock.duration(at(0, 11), at(0, 14)), 2, "lunch is not working time")
        self.assertEqual(clock.duration(at(4, 16), at(7, 10)), 2, "Friday 16:00 to Monday 10:00")
        self.assertEqual(clock.duration(at(0, 14), at(0, 14)), 0)
        self.assertEqual(clock.duration(at(0, 15), at(0, 14)), 0, "a reversed range is empty")
        self.assertEqual(clock.duration(None, at(0, 14)), 0)

    def test_plan(self):
        clock = self.clock()
        self.assertEqual(clock.plan(at(0, 15), 4), at(1, 11), "two hours today, two tomorrow morning")
        self.assertEqual(clock.plan(at(0, 13), 4), at(0, 17), "a target ending at closing time is due then")
        self.assertEqual(clock.plan(at(5, 10), 1), at(7, 10), "Saturday: the clock starts on Monday")
        self.assertEqual(clock.plan(at(0, 10), 0), at(0, 10))
        self.assertEqual(clock.plan(at(0, 10), -1), at(0, 10))
        self.assertEqual(clock.plan(at(0, 9), 70), at(11, 17), "two working weeks")
        self.assertEqual(clock.plan(at(0, 9), 80), at(15, 12), "beyond the first 14 days fetched")

    def test_plan_rounds_to_the_second(self):
        self.assertEqual(self.clock().plan(at(0, 9), 1 / 3), at(0, 9, 20))
        self.assertEqual(self.clock().plan(at(0, 9), 1 / 7).microsecond, 0)

    def test_plan_without_working_time_is_never(self):
        clock = BusinessClock(lambda lo, hi: [])
        self.assertIs(clock.plan(at(0, 9), 1), False)
        self.assertEqual(clock.duration(at(0, 9), at(3, 9)), 0)

    def test_next_opening(self):
        clock = self.clock()
        self.assertEqual(clock.next_opening(at(0, 7)), at(0, 9), "Before the day starts: its start.")
        self.assertEqual(clock.next_opening(at(0, 10, 30)), at(0, 10, 30), "Working time: now.")
        self.assertEqual(clock.next_opening(at(0, 12)), at(0, 13), "Lunch break: after it.")
        self.assertEqual(clock.next_opening(at(0, 17)), at(1, 9), "At closing time: the next morning.")
        self.assertEqual(clock.next_opening(at(4, 18)), at(7, 9), "Friday evening: Monday morning.")
        self.assertEqual(clock.next_opening(at(5, 0)), at(7, 9), "Saturday: Monday.")

    def test_next_opening_without_working_time_is_never(self):
        self.assertIs(BusinessClock(lambda lo, hi: []).next_opening(at(0, 9)), False)

    def test_intervals_are_fetched_once_per_range(self):
        clock = self.clock()
        clock.ensure(at(0, 0), at(30, 0))
        clock.duration(at(1, 9), at(2, 17))
        clock.plan(at(1, 9), 8)
        self.assertEqual(len(self.fetched), 1, "inside the known range: no fetch")
        clock.duration(at(-7, 9), at(0, 10))
        self.assertEqual(self.fetched[-1], (at(-7, 9), at(0, 0)), "only the missing days are fetched")


class TestBusinessClocks(BaseCase):
    def test_one_fetch_per_key_for_declared_needs(self):
        fetched = []

        def fetch(key, lo, hi):
            fetched.append((key, lo, hi))
            return office_hours(lo, hi)

        clocks = BusinessClocks(fetch)
        clocks.need("utc", at(0, 9), at(1, 9))
        clocks.need("utc", at(3, 9), at(4, 9))
        clocks.need("madrid", at(0, 9), at(0, 17))
        clocks.need(False, at(0, 9), at(9, 9))  # no calendar: no clock
        self.assertEqual(clocks.get("utc").duration(at(0, 9), at(4, 9)), 28)
        self.assertIs(clocks.get("utc"), clocks.get("utc"))
        clocks.get("madrid")
        self.assertEqual(
            fetched, [("utc", at(0, 9), at(4, 9)), ("madrid", at(0, 9), at(0, 17))], "the declared ranges, merged"
        )
