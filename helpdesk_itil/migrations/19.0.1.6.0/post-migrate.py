"""19.0.1.6.0: agent notifications.

New columns come empty. What an existing database needs besides:
- team members and leaders follow their team with the default notification subtypes
  (before, nobody followed a team for its tickets), as new members do from now on;
- SLA lines already at risk or failed count as told: the assignees knew them from the
  ticket views, and the first watcher run after the upgrade must not send a burst of
  notices about old lines.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE helpdesk_ticket_sla
           SET notified_at_risk = TRUE,
               notified_failed = (status = 'failed')
         WHERE status IN ('at_risk', 'failed')
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["helpdesk.team"].with_context(active_test=False).search([])._subscribe_members()
