from odoo.tests import TransactionCase, tagged

from .common import HelpdeskFixtures
from .common_migration import load_migration


@tagged("post_install", "-at_install")
class TestMigrationLinks(HelpdeskFixtures, TransactionCase):
    """19.0.1.7.0 on related tickets as 19.0.1.5.0 stored them: a symmetric many2many table."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_helpdesk_fixtures()
        cls.migration = load_migration("19.0.1.7.0")
        cls.t1, cls.t2, cls.t3, cls.t4 = (cls.create_ticket(name=f"T{i}") for i in range(1, 5))

    def test_related_tickets_become_relates_to_links(self):
        Link = self.env["helpdesk.ticket.link"]
        Link.create({"ticket_id": self.t4.id, "target_id": self.t3.id, "link_type": "blocks"})
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "CREATE TABLE helpdesk_ticket_related_rel (ticket_id integer, related_ticket_id integer, "
            "PRIMARY KEY (ticket_id, related_ticket_id))"
        )
        # Both ways (the old field kept them symmetric), one way only, one pair already linked.
        rows = [(self.t1, self.t2), (self.t2, self.t1), (self.t1, self.t3), (self.t3, self.t4), (self.t4, self.t3)]
        cr.executemany("INSERT INTO helpdesk_ticket_related_rel VALUES (%s, %s)", [(a.id, b.id) for a, b in rows])
        self.migration.migrate(cr, "19.0.1.5.0")
        self.env.invalidate_all()
        links = Link.search([("ticket_id", "in", (self.t1 | self.t2 | self.t3 | self.t4).ids)])
        self.assertEqual(
            sorted((link.ticket_id.name, link.target_id.name, link.link_type) for link in links),
            [("T1", "T2", "relates_to"), ("T1", "T3", "relates_to"), ("T4", "T3", "blocks")],
        )
        self.assertEqual(self.t1.related_ticket_ids, self.t2 | self.t3)
        self.assertEqual(links[0].company_id, self.company)
        cr.execute("SELECT to_regclass('helpdesk_ticket_related_rel')")
        self.assertIsNone(cr.fetchone()[0], "the old table is dropped")
        # Run again (an interrupted upgrade): nothing more.
        self.assertEqual(self.migration.copy_related_tickets(cr), 0)
