from contextlib import contextmanager
from datetime import datetime

from odoo.fields import Command

from .common import HelpdeskCommon

# Monday 4 March 2024; the week of the 8th ends with the US switch to daylight saving
# time (Sunday 10 March), Europe switches on 31 March.
MONDAY = datetime(2024, 3, 4)


def office_hours(hour_from=9.0, hour_to=17.0, days=range(5)):
    """Attendance commands: the same hours every day of `days` (0 = Monday)."""
    return [Command.clear()] + [
        Command.create(
            {
                "name": f"Day {day}",
                "dayofweek": str(day),
                "hour_from": hour_from,
                "hour_to": hour_to,
                "day_period": "morning" if hour_to <= 12 else "afternoon",
            }
        )
        for day in days
    ]


class HelpdeskSlaCommon(HelpdeskCommon):
    """Calendars in three time zones (9:00-17:00, Monday to Friday, no lunch break)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the policies and escalation rules of the test apply (demo data may have some).
        cls.env["helpdesk.sla.policy"].search([]).action_archive()
        cls.env["helpdesk.escalation.rule"].search([]).action_archive()
        Calendar = cls.env["resource.calendar"]
        cls.cal_utc = Calendar.create({"name": "Office UTC", "tz": "UTC", "attendance_ids": office_hours()})
        cls.cal_madrid = Calendar.create(
            {"name": "Office Madrid", "tz": "Europe/Madrid", "attendance_ids": office_hours()}
        )
        cls.cal_ny = Calendar.create(
            {"name": "Office New York", "tz": "America/New_York", "attendance_ids": office_hours()}
        )
        cls.team_a.resource_calendar_id = cls.cal_utc
        cls.team_b.resource_calendar_id = cls.cal_madrid

    @classmethod
    def make_policy(cls, **values):
        values.setdefault("name", f"{values.get('metric', 'resolution')} {values.get('target_hours', 4)}h")
        values.setdefault("metric", "resolution")
        values.setdefault("target_hours", 4.0)
        return cls.env["helpdesk.sla.policy"].create(values)

    @contextmanager
    def assertRaisesMessage(self, exception, regex):
        """assertRaisesRegex that rolls back what the failed call wrote, as assertRaises does."""
        with self.assertRaisesRegex(exception, regex), self.env.cr.savepoint():
            yield

    def line(self, ticket, metric="resolution", kind="sla", settled=False):
        """The open (or last settled) line of `ticket` for a metric and kind."""
        lines = ticket.sla_ids.filtered(
            lambda line: line.metric == metric and line.kind == kind and bool(line.settled_date) == settled
        )
        return lines.sorted("id")[-1:] if lines else lines

    def agent_reply(self, ticket, user=None, body="We are on it."):
        return ticket.with_user(user or self.agent).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def customer_message(self, ticket, body="Any news?"):
        return ticket.message_post(
            body=body, message_type="email", subtype_xmlid="mail.mt_comment", author_id=self.contact.id
        )

    def count_queries(self, func):
        """Queries run by `func()` including the flush of what it wrote."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before
