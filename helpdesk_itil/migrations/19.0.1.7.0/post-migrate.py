"""19.0.1.7.0: typed links between tickets, merge.

Related tickets were a symmetric many2many (helpdesk_ticket_related_rel, a row each way);
they become one helpdesk.ticket.link per pair, of type "relates to". The old table is
dropped once copied (the field is now computed from the links).
"""

from odoo.tools import SQL, sql


def migrate(cr, version):
    if not version:
        return
    copy_related_tickets(cr)


def copy_related_tickets(cr):
    """Copy the pairs of helpdesk_ticket_related_rel into helpdesk_ticket_link (relates_to),
    once per pair, leaving pairs already linked alone; drop the old table. Returns the
    number of links made."""
    if not sql.table_exists(cr, "helpdesk_ticket_related_rel"):
        return 0
    cr.execute(
        SQL(
            """
            INSERT INTO helpdesk_ticket_link (ticket_id, target_id, link_type, company_id,
                                              create_uid, create_date, write_uid, write_date)
            SELECT pair.first, pair.second, 'relates_to', t.company_id,
                   1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
              FROM (SELECT DISTINCT LEAST(ticket_id, related_ticket_id) AS first,
                                    GREATEST(ticket_id, related_ticket_id) AS second
                      FROM helpdesk_ticket_related_rel
                     WHERE ticket_id <> related_ticket_id) pair
              JOIN helpdesk_ticket t ON t.id = pair.first
             WHERE NOT EXISTS (
                    SELECT 1 FROM helpdesk_ticket_link l
                     WHERE LEAST(l.ticket_id, l.target_id) = pair.first
                       AND GREATEST(l.ticket_id, l.target_id) = pair.second)
            """
        )
    )
    count = cr.rowcount
    cr.execute("DELETE FROM ir_model_relation WHERE name = 'helpdesk_ticket_related_rel'")
    cr.execute("DROP TABLE helpdesk_ticket_related_rel")
    return count
