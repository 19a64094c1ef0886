from odoo import Command, api, fields, models


class HelpdeskTicketTaskWizard(models.TransientModel):
    _name = "helpdesk.ticket.task.wizard"
    _inherit = ["helpdesk.ticket.conversion.mixin"]
    _description = "Create a Field Task from a Ticket"
    _conversion_model = "project.task"
    _conversion_group = "project.group_project_user"

    project_id = fields.Many2one(
        "project.project",
        required=True,
        compute="_compute_project_id",
        store=True,
        readonly=False,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="The team's service project by default.",
    )
    name = fields.Char(string="Task Title", required=True, compute="_compute_name", store=True, readonly=False)
    user_ids = fields.Many2many(
        "res.users", string="Assignees", domain="[('share', '=', False), ('company_ids', 'in', company_id)]"
    )
    date_deadline = fields.Datetime(
        string="Deadline",
        compute="_compute_date_deadline",
        store=True,
        readonly=False,
        help="The ticket's SLA deadline, when it has one.",
    )

    @api.depends("ticket_id")
    def _compute_project_id(self):
        for wizard in self:
            wizard.project_id = wizard.ticket_id.team_id.service_project_id

    @api.depends("ticket_id")
    def _compute_name(self):
        for wizard in self:
            wizard.name = wizard.ticket_id.display_name

    @api.depends("ticket_id")
    def _compute_date_deadline(self):
        for wizard in self:
            wizard.date_deadline = wizard.ticket_id.sla_deadline

    def _get_document_description(self):
        return self.env._("a field task")

    def _prepare_task_values(self):
        ticket = self.ticket_id
        return {
            "name": self.name,
            "project_id": self.project_id.id,
            "partner_id": ticket.partner_id.id,
            "user_ids": [Command.set(self.user_ids.ids)],
            "date_deadline": self.date_deadline,
            "description": ticket.description,
            "helpdesk_ticket_id": ticket.id,
        }

    def action_create_task(self):
        self.ensure_one()
        self._check_conversion()
        task = self.env["project.task"].create(self._prepare_task_values())
        self._post_conversion_note(task)
        return self._action_open_document(task, "project.action_view_all_task", "project.view_task_form2")
