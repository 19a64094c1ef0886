"""Metrics stamped on the ticket when their event happens, against hand-computed values.

Team A works 9:00-17:00 UTC, team B 9:00-17:00 Madrid (8:00-16:00 UTC in March), Monday
to Friday; Monday 11 March 2024 is a public holiday of the company.
"""

from datetime import timedelta

from lxml import etree

from odoo.tests import freeze_time, tagged
from odoo.tools import SQL

from .common_sla import MONDAY, HelpdeskSlaCommon

KPI_DURATIONS = (
    "kpi_assign",
    "kpi_first_response",
    "kpi_first_resolution",
    "kpi_resolution",
    "kpi_close",
    "kpi_requester_wait",
    "kpi_agent_wait",
)


def at(day_offset, hour, minute=0):
    """Naive UTC datetime `day_offset` days after Monday 4 March 2024."""
    return MONDAY + timedelta(days=day_offset, hours=hour, minutes=minute)


@tagged("post_install", "-at_install")
class TestTicketKpi(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["resource.calendar.leaves"].create(
            {"name": "Public holiday", "date_from": at(7, 0), "date_to": at(7, 23, 59), "calendar_id": False}
        )

    def create_at(self, when, **values):
        with freeze_time(when):
            return self.create_ticket(**values)

    def move(self, tickets, stage, when):
        with freeze_time(when):
            if stage.state in ("resolved", "closed"):
                self.resolve(tickets, stage)
            else:
                tickets.write({"stage_id": stage.id})

    def reply(self, ticket, when, user=None):
        with freeze_time(when):
            return self.agent_reply(ticket, user=user)

    def assertHours(self, ticket, expected):
        """`expected`: {metric prefix: (calendar hours, business hours)}; the others are 0."""
        self.assertEqual(
            {
                prefix: (round(ticket[f"{prefix}_hours"], 6), round(ticket[f"{prefix}_business_hours"], 6))
                for prefix in KPI_DURATIONS
            },
            {prefix: expected.get(prefix, (0.0, 0.0)) for prefix in KPI_DURATIONS},
        )

    def assertCounts(self, ticket, replies, escalations, transfers, reopens):
        self.assertEqual(
            (ticket.kpi_reply_count, ticket.kpi_escalation_count, ticket.kpi_team_transfer_count, ticket.reopen_count),
            (replies, escalations, transfers, reopens),
        )

    def db_values(self, ticket, fnames):
        """Stored values as PostgreSQL has them (a zero must be 0, not NULL)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT %s FROM helpdesk_ticket WHERE id = %s", SQL(", ").join(map(SQL.identifier, fnames)), ticket.id)
        )
        return self.env.cr.fetchone()

    def test_weekend_holiday_pause_reopen_escalation_transfer(self):
        """One ticket's whole life: created on Friday afternoon, answered on Tuesday (the
        weekend and Monday's holiday in between), paused, resolved, reopened, escalated to
        team B, resolved again and closed."""
        first_response_sla = self.make_policy(
            name="First response 8h", metric="first_response", target_hours=8, team_ids=[(6, 0, self.team_a.ids)]
        )
        ticket = self.create_at(at(4, 15))  # Friday 8 March, 15:00
        self.assertHours(ticket, {})
        with freeze_time(at(4, 16)):
            ticket.user_id = self.user_a
        self.assertHours(ticket, {"kpi_assign": (1.0, 1.0)})
        # New from Friday 15:00 to Tuesday 9:30: 90.5 hours; working: Fri 15-17, Tue 9-9:30.
        self.move(ticket, self.stage_progress, at(8, 9, 30))
        # Friday 15:00 to Tuesday 10:00: 91 hours, 3 of them working hours, as the SLA line says.
        self.reply(ticket, at(8, 10), user=self.user_a)
        self.assertEqual(ticket.first_response_date, at(8, 10))
        self.assertEqual(self.line(ticket, "first_response", settled=True).policy_id, first_response_sla)
        self.assertEqual(self.line(ticket, "first_response", settled=True).used_hours, 3.0)
        self.move(ticket, self.stage_pending, at(8, 11))
        # Pending from Tuesday 11:00 to Wednesday 10:00: 23 hours; working: Tue 11-17, Wed 9-10.
        self.move(ticket, self.stage_progress, at(9, 10))
        self.move(ticket, self.stage_resolved, at(9, 12))
        # Friday 15:00 to Wednesday 12:00: 117 hours; working: Fri 2 + Tue 8 + Wed 3.
        resolved_once = {
            "kpi_assign": (1.0, 1.0),
            "kpi_first_response": (91.0, 3.0),
            "kpi_first_resolution": (117.0, 13.0),
            "kpi_resolution": (117.0, 13.0),
            "kpi_requester_wait": (90.5 + 1.5 + 2.0, 2.5 + 1.5 + 2.0),
            "kpi_agent_wait": (23.0, 7.0),
        }
        self.assertHours(ticket, resolved_once)
        self.assertEqual(ticket.first_resolved_date, at(9, 12))
        self.assertCounts(ticket, replies=1, escalations=0, transfers=0, reopens=0)
        self.assertTrue(ticket.kpi_one_touch)
        self.assertTrue(ticket.kpi_first_contact_resolution)

        # Thursday 9:00 the customer says it is not solved: the final resolution and the
        # flags are undone, the first resolution stays.
        self.move(ticket, self.stage_progress, at(10, 9))
        self.assertFalse(ticket.resolved_date)
        self.assertEqual(ticket.first_resolved_date, at(9, 12))
        del resolved_once["kpi_resolution"]
        self.assertHours(ticket, resolved_once)
        self.assertFalse(ticket.kpi_one_touch)
        self.assertFalse(ticket.kpi_first_contact_resolution)

        # Escalated to team B (which assigns by hand: the ticket is unassigned), assigned
        # again: the time to assign is the first assignment's.
        with freeze_time(at(10, 10)):
            ticket._escalate(1, "Needs the network team", team=self.team_b)
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertFalse(ticket.user_id)
        with freeze_time(at(10, 10, 30)):
            ticket.user_id = self.user_b
        self.assertEqual(ticket.assign_date, at(10, 10, 30))
        self.reply(ticket, at(10, 11), user=self.user_b)
        self.move(ticket, self.stage_resolved, at(10, 14))
        # Now on team B's clock (Madrid): Fri 15-16 UTC, Tue and Wed 8 hours, Thu 8-14 UTC.
        self.assertHours(
            ticket,
            {
                "kpi_assign": (1.0, 1.0),
                "kpi_first_response": (91.0, 3.0),
                "kpi_first_resolution": (117.0, 13.0),
                "kpi_resolution": (143.0, 23.0),
                "kpi_requester_wait": (94.0 + 5.0, 6.0 + 5.0),
                "kpi_agent_wait": (23.0, 7.0),
            },
        )
        self.assertEqual((ticket.first_resolved_date, ticket.resolved_date), (at(9, 12), at(10, 14)))
        self.assertCounts(ticket, replies=2, escalations=1, transfers=1, reopens=1)
        self.assertFalse(ticket.kpi_one_touch)
        self.assertFalse(ticket.kpi_first_contact_resolution)

        # Closed on Friday 15 March at 9:00: 162 hours; working: 1 + 8 + 8 + 8 + 1 (Madrid).
        self.move(ticket, self.stage_closed, at(11, 9))
        self.assertEqual((ticket.kpi_close_hours, ticket.kpi_close_business_hours), (162.0, 26.0))
        self.assertEqual(ticket.kpi_requester_wait_hours, 99.0, "a resolved ticket keeps nobody waiting")

    def test_zero_second_first_response_without_team_or_calendar(self):
        """A ticket without team on a company without working hours: business hours are
        calendar hours; an answer in the same second is 0 hours, and stored as 0."""
        self.company.resource_calendar_id = False
        with freeze_time(at(5, 10)):  # Saturday
            ticket = self.create_ticket(team_id=False, user_id=self.agent.id)
            self.agent_reply(ticket)
        self.assertFalse(ticket.team_id)
        self.assertFalse(ticket._get_clock_key())
        self.assertEqual((ticket.assign_date, ticket.first_response_date), (at(5, 10), at(5, 10)))
        self.assertEqual(
            self.db_values(
                ticket, ["kpi_assign_hours", "kpi_first_response_hours", "kpi_first_response_business_hours"]
            ),
            (0.0, 0.0, 0.0),
        )
        self.move(ticket, self.stage_resolved, at(5, 12))
        self.assertHours(
            ticket,
            {
                "kpi_assign": (0.0, 0.0),
                "kpi_first_response": (0.0, 0.0),
                "kpi_first_resolution": (2.0, 2.0),
                "kpi_resolution": (2.0, 2.0),
                "kpi_requester_wait": (2.0, 2.0),
            },
        )
        self.assertCounts(ticket, replies=1, escalations=0, transfers=0, reopens=0)
        self.assertTrue(ticket.kpi_one_touch)
        self.assertTrue(ticket.kpi_first_contact_resolution)

    def test_new_ticket_stores_zeros_not_nulls(self):
        ticket = self.create_at(at(0, 9))
        fnames = [f"{prefix}_{unit}" for prefix in KPI_DURATIONS for unit in ("hours", "business_hours")]
        fnames += ["kpi_reply_count", "kpi_escalation_count", "kpi_team_transfer_count"]
        self.assertEqual(self.db_values(ticket, fnames), (0.0,) * 14 + (0, 0, 0))
        self.assertEqual(self.db_values(ticket, ["kpi_one_touch", "kpi_first_contact_resolution"]), (False, False))
        self.assertFalse(ticket.first_resolved_date)

    def test_cancelled_ticket(self):
        """Cancelling is a closure, not a resolution: time to close and waits, no resolution."""
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_pending, at(0, 10))
        with freeze_time(at(0, 12)):
            ticket.write(
                {
                    "stage_id": self.stage_cancelled.id,
                    "resolution_note": "<p>No longer needed</p>",
                    "closure_code_id": self.env.ref("helpdesk_itil.closure_cancelled_by_customer").id,
                }
            )
        self.assertHours(
            ticket, {"kpi_close": (3.0, 3.0), "kpi_requester_wait": (1.0, 1.0), "kpi_agent_wait": (2.0, 2.0)}
        )
        self.assertFalse(ticket.first_resolved_date)
        self.assertFalse(ticket.kpi_one_touch)
        self.assertFalse(ticket.kpi_first_contact_resolution)

    def test_one_touch_and_first_contact_resolution(self):
        # Two replies: not one-touch, still resolved by its first team at first contact.
        two_replies = self.create_at(at(0, 9))
        self.reply(two_replies, at(0, 10))
        self.reply(two_replies, at(0, 11))
        # Moved to team B by hand (no escalation): one-touch, but not first-contact.
        transferred = self.create_at(at(0, 9))
        with freeze_time(at(0, 10)):
            transferred.team_id = self.team_b
        self.reply(transferred, at(0, 11))
        # Escalated within its team (level only): not first-contact.
        escalated = self.create_at(at(0, 9))
        with freeze_time(at(0, 10)):
            escalated._escalate(1, "Customer is a VIP")
        # Resolved by the team without any reply (a monitoring recovery, say): one-touch.
        silent = self.create_at(at(0, 9))
        self.move(two_replies | transferred | escalated | silent, self.stage_resolved, at(0, 12))
        self.assertCounts(two_replies, replies=2, escalations=0, transfers=0, reopens=0)
        self.assertCounts(transferred, replies=1, escalations=0, transfers=1, reopens=0)
        self.assertCounts(escalated, replies=0, escalations=1, transfers=0, reopens=0)
        self.assertEqual(
            [(t.kpi_one_touch, t.kpi_first_contact_resolution) for t in (two_replies, transferred, escalated, silent)],
            [(False, True), (True, False), (True, False), (True, True)],
        )
        # Replies after the resolution do not change what was stamped then.
        self.reply(two_replies, at(0, 13))
        self.reply(silent, at(0, 13))
        self.reply(silent, at(0, 14))
        self.assertEqual(silent.kpi_reply_count, 2)
        self.assertTrue(silent.kpi_one_touch)

    def test_closed_straight_from_an_open_stage(self):
        ticket = self.create_at(at(0, 9))
        self.move(ticket, self.stage_closed, at(0, 13))
        self.assertEqual(ticket.first_resolved_date, at(0, 13))
        self.assertHours(
            ticket,
            {
                "kpi_first_resolution": (4.0, 4.0),
                "kpi_resolution": (4.0, 4.0),
                "kpi_close": (4.0, 4.0),
                "kpi_requester_wait": (4.0, 4.0),
            },
        )
        # Reopened from closed (a manager): resolution and closure are undone.
        self.move(ticket, self.stage_progress, at(1, 9))
        self.assertHours(ticket, {"kpi_first_resolution": (4.0, 4.0), "kpi_requester_wait": (4.0, 4.0)})

    def test_created_closed_with_its_dates(self):
        """An import that gives its resolution and closure dates (before the ticket's
        creation in the database): the dates are kept, the durations are 0, never negative."""
        with freeze_time(at(2, 9)):
            ticket = self.create_ticket(
                user_id=self.user_a.id,
                stage_id=self.stage_closed.id,
                resolution_note="<p>Imported from the old tool</p>",
                closure_code_id=self.code_solved.id,
                resolved_date=at(0, 10),
                closed_date=at(1, 10),
            )
        self.assertEqual((ticket.first_resolved_date, ticket.resolved_date), (at(0, 10), at(0, 10)))
        self.assertHours(ticket, {})
        self.assertTrue(ticket.kpi_one_touch)
        self.assertTrue(ticket.kpi_first_contact_resolution)

    def test_metrics_stay_internal(self):
        ticket = self.create_at(at(0, 9), partner_id=self.portal_user.partner_id.id)
        self.assertFalse(
            ticket.with_user(self.portal_user)._has_field_access(ticket._fields["kpi_resolution_hours"], "read")
        )

    def test_form_tab_and_optional_list_columns(self):
        views = self.env["helpdesk.ticket"].with_user(self.user_a).get_views([(False, "form"), (False, "list")])
        form = etree.fromstring(views["views"]["form"]["arch"])
        page = form.xpath("//page[@name='metrics']")
        self.assertTrue(page, "helpdesk users see the Metrics tab")
        fields = views["models"]["helpdesk.ticket"]["fields"]
        columns = etree.fromstring(views["views"]["list"]["arch"])
        for prefix in KPI_DURATIONS:
            for fname in (f"{prefix}_hours", f"{prefix}_business_hours"):
                self.assertTrue(page[0].xpath(f".//field[@name='{fname}']"), fname)
                self.assertTrue(fields[fname]["readonly"], fname)
                self.assertEqual(columns.xpath(f"//field[@name='{fname}']/@optional"), ["hide"], fname)
        for fname in ("kpi_reply_count", "kpi_escalation_count", "kpi_team_transfer_count", "kpi_one_touch"):
            self.assertEqual(columns.xpath(f"//field[@name='{fname}']/@optional"), ["hide"], fname)

    # Query counts

    def count_move(self, tickets, stage, when):
        with freeze_time(when):
            return self.count_queries(lambda: tickets.write({"stage_id": stage.id}))

    def test_batch_stage_moves_cost_the_same_for_10_and_100_tickets(self):
        """Metrics are stamped with a fixed number of queries per batch (mail tracking off,
        as in the bench's "SLA engine + ORM" rows)."""
        self.make_policy(name="Resolution 16h", target_hours=16)
        Ticket = self.env["helpdesk.ticket"].with_context(tracking_disable=True)
        with freeze_time(at(0, 9)):
            batches = {
                size: Ticket.create([{"name": f"T{size}-{i}", "team_id": self.team_a.id} for i in range(size)])
                for size in (10, 100)
            }
            warm = Ticket.create([{"name": f"Warm {i}", "team_id": self.team_a.id} for i in range(3)])
        counts = {}
        for stage, when in ((self.stage_progress, at(0, 10)), (self.stage_pending, at(0, 11))):
            self.count_move(warm, stage, when)
            for size, tickets in batches.items():
                counts[stage.state, size] = self.count_move(tickets, stage, when)
        with freeze_time(at(1, 10)):
            for tickets in (warm, *batches.values()):
                tickets.write({"resolution_note": "<p>Done</p>", "closure_code_id": self.code_solved.id})
        self.count_move(warm, self.stage_resolved, at(1, 12))
        for size, tickets in batches.items():
            counts["resolved", size] = self.count_move(tickets, self.stage_resolved, at(1, 12))
        for state in ("in_progress", "pending", "resolved"):
            self.assertEqual(counts[state, 10], counts[state, 100], counts)
        # Pending from Monday 11:00 to Tuesday 12:00: 25 hours, 6 + 3 working hours.
        ticket = batches[100][-1]
        self.assertHours(
            ticket,
            {
                "kpi_first_resolution": (27.0, 11.0),
                "kpi_resolution": (27.0, 11.0),
                "kpi_requester_wait": (2.0, 2.0),
                "kpi_agent_wait": (25.0, 9.0),
            },
        )
