from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    helpdesk_ticket_ids = fields.One2many("helpdesk.ticket", "partner_id", string="Helpdesk Tickets")
    helpdesk_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_helpdesk_ticket_count", groups="helpdesk_itil.group_helpdesk_user"
    )

    def _compute_helpdesk_ticket_count(self):
        # A company counts the tickets of its contacts too: one read_group, then walk up.
        all_partners = self.with_context(active_test=False).search_fetch([("id", "child_of", self.ids)], ["parent_id"])
        groups = self.env["helpdesk.ticket"]._read_group(
            [("partner_id", "in", all_partners.ids)], ["partner_id"], ["__count"]
        )
        self_ids = set(self._ids)
        self.helpdesk_ticket_count = 0
        for partner, count in groups:
            while partner:
                if partner.id in self_ids:
                    partner.helpdesk_ticket_count += count
                partner = partner.parent_id

    def action_view_helpdesk_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action["domain"] = [("partner_id", "child_of", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
