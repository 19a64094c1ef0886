import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MIGRATION = Path(__file__).parents[1] / "migrations" / "19.0.1.12.0" / "pre-migrate.py"
INDEX = "helpdesk_ticket__reference_index"


def load_migration():
    spec = importlib.util.spec_from_file_location("helpdesk_itil_pre_migrate_19_0_1_12_0", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        load_migration().migrate(self.env.cr, "19.0.1.5.0")
        self.assertIsNone(self.index_definition())
        # what the update does next: the field's index, created since none has its name
        self.registry.check_indexes(self.env.cr, ["helpdesk.ticket"])
        self.assertIn("gin_trgm_ops", self.index_definition())

    def test_trigram_index_kept(self):
        before = self.index_definition()
        load_migration().migrate(self.env.cr, "19.0.1.5.0")
        self.assertEqual(self.index_definition(), before)
