"""Fixtures of the report tests (test_report_*.py): the SLA calendars of common_sla.py (team A
9:00-17:00 UTC, team B 9:00-17:00 Madrid, i.e. 8:00-16:00 UTC in March 2024), Monday 11 March
2024 a public holiday, and helpers to make tickets live at given moments."""

from contextlib import nullcontext
from datetime import timedelta

from odoo.tests import freeze_time
from odoo.tools import SQL

from .common_sla import MONDAY, HelpdeskSlaCommon

ATTAINMENT_CRON = "helpdesk_itil.ir_cron_helpdesk_sla_attainment"


def at(day_offset, hour, minute=0):
    """Naive UTC datetime `day_offset` days after Monday 4 March 2024."""
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


class HelpdeskReportCommon(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["resource.calendar.leaves"].create(
            {"name": "Public holiday", "date_from": at(7, 0), "date_to": at(7, 23, 59), "calendar_id": False}
        )
        # Tickets without a team count calendar hours (no company working hours).
        cls.company.resource_calendar_id = False
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})

    @classmethod
    def create_at(cls, when, **values):
        with freeze_time(when):
            return cls.create_ticket(**values)

    @classmethod
    def move(cls, tickets, stage, when):
        vals = {"stage_id": stage.id}
        if stage.state in ("resolved", "closed"):
            vals.update(
                resolution_note="<p>Reseated the RAM module; boots fine.</p>", closure_code_id=cls.code_solved.id
            )
        with freeze_time(when):
            tickets.write(vals)

    @classmethod
    def reply(cls, ticket, when, user=None):
        with freeze_time(when):
            return ticket.with_user(user or cls.agent).message_post(
                body="We are on it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    @classmethod
    def cancel(cls, ticket, when):
        with freeze_time(when):
            ticket.write(
                {
                    "stage_id": cls.stage_cancelled.id,
                    "resolution_note": "<p>No longer needed</p>",
                    "closure_code_id": cls.env.ref("helpdesk_itil.closure_cancelled_by_customer").id,
                }
            )

    def grouped(self, model, domain, groupby, aggregates, now=None):
        """{group value (first groupby, or None for the total row): {aggregate: value}}, through
        formatted_read_grouping_sets as the pivot view asks (groups and total row in one query)."""
        with freeze_time(now) if now else nullcontext():
            self.env.flush_all()
            groups, totals = self.env[model].formatted_read_grouping_sets(domain, [groupby, []], aggregates)
        result = {None: {spec: totals[0][spec] for spec in aggregates}}
        for group in groups:
            value = group[groupby[0]]
            key = value[0] if isinstance(value, (list, tuple)) else value
            result[key] = {spec: group[spec] for spec in aggregates}
        return result

    def sql_row(self, model, row_id, columns):
        """A row of a report's SQL view, as PostgreSQL has it (NULL is None)."""
        self.env.flush_all()
        table = self.env[model]._table
        return self.env.execute_query(
            SQL(
                "SELECT %s FROM %s WHERE id = %s",
                SQL(", ").join(map(SQL.identifier, columns)),
                SQL.identifier(table),
                row_id,
            )
        )[0]

    def run_attainment_cron(self, when):
        cron = self.env.ref(ATTAINMENT_CRON)
        with freeze_time(when), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
