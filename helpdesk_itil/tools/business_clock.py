"""Business time: the one engine every helpdesk clock runs on.

SLA lines, escalation rules, lifecycle timers and (later) KPIs all count working hours
with these classes. They are pure Python: the working intervals of a calendar come from a
`fetch(lo, hi)` callable (the Odoo side, `resource.calendar._helpdesk_clocks()`, reads
attendances minus holidays and caches them), and every answer is bisection on those
intervals, so a batch of thousands of lines costs one fetch per calendar.

Datetimes are naive UTC, as Odoo stores them.
"""

import bisect
from datetime import timedelta

# Working intervals are fetched for this span ahead at first, then by doubling spans.
PLAN_WINDOW = timedelta(days=14)
# A target that cannot be reached within this span (a calendar without working time)
# has no date.
PLAN_HORIZON = timedelta(days=5 * 366)


def to_second(dt):
    """Round to the second, as stored datetimes are."""
    return (dt + timedelta(microseconds=500000)).replace(microsecond=0) if dt else dt


class BusinessClock:
    """Working time of one calendar, fetched once and queried in Python.

    `fetch(lo, hi)` returns the sorted, non-overlapping working intervals (start, stop)
    between `lo` and `hi`. ``plan()`` follows ``resource.calendar.plan_hours()``: a target
    that ends exactly at the end of a working interval is due at that end (17:00), not at
    the next opening.
    """

    def __init__(self, fetch):
        self._fetch = fetch
        self.lo = self.hi = None
        self.starts, self.stops, self.cum, self.cum_end = [], [], [], []

    def ensure(self, lo, hi):
        """Make sure the working intervals between `lo` and `hi` are known."""
        if self.lo is None:
            pieces = self._fetch(lo, hi)
            self.lo, self.hi = lo, hi
        else:
            if lo >= self.lo and hi <= self.hi:
                return
            before = self._fetch(lo, self.lo) if lo < self.lo else []
            after = self._fetch(self.hi, hi) if hi > self.hi else []
            pieces = [*before, *zip(self.starts, self.stops, strict=True), *after]
            self.lo, self.hi = min(lo, self.lo), max(hi, self.hi)
        self.starts = [start for start, _stop in pieces]
        self.stops = [stop for _start, stop in pieces]
        self.cum, self.cum_end, total = [], [], 0.0
        for start, stop in pieces:
            self.cum.append(total)
            total += (stop - start).total_seconds()
            self.cum_end.append(total)

    def _work_seconds_until(self, dt):
        """Working seconds between the start of the known range and `dt`."""
        i = bisect.bisect_right(self.starts, dt) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + max(0.0, (min(dt, self.stops[i]) - self.starts[i]).total_seconds())

    def duration(self, start, stop):
        """Business hours between two datetimes."""
        if not start or not stop or stop <= start:
            return 0.0
        self.ensure(start, stop)
        return (self._work_seconds_until(stop) - self._work_seconds_until(start)) / 3600

    def plan(self, start, hours):
        """The instant `hours` business hours after `start`; False if never (no working time)."""
        if hours <= 0:
            return start
        self.ensure(start, max(start + PLAN_WINDOW, self.hi or start))
        target = self._work_seconds_until(start) + hours * 3600
        span = PLAN_WINDOW
        while not self.cum_end or self.cum_end[-1] < target - 1e-3:
            if self.hi - start > PLAN_HORIZON:
                return False
            span *= 2
            self.ensure(self.lo, self.hi + span)
        i = bisect.bisect_left(self.cum_end, target - 1e-3)
        return to_second(self.starts[i] + timedelta(seconds=target - self.cum[i]))

    def next_opening(self, after):
        """The first working instant at or after `after` (`after` itself when it is
        working time); False if none within the planning horizon."""
        span = PLAN_WINDOW
        self.ensure(after, max(after + span, self.hi or after))
        while True:
            i = bisect.bisect_right(self.stops, after)
            if i < len(self.stops):
                return max(after, self.starts[i])
            if self.hi - after > PLAN_HORIZON:
                return False
            span *= 2
            self.ensure(self.lo, self.hi + span)


class BusinessClocks:
    """The clocks of one batch, one per key (for Odoo: a calendar and a company).

    Callers first declare the time ranges they will need (``need``) so that each clock
    fetches its intervals once for the whole batch, whatever the number of lines; a range
    declared after a clock was used is fetched on its next use. `fetch(key, lo, hi)`
    returns a key's working intervals.
    """

    def __init__(self, fetch):
        self._fetch = fetch
        self._clocks = {}
        self._needs = {}

    def need(self, key, lo, hi):
        if not lo or not key:
            return
        lo0, hi0 = self._needs.get(key, (lo, hi))
        self._needs[key] = (min(lo, lo0), max(hi, hi0))

    def get(self, key):
        clock = self._clocks.get(key)
        if clock is None:
            clock = self._clocks[key] = BusinessClock(lambda lo, hi: self._fetch(key, lo, hi))
        if key in self._needs:
            clock.ensure(*self._needs.pop(key))
        return clock
