from odoo.tests import TransactionCase, tagged

from .common import HelpdeskPortalFixtures
from .common_migration import load_migration


@tagged("post_install", "-at_install")
class TestMigrationOneHome(HelpdeskPortalFixtures, TransactionCase):
    """19.0.1.1.0 on data as 19.0.1.0.0 left it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["helpdesk.sla.policy"].create({"name": "Resolution 8h", "target_hours": 8, "sequence": -5})
        cls.setup_portal_fixtures()
        cls.migration = load_migration("19.0.1.1.0")

    def test_cron_moves_to_the_ticket_timers(self):
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch")
        cron.write({"model_id": self.env["ir.model"]._get_id("helpdesk.ticket.sla"), "code": "model._cron_watch()"})
        self.migration.migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(cron.model_id.model, "helpdesk.ticket")
        self.assertEqual(cron.code, "model._cron_lifecycle()")

    def test_lines_reached_at_cancellation_become_cancelled(self):
        cancelled, resolved = self.ticket_carla, self.create_ticket(name="Solved")
        cancelled.stage_id = self.stage_cancelled
        self.resolve(resolved)
        lines = (cancelled | resolved).sla_ids
        self.env.flush_all()
        # What the old code wrote: "reached" at the cancellation.
        self.env.cr.execute(
            "UPDATE helpdesk_ticket_sla SET status = 'reached', reached_date = settled_date WHERE id IN %s",
            [tuple(cancelled.sla_ids.ids)],
        )
        lines.invalidate_recordset()
        self.assertEqual(cancelled.sla_ids.status, "reached")
        self.migration.migrate(self.env.cr, "19.0.1.0.0")
        lines.invalidate_recordset()
        self.assertEqual(cancelled.sla_ids.status, "cancelled")
        self.assertFalse(cancelled.sla_ids.reached_date)
        self.assertEqual(resolved.sla_ids.status, "reached", "settled lines of other tickets never change")

    def test_closure_confirmation_kept_for_teams_with_portal_customers(self):
        # team A has Carla's ticket (a portal user), team B only Bob's (a portal user too):
        # a team whose tickets come from contacts without an account turns it off.
        team_c = self.env["helpdesk.team"].create({"name": "Internal IT"})
        self.create_ticket(team_id=team_c.id, partner_id=self.customer.id)
        (self.team_a | self.team_b | team_c).closure_confirmation = True  # the new column's default
        self.env.flush_all()
        self.migration.migrate(self.env.cr, "19.0.1.0.0")
        (self.team_a | self.team_b | team_c).invalidate_recordset()
        self.assertEqual((self.team_a | self.team_b | team_c).mapped("closure_confirmation"), [True, True, False])
