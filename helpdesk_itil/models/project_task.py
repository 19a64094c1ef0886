from odoo import fields, models

from odoo.addons.project.models.project_task import CLOSED_STATES


class ProjectTask(models.Model):
    _inherit = "project.task"

    helpdesk_ticket_id = fields.Many2one(
        "helpdesk.ticket",
        index="btree_not_null",
        copy=False,
        help="Ticket this field task was made from.",
    )

    def write(self, vals):
        done = self.browse()
        if vals.get("state") == "1_done":
            done = self.sudo().filtered(lambda task: task.helpdesk_ticket_id and task.state != "1_done")
        result = super().write(vals)
        for task in done:
            ticket = task.helpdesk_ticket_id
            # The ticket is resolved with its last open field task.
            still_open = ticket.task_ids.filtered(lambda t: t.state not in CLOSED_STATES)
            ticket._erp_document_done(
                task,
                self.env._("Field task %(task)s done.", task=task._get_html_link()),
                "resolve_on_task_done" if not still_open else None,
            )
        return result

    def action_view_helpdesk_ticket(self):
        self.ensure_one()
        return self.helpdesk_ticket_id._action_view_ticket()
