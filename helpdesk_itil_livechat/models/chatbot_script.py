from odoo import models
from odoo.exceptions import UserError


class ChatbotScript(models.Model):
    _inherit = "chatbot.script"

    def action_add_helpdesk_intake_steps(self):
        """Have the bot ask the intake questions of its Create Ticket steps' categories."""
        self.ensure_one()
        ticket_steps = self.script_step_ids.filtered(
            lambda s: s.step_type == "create_ticket" and s.helpdesk_category_id
        )
        if not ticket_steps:
            raise UserError(
                self.env._(
                    "Add a 'Create Ticket' step with a helpdesk category first: its questions are the ones asked."
                )
            )
        added = ticket_steps._add_helpdesk_intake_steps()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if added else "info",
                "message": self.env._("%(count)s question steps added.", count=len(added))
                if added
                else self.env._("The bot already asks every question of the categories."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
