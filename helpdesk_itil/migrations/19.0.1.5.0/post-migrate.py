"""19.0.1.5.0: reports (report/) and SLA attainment per period.

The report views are created by their models' init(), and the ORM gives existing SLA
policies the default attainment target (95 %) when it adds the column. What an existing
database needs besides: the results of its past periods. The scheduled action "Helpdesk: SLA
attainment per period" is asked to run right after the upgrade (its first run goes through
the whole history, and past periods come out final) rather than at the next hour.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("helpdesk_itil.ir_cron_helpdesk_sla_attainment", raise_if_not_found=False)
    if cron:
        cron._trigger()
