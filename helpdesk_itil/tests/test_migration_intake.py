from datetime import timedelta

from odoo.tests import tagged

from .common import HelpdeskCommon
from .common_migration import load_migration


@tagged("post_install", "-at_install")
class TestMigrationIntake(HelpdeskCommon):
    """19.0.1.4.0 on data as 19.0.1.1.0 left it."""

    def test_alert_tickets_count_the_repeats_the_old_code_noted(self):
        source = self.env["helpdesk.alert.source"].create({"name": "Prometheus", "team_id": self.team_a.id})
        noted = self.create_ticket(name="CPU", alert_source_id=source.id, alert_fingerprint="fp-cpu")
        quiet = self.create_ticket(name="Disk", alert_source_id=source.id, alert_fingerprint="fp-disk")
        plain = self.create_ticket(name="Not an alert")
        opened = noted.create_date
        for hours in (1, 2):
            message = noted.message_post(body="Alert still firing: notification received again.")
            message.date = opened + timedelta(hours=hours)
        noted.message_post(body="The alert fires again before the quiet period ended.").date = opened + timedelta(
            hours=3
        )
        noted.message_post(body="Someone looked at it.")
        self.env.flush_all()
        # What 19.0.1.1.0 left: the new columns empty.
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET alert_last_seen = NULL, alert_repeat_count = 0, alert_digest = NULL"
        )
        self.env.invalidate_all()
        self.load_migration_and_run()
        self.assertEqual(noted.alert_repeat_count, 3)
        self.assertEqual(noted.alert_last_seen, opened + timedelta(hours=3))
        self.assertEqual(quiet.alert_repeat_count, 0)
        self.assertEqual(quiet.alert_last_seen, quiet.create_date, "never repeated: seen when opened")
        self.assertFalse(plain.alert_last_seen)
        self.assertFalse(noted.alert_digest, "the next repeat is noted once more, then counted")

    def load_migration_and_run(self):
        load_migration("19.0.1.4.0").migrate(self.env.cr, "19.0.1.1.0")
        self.env.invalidate_all()
