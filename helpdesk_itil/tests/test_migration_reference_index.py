from odoo.tests import TransactionCase, tagged

from .common_migration import load_migration

INDEX = "helpdesk_ticket__reference_index"


@tagged("post_install", "-at_install")
class TestMigrationReferenceIndex(TransactionCase):
    """19.0.1.12.0 on a database that 19.0.1.5.0 left with a btree on the reference."""

    def index_definition(self):
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX])
        row = self.env.cr.fetchone()
        return row and row[0]

    def test_btree_replaced_by_trigram(self):
        self.assertIn("gin_trgm_ops", self.index_definition())
        self.env.cr.execute(f"DROP INDEX {INDEX}")
        self.env.cr.execute(f"CREATE INDEX {INDEX} ON helpdesk_ticket (reference)")
        load_migration("19.0.1.12.0", "pre-migrate").migrate(self.env.cr, "19.0.1.5.0")
        self.assertIsNone(self.index_definition())
        # what the update does next: the field's index, created since none has its name
        self.registry.check_indexes(self.env.cr, ["helpdesk.ticket"])
        self.assertIn("gin_trgm_ops", self.index_definition())

    def test_trigram_index_kept(self):
        before = self.index_definition()
        load_migration("19.0.1.12.0", "pre-migrate").migrate(self.env.cr, "19.0.1.5.0")
        self.assertEqual(self.index_definition(), before)
