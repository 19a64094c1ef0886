from odoo.tests import TransactionCase, tagged

from .common import HelpdeskFixtures
from .common_migration import load_migration

COLUMNS = ("subject_normalized", "description_hash", "partner_email_normalized")


@tagged("post_install", "-at_install")
class TestMigrationDuplicates(HelpdeskFixtures, TransactionCase):
    """19.0.1.3.0 on tickets as 19.0.1.1.0 left them: without the three new columns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_helpdesk_fixtures()
        cls.migration = load_migration("19.0.1.3.0", "pre-migrate")
        cls.tickets = cls.env["helpdesk.ticket"].create(
            [
                {
                    "name": "Re: [HD-000001] VPN  drops",
                    "partner_id": cls.contact.id,
                    "description": "<p>Since this morning the <b>VPN</b> drops every ten minutes.</p>",
                    "team_id": cls.team_a.id,
                },
                {"name": "Printer", "partner_email": "Walk In <Walk.In@Example.net>", "team_id": cls.team_a.id},
                {"name": "Fwd:", "description": "<p>short</p>", "team_id": cls.team_a.id},
            ]
        )

    def column_values(self):
        self.env.cr.execute(
            f"SELECT {', '.join(COLUMNS)} FROM helpdesk_ticket WHERE id IN %s ORDER BY id", [tuple(self.tickets.ids)]
        )
        return self.env.cr.fetchall()

    def test_columns_added_and_filled_as_the_computes_do(self):
        expected = [tuple(ticket[column] or None for column in COLUMNS) for ticket in self.tickets]
        self.assertEqual(
            expected,
            [
                ("vpn drops", self.tickets[0].description_hash, "carla@acme.example.com"),
                ("printer", None, "walk.in@example.net"),
                (None, None, None),
            ],
        )
        self.assertEqual(len(self.tickets[0].description_hash), 64)
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE helpdesk_ticket " + ", ".join(f"DROP COLUMN {column} CASCADE" for column in COLUMNS)
        )
        self.migration.migrate(self.env.cr, "19.0.1.1.0")
        self.assertEqual(self.column_values(), expected)
        # Run again (an interrupted upgrade), in small batches: the same.
        self.env.cr.execute(f"UPDATE helpdesk_ticket SET {', '.join(f'{c} = NULL' for c in COLUMNS)}")
        self.migration.add_columns(self.env.cr)
        self.migration.fill_columns(self.env.cr, batch_size=2)
        self.assertEqual(self.column_values(), expected)
