from datetime import timedelta

from pytz import utc

from odoo import api, models, tools

from ..tools.business_clock import BusinessClocks


class ResourceCalendar(models.Model):
    # Working hours shape the helpdesk clocks, whose working intervals are cached for the
    # registry (_helpdesk_work_intervals): any change clears the cache.
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "helpdesk.cached.config.mixin"]

    @api.model
    @tools.ormcache("calendar_id", "company_id", "lo", "hi")
    def _helpdesk_work_intervals(self, calendar_id, company_id, lo, hi):
        """Working intervals of a calendar between two naive UTC datetimes, as naive UTC
        (start, stop) pairs: attendances minus public holidays and calendar leaves, built
        in the calendar's time zone (nights, weekends, DST). Cached for the registry;
        calendars, attendances and calendar-wide leaves clear the cache when they change.
        """
        calendar = self.sudo().browse(calendar_id)
        # Public holidays (no calendar) of the company and leaves of this calendar.
        domain = [("time_type", "=", "leave"), "|", ("calendar_id", "!=", False), ("company_id", "=", company_id)]
        intervals = calendar._work_intervals_batch(
            utc.localize(lo), utc.localize(hi), domain=domain, compute_leaves=True
        )[False]
        result = []
        for start, stop, _meta in intervals:
            start = start.astimezone(utc).replace(tzinfo=None)
            stop = stop.astimezone(utc).replace(tzinfo=None)
            if stop > start:
                result.append((start, stop))
        return tuple(result)

    @api.model
    def _helpdesk_clocks(self):
        """A set of business clocks (tools/business_clock.py) keyed by (calendar, company).

        Intervals are fetched by whole UTC days through the registry cache: the days a
        batch needs are mostly the ones the previous batches needed (today, the next weeks).
        """

        def fetch(key, lo, hi):
            calendar, company = key
            day_lo = lo.replace(hour=0, minute=0, second=0, microsecond=0)
            day_hi = hi.replace(hour=0, minute=0, second=0, microsecond=0)
            if day_hi < hi:
                day_hi += timedelta(days=1)
            intervals = self._helpdesk_work_intervals(calendar.id, company.id, day_lo, day_hi)
            return [(max(start, lo), min(stop, hi)) for start, stop in intervals if stop > lo and start < hi]

        return BusinessClocks(fetch)
