from datetime import datetime

from odoo import Command

from .common import HelpdeskCommon

# Monday 3 March 2025; the test calendar works 08:00-12:00 and 13:00-17:00 UTC, Monday to Friday.
MONDAY = datetime(2025, 3, 3, 8, 0)


class EscalationCommon(HelpdeskCommon):
    """Helpdesk fixtures plus a UTC business calendar and escalation rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Service hours (UTC)",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day} {period}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for hour_from, hour_to, period in ((8, 12, "morning"), (13, 17, "afternoon"))
                ],
            }
        )
        (cls.team_a | cls.team_b).resource_calendar_id = cls.calendar
        cls.Rule = cls.env["helpdesk.escalation.rule"]
        cls.Log = cls.env["helpdesk.escalation.log"]
        cls.partner_root = cls.env.ref("base.partner_root")
        cls.user_root = cls.env.ref("base.user_root")

    @classmethod
    def make_rule(cls, **values):
        values.setdefault("name", f"Rule level {values.get('level', 1)}")
        return cls.Rule.create(values)

    @classmethod
    def put_on_leave(cls, user, date_from, date_to):
        resource = user.resource_ids[:1] or cls.env["resource.resource"].create(
            {"name": user.name, "user_id": user.id, "calendar_id": cls.calendar.id}
        )
        return cls.env["resource.calendar.leaves"].create(
            {"name": "Holiday", "resource_id": resource.id, "date_from": date_from, "date_to": date_to}
        )

    def escalation_notes(self, ticket):
        return ticket.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_escalated")
                and ("Escalated to level" in (m.body or "") or "Escalated by" in (m.body or ""))
            )
        )
