import math

from markupsafe import escape

from odoo import fields, models
from odoo.tools import html2plaintext


class ChatbotScriptStep(models.Model):
    _inherit = "chatbot.script.step"

    step_type = fields.Selection(
        selection_add=[("create_ticket", "Create Ticket")],
        ondelete={"create_ticket": "cascade"},
    )
    helpdesk_team_id = fields.Many2one(
        "helpdesk.team",
        index="btree_not_null",
        ondelete="set null",
        help="Team of the tickets created by a 'Create Ticket' step (else the category's team).",
    )
    helpdesk_category_id = fields.Many2one(
        "helpdesk.category",
        index="btree_not_null",
        ondelete="set null",
        help="Category of the tickets created by a 'Create Ticket' step.",
    )

    def _process_step(self, discuss_channel):
        self.ensure_one()
        if self.step_type == "create_ticket":
            # The public entry points' limit per client address (helpdesk.rate.limit).
            wait = self.env["helpdesk.rate.limit"].sudo()._consume_request("chatbot")
            if wait:
                return discuss_channel._chatbot_post_message(
                    self.chatbot_script_id,
                    escape(
                        self.env._(
                            "Too many requests from your network: I could not file this one. Please try again in "
                            "%(minutes)s minutes, or write to us by email.",
                            minutes=math.ceil(wait / 60),
                        )
                    ),
                )
        posted_message = super()._process_step(discuss_channel)
        if self.step_type == "create_ticket":
            self._process_step_create_ticket(discuss_channel)
        return posted_message

    def _chatbot_helpdesk_prepare_ticket_values(self, discuss_channel, customer_values):
        name = self.env._("%(bot)s: live chat request", bot=self.chatbot_script_id.title)
        if message := self._find_first_user_free_input(discuss_channel):
            name = html2plaintext(message.body).strip()[:100] or name
        vals = {
            "name": name,
            "description": customer_values["description"],
            "channel": "chat",
            "origin_channel_id": discuss_channel.id,
        }
        if self.helpdesk_team_id:
            vals["team_id"] = self.helpdesk_team_id.id
        if self.helpdesk_category_id:
            vals["category_id"] = self.helpdesk_category_id.id
        if self.env.user._is_public():
            # An anonymous visitor is matched like any anonymous sender (email, web form):
            # the contact with that address, else a new one if the team the ticket goes to
            # (the step's, else what the ticket's team compute gives) creates contacts, else
            # name and address kept on the ticket.
            team = self.env["helpdesk.ticket"].new(vals).team_id
            customer = self.env["helpdesk.ticket"]._intake_customer_values(customer_values["email"] or "", team)
            vals.update(customer)
            if not customer.get("partner_id"):
                vals["partner_phone"] = customer_values["phone"] or False
        else:
            vals["partner_id"] = self.env.user.partner_id.id
        return vals

    def _process_step_create_ticket(self, discuss_channel):
        """File a ticket from the conversation: the visitor's first free input is the
        subject, the email and phone they gave are kept, the transcript goes to the
        chatter. Runs as the visitor (public or portal user) through the chatbot's sudo
        environment, like crm_livechat's 'create_lead'."""
        customer_values = self._chatbot_prepare_customer_values(discuss_channel, create_partner=False)
        vals = self._chatbot_helpdesk_prepare_ticket_values(discuss_channel, customer_values)
        # sudo: helpdesk.ticket - a visitor files a ticket through the chatbot script
        ticket = self.env["helpdesk.ticket"].sudo().create(vals)
        ticket._post_livechat_transcript(discuss_channel, author=self.chatbot_script_id.operator_partner_id)
        return ticket
