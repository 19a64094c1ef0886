"""19.0.1.1.0: one home for every lifecycle decision.

* The one scheduled action runs the ticket timers of helpdesk.ticket (its record is
  noupdate, so the upgrade moves it).
* Cancelled is not reached: SLA lines that the old code marked "reached" when their ticket
  was cancelled become "cancelled" (the one exception to "settled lines never change").
* Closure needs the customer's confirmation: on by default, kept on for the teams whose
  tickets have portal customers and turned off for the others.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    move_cron(env)
    relabel_cancelled_sla_lines(cr)
    closure_confirmation_for_portal_teams(cr)


def move_cron(env):
    cron = env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch", raise_if_not_found=False)
    if cron:
        cron.write({"model_id": env["ir.model"]._get_id("helpdesk.ticket"), "code": "model._cron_lifecycle()"})


def relabel_cancelled_sla_lines(cr):
    # Settled when the ticket was cancelled: the same instant as the ticket's closing date.
    cr.execute(
        """
        UPDATE helpdesk_ticket_sla line
           SET status = 'cancelled', reached_date = NULL
          FROM helpdesk_ticket ticket
         WHERE line.ticket_id = ticket.id
           AND ticket.state = 'cancelled'
           AND line.status = 'reached'
           AND line.settled_date = ticket.closed_date
        """
    )


def closure_confirmation_for_portal_teams(cr):
    cr.execute(
        """
        UPDATE helpdesk_team team
           SET closure_confirmation = EXISTS (
                   SELECT 1
                     FROM helpdesk_ticket ticket
                     JOIN res_users portal_user ON portal_user.partner_id = ticket.partner_id
                    WHERE ticket.team_id = team.id
                      AND portal_user.share
                      AND portal_user.active
               )
        """
    )
