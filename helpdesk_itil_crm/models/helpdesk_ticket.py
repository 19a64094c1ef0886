from odoo import api, fields, models

LEAD_READERS = "sales_team.group_sale_salesman"


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    lead_ids = fields.One2many("crm.lead", "helpdesk_ticket_id", string="Opportunities", groups=LEAD_READERS)
    lead_count = fields.Integer(string="Opportunity Count", compute="_compute_lead_count", groups=LEAD_READERS)

    def _compute_lead_count(self):
        groups = self.env["crm.lead"]._read_group(
            [("helpdesk_ticket_id", "in", self.ids)], ["helpdesk_ticket_id"], ["__count"]
        )
        counts = dict(groups)
        for ticket in self:
            ticket.lead_count = counts.get(ticket, 0)

    @api.model
    def _merge_documents(self):
        # A merge moves the opportunities made from the merged tickets too.
        return {**super()._merge_documents(), "crm.lead": "helpdesk_ticket_id"}

    def action_create_opportunity(self):
        return self._action_open_conversion_wizard(
            "helpdesk_itil_crm.helpdesk_ticket_lead_wizard_action",
            "sales_team.group_sale_salesman",
            "crm.lead",
            self.env._("an opportunity"),
        )

    def action_view_opportunities(self):
        return self._action_view_documents("crm.crm_lead_opportunities", self.lead_ids, "crm.crm_lead_view_form")
