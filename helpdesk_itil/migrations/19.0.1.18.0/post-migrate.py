"""19.0.1.18.0: a pause going on is the SLA line's ``paused_since``, no longer an open interval.

A pause is logged as a closed interval when it ends (helpdesk.ticket.sla._close_current).
Lines that 19.0.1.17.0 and earlier paused still have an open paused interval as their
current one: its start becomes the line's ``paused_since`` and the open row goes, to be
logged again, closed, when the pause ends. Closed intervals are kept as they are.
"""


def migrate(cr, version):
    move_open_pauses_to_lines(cr)


def move_open_pauses_to_lines(cr):
    cr.execute(
        """
        UPDATE helpdesk_ticket_sla line
           SET paused_since = interval.date_start, current_interval_id = NULL
          FROM helpdesk_ticket_sla_interval interval
         WHERE interval.sla_id = line.id AND interval.kind = 'paused' AND interval.date_stop IS NULL
        """
    )
    cr.execute("DELETE FROM helpdesk_ticket_sla_interval WHERE kind = 'paused' AND date_stop IS NULL")
