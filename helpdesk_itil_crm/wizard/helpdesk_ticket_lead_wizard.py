from odoo import api, fields, models


class HelpdeskTicketLeadWizard(models.TransientModel):
    _name = "helpdesk.ticket.lead.wizard"
    _inherit = ["helpdesk.ticket.conversion.mixin"]
    _description = "Create an Opportunity from a Ticket"
    _conversion_model = "crm.lead"
    _conversion_group = "sales_team.group_sale_salesman"

    name = fields.Char(string="Opportunity", required=True, compute="_compute_name", store=True, readonly=False)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    expected_revenue = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("ticket_id")
    def _compute_name(self):
        for wizard in self:
            wizard.name = wizard.ticket_id.name

    @api.depends("user_id")
    def _compute_team_id(self):
        for wizard in self:
            wizard.team_id = self.env["crm.team"]._get_default_team_id(user_id=wizard.user_id.id)

    def _get_document_description(self):
        return self.env._("an opportunity")

    def _prepare_lead_values(self):
        ticket = self.ticket_id
        return {
            "type": "opportunity",
            "name": self.name,
            "partner_id": ticket.partner_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "expected_revenue": self.expected_revenue,
            "company_id": ticket.company_id.id,
            "description": ticket.description,
            "helpdesk_ticket_id": ticket.id,
        }

    def action_create_opportunity(self):
        self.ensure_one()
        self._check_conversion()
        lead = self.env["crm.lead"].create(self._prepare_lead_values())
        self._post_conversion_note(lead)
        return self._action_open_document(lead, "crm.crm_lead_opportunities", "crm.crm_lead_view_form")
