"""19.0.1.4.0: intake that never drops a message.

Alert tickets count their repeats instead of noting each one: existing alert tickets get
their last-seen date and repeat count from the notes the old code posted for every repeat
("Alert still firing", "The alert fires again"). Their digest stays empty, so the next
repeat of an open alert is noted once more, as before, and counted from then on.
"""

REPEAT_NOTES = ("%Alert still firing%", "%The alert fires again%")


def migrate(cr, version):
    count_alert_repeats(cr)


def count_alert_repeats(cr):
    cr.execute(
        """
        UPDATE helpdesk_ticket ticket
           SET alert_repeat_count = COALESCE(notes.repeats, 0),
               alert_last_seen = GREATEST(ticket.create_date, notes.last_seen)
          FROM helpdesk_ticket alert_ticket
     LEFT JOIN LATERAL (
                SELECT count(*) AS repeats, max(message.date) AS last_seen
                  FROM mail_message message
                 WHERE message.model = 'helpdesk.ticket'
                   AND message.res_id = alert_ticket.id
                   AND message.body::text LIKE ANY (%s)
               ) notes ON TRUE
         WHERE ticket.id = alert_ticket.id
           AND ticket.alert_source_id IS NOT NULL
           AND ticket.alert_last_seen IS NULL
        """,
        [list(REPEAT_NOTES)],
    )
