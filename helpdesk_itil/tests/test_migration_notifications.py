"""19.0.1.6.0: members follow their teams; SLA lines already at risk or failed count as told."""

from datetime import timedelta

from odoo.tests import freeze_time, tagged

from .common_migration import load_migration
from .common_sla import MONDAY, HelpdeskSlaCommon


@tagged("post_install", "-at_install")
class TestMigrationNotifications(HelpdeskSlaCommon):
    def test_upgrade(self):
        self.make_policy(name="Resolution 4h", target_hours=4, at_risk_percent=75)
        with freeze_time(MONDAY + timedelta(hours=9)):
            at_risk, ongoing = self.create_ticket(), self.create_ticket()
        at_risk.sla_ids.status = "at_risk"
        # As before the upgrade: nobody follows the teams, no line was told.
        self.env["mail.followers"].search([("res_model", "=", "helpdesk.team")]).unlink()
        migration = load_migration("19.0.1.6.0")
        migration.migrate(self.env.cr, None)  # a new install: nothing to do
        self.assertFalse(self.team_a.message_partner_ids)
        migration.migrate(self.env.cr, "19.0.1.5.0")
        self.env.invalidate_all()
        self.assertEqual(self.team_a.message_partner_ids, (self.user_a | self.user_a2).partner_id)
        self.assertEqual(self.team_b.message_partner_ids, self.user_b.partner_id)
        self.assertEqual(
            self.team_a.message_follower_ids.filtered(lambda f: f.partner_id == self.user_a2.partner_id).subtype_ids,
            self.env.ref("helpdesk_itil.mt_team_ticket_new") | self.env.ref("helpdesk_itil.mt_team_ticket_assigned"),
        )
        self.assertTrue(at_risk.sla_ids.notified_at_risk)
        self.assertFalse(at_risk.sla_ids.notified_failed)
        self.assertFalse(ongoing.sla_ids.notified_at_risk)
        # The next watcher run sends nothing about the old line.
        self.run_cron(when=MONDAY + timedelta(hours=12, minutes=30))
        self.assertFalse(
            at_risk.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_sla_alert"))
        )
        self.assertTrue(
            ongoing.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_sla_alert"))
        )
