"""19.0.1.2.0: existing tickets get their metrics from the chatter, the SLA intervals and the
state dates, the same figures the live stamps give."""

from odoo.tests import freeze_time, tagged
from odoo.tools import SQL

from .common_migration import load_migration
from .common_sla import HelpdeskSlaCommon
from .test_ticket_kpi import at


@tagged("post_install", "-at_install")
class TestMigrationKpi(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = load_migration("19.0.1.2.0")
        cls.env["resource.calendar.leaves"].create(
            {"name": "Public holiday", "date_from": at(7, 0), "date_to": at(7, 23, 59), "calendar_id": False}
        )

    def at_time(self, when, action):
        """Run `action()` at `when`, with its chatter tracking written at that time too."""
        with freeze_time(when):
            action()
            self.flush_tracking()

    def move(self, tickets, stage, when):
        if stage.state in ("resolved", "closed"):
            self.at_time(when, lambda: self.resolve(tickets, stage))
        else:
            self.at_time(when, lambda: tickets.write({"stage_id": stage.id}))

    def reply(self, ticket, when, user=None):
        self.at_time(when, lambda: self.agent_reply(ticket, user=user))

    def stamps(self, tickets):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM helpdesk_ticket WHERE id IN %s ORDER BY id",
                SQL(", ").join(map(SQL.identifier, self.migration.COLUMNS)),
                tuple(tickets.ids),
            )
        )
        return {
            row[0]: {
                column: round(value, 6) if isinstance(value, float) else value
                for column, value in zip(self.migration.COLUMNS, row[1:], strict=True)
            }
            for row in self.env.cr.fetchall()
        }

    def blank_and_migrate(self, tickets):
        """Blank the stamps as the upgrade finds them (new columns: NULL), then migrate."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE helpdesk_ticket SET %s WHERE id IN %s",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(column)) for column in self.migration.COLUMNS),
                tuple(tickets.ids),
            )
        )
        self.assertEqual({value for row in self.stamps(tickets).values() for value in row.values()}, {None})
        self.migration.migrate(self.env.cr, "19.0.1.1.0")
        self.env.invalidate_all()

    def test_migration_rebuilds_the_live_stamps_from_the_chatter(self):
        self.make_policy(name="Resolution 40h", target_hours=40)
        # The whole life of a ticket: weekend, holiday, pause, reopen, escalation to team B.
        with freeze_time(at(4, 15)):
            story = self.create_ticket(name="Story")
            self.flush_tracking()
        self.at_time(at(4, 16), lambda: story.write({"user_id": self.user_a.id}))
        self.move(story, self.stage_progress, at(8, 9, 30))
        self.reply(story, at(8, 10), user=self.user_a)
        self.move(story, self.stage_pending, at(8, 11))
        self.move(story, self.stage_progress, at(9, 10))
        self.move(story, self.stage_resolved, at(9, 12))
        self.move(story, self.stage_progress, at(10, 9))
        self.at_time(at(10, 10), lambda: story._escalate(1, "Needs the network team", team=self.team_b))
        self.at_time(at(10, 10, 30), lambda: story.write({"user_id": self.user_b.id}))
        self.reply(story, at(10, 11), user=self.user_b)
        self.move(story, self.stage_resolved, at(10, 14))
        self.move(story, self.stage_closed, at(11, 9))
        # Without team nor calendar, answered at once; cancelled while pending; imported closed.
        self.company.resource_calendar_id = False
        with freeze_time(at(5, 10)):
            quick = self.create_ticket(name="Quick", team_id=False, user_id=self.agent.id)
            self.flush_tracking()
        self.reply(quick, at(5, 10))
        self.move(quick, self.stage_resolved, at(5, 12))
        with freeze_time(at(0, 9)):
            cancelled = self.create_ticket(name="Cancelled")
            self.flush_tracking()
        self.move(cancelled, self.stage_pending, at(0, 10))
        self.move(cancelled, self.stage_cancelled, at(0, 12))
        with freeze_time(at(2, 9)):
            imported = self.create_ticket(
                name="Imported",
                stage_id=self.stage_closed.id,
                resolution_note="<p>Imported</p>",
                closure_code_id=self.code_solved.id,
                resolved_date=at(0, 10),
                closed_date=at(1, 10),
            )
            self.flush_tracking()
        tickets = story | quick | cancelled | imported
        live = self.stamps(tickets)
        # The migration measures every span on the ticket's clock of today (team B's for the
        # story); the story's spans have the same working hours on team A's (9-17 UTC) and
        # team B's (8-16 UTC) calendars, so the live figures are expected as they are.
        self.assertEqual(live[story.id]["kpi_resolution_business_hours"], 23.0)
        self.assertEqual(live[story.id]["kpi_requester_wait_business_hours"], 11.0)
        self.assertEqual(live[cancelled.id]["kpi_agent_wait_hours"], 2.0)
        self.blank_and_migrate(tickets)
        self.assertEqual(self.stamps(tickets), live)

    def test_untracked_stage_changes_come_from_the_sla_intervals(self):
        """Stage changes written without tracking (an import, a script): the waits come from
        the running and paused intervals of the resolution SLA line, the first resolution of
        a reopened ticket from its first settled line."""
        self.make_policy(name="Resolution 40h", target_hours=40)
        self.make_policy(name="OLA 30h", kind="ola", target_hours=30)
        with freeze_time(at(0, 9)):
            ticket = (
                self.env["helpdesk.ticket"]
                .with_context(tracking_disable=True)
                .create({"name": "Untracked", "team_id": self.team_a.id, "user_id": self.user_a.id})
            )
        for stage, when in (
            (self.stage_progress, at(0, 10)),
            (self.stage_pending, at(0, 11)),
            (self.stage_progress, at(1, 10)),
            (self.stage_resolved, at(1, 12)),
            (self.stage_progress, at(1, 14)),
            (self.stage_resolved, at(1, 16)),
        ):
            self.move(ticket, stage, when)
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(
            self.env["mail.tracking.value"].search_count([("mail_message_id.res_id", "=", ticket.id)]),
            "nothing tracked",
        )
        live = self.stamps(ticket)
        self.blank_and_migrate(ticket)
        migrated = self.stamps(ticket)
        self.assertEqual(migrated, live)
        # Requester: Mon 9-11 and Tue 10-12 (first line), Tue 14-16 (the line after the
        # reopen); agent: Mon 11:00 to Tue 10:00, 6 + 1 working hours.
        self.assertEqual(
            (
                migrated[ticket.id]["kpi_requester_wait_hours"],
                migrated[ticket.id]["kpi_agent_wait_hours"],
                migrated[ticket.id]["kpi_agent_wait_business_hours"],
                migrated[ticket.id]["first_resolved_date"],
                migrated[ticket.id]["kpi_first_resolution_business_hours"],
            ),
            (6.0, 23.0, 7.0, at(1, 12), 11.0),
        )

    def test_fresh_install_does_nothing(self):
        ticket = self.create_ticket()
        self.env.flush_all()
        self.env.cr.execute("UPDATE helpdesk_ticket SET kpi_reply_count = NULL WHERE id = %s", [ticket.id])
        self.migration.migrate(self.env.cr, None)
        self.env.cr.execute("SELECT kpi_reply_count FROM helpdesk_ticket WHERE id = %s", [ticket.id])
        self.assertIsNone(self.env.cr.fetchone()[0])

    def test_batches_cost_a_fixed_number_of_queries(self):
        def tickets(count):
            with freeze_time(at(0, 9)):
                created = self.env["helpdesk.ticket"].create(
                    [{"name": f"B{count}-{i}", "team_id": self.team_a.id} for i in range(count)]
                )
                self.flush_tracking()
            self.move(created, self.stage_pending, at(0, 10))
            self.move(created, self.stage_resolved, at(0, 12))
            return created

        small, large = tickets(5), tickets(50)
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        self.migration.stamp_tickets(self.env, small.ids, clocks)  # fetches the working intervals
        counts = []
        for batch in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.migration.stamp_tickets(self.env, batch.ids, clocks)
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])
        self.env.invalidate_all()
        self.assertEqual(set(large.mapped("kpi_agent_wait_hours")), {2.0})
