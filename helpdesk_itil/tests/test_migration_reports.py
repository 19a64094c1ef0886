"""19.0.1.5.0: existing SLA policies get the default attainment target; the attainment per
period of the past is computed right after the upgrade."""

from odoo.tests import freeze_time, tagged
from odoo.tools import SQL

from .common_migration import load_migration
from .common_report import ATTAINMENT_CRON, HelpdeskReportCommon


@tagged("post_install", "-at_install")
class TestMigrationReports(HelpdeskReportCommon):
    def test_attainment_target_column(self):
        """The column the upgrade adds is never empty (the ORM fills existing rows with the default)."""
        rows = self.env.execute_query(
            SQL(
                """SELECT is_nullable FROM information_schema.columns
                    WHERE table_name = 'helpdesk_sla_policy' AND column_name = 'attainment_target'"""
            )
        )
        self.assertEqual(rows, [("NO",)])
        policy = self.make_policy(name="Resolution 8h", target_hours=8, team_ids=[(6, 0, self.team_a.ids)])
        self.assertEqual(policy.attainment_target, 95.0)

    def test_first_computation_right_after_the_upgrade(self):
        migration = load_migration("19.0.1.5.0")
        cron = self.env.ref(ATTAINMENT_CRON)
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        migration.migrate(self.env.cr, None)  # a new install: nothing to do
        self.assertEqual(Trigger.search([("cron_id", "=", cron.id)]), before)
        with freeze_time("2024-04-02 08:00:00"):
            migration.migrate(self.env.cr, "19.0.1.2.0")
        added = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertEqual(len(added), 1)
        self.assertEqual(str(added.call_at), "2024-04-02 08:00:00")
