"""19.0.1.12.0: the ticket reference gets a trigram index instead of a btree.

Agents search a reference by a part of it (``ilike '%000123%'``), which a btree cannot
serve; exact lookups keep the unique constraint's index. Odoo creates a field's index only
when no index of that name exists, so the old one is dropped here and the update builds the
trigram index under the same name (none when pg_trgm is missing, as for every trigram field).
"""


def migrate(cr, version):
    drop_btree_reference_index(cr)


def drop_btree_reference_index(cr):
    cr.execute(
        """
        SELECT 1 FROM pg_indexes
         WHERE tablename = 'helpdesk_ticket' AND indexname = 'helpdesk_ticket__reference_index'
           AND indexdef NOT LIKE '%%gin_trgm_ops%%'
        """
    )
    if cr.fetchone():
        cr.execute("DROP INDEX helpdesk_ticket__reference_index")
