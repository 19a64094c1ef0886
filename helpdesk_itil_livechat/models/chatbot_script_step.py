import math

from markupsafe import Markup, escape

from odoo import Command, fields, models
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
    helpdesk_answer_key = fields.Char(
        string="Ticket Answer Key",
        help="The visitor's answer to this question is stored on the ticket a later 'Create Ticket' step "
        "files, as the answer to the intake question of the ticket's category with this key "
        "(e.g. serial_number).",
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
            # The answers to the steps that carry an intake question's key; an answer the
            # category refuses (not one of its choices, too long) stays in the transcript only.
            answers = self._chatbot_helpdesk_answers(discuss_channel)
            rows, errors = self.helpdesk_category_id.sudo()._intake_answer_rows(answers, check_required=False)
            vals["answer_ids"] = [
                Command.create(row) for row in rows if row["name"] in answers and row["name"] not in errors
            ]
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

    def _chatbot_helpdesk_answers(self, discuss_channel):
        """{answer key: the visitor's answer} for the steps of the conversation that carry a
        ticket answer key: the chosen answer of a question, the text of a free input."""
        answers = {}
        # sudo: chatbot.message - the visitor's own answers in their conversation
        for message in discuss_channel.sudo().chatbot_message_ids.sorted("id"):
            step = message.script_step_id
            if not step.helpdesk_answer_key:
                continue
            if step.step_type == "question_selection":
                answer = message.user_script_answer_id.name
            else:
                answer = html2plaintext(message.user_raw_answer or "").strip()
            if answer:
                answers[step.helpdesk_answer_key] = answer
        return answers

    def _add_helpdesk_intake_steps(self):
        """Create Ticket steps: a question step for each intake question of the step's
        category that no step of the script asks yet (by answer key), just before the step
        and shown under the same conditions: a Question with the choices of a choice
        question, a Free Input (multi-line for long text) otherwise. Returns the new steps."""
        created = self.browse()
        for step in self.filtered(lambda s: s.step_type == "create_ticket" and s.helpdesk_category_id):
            script = step.chatbot_script_id
            asked = set(script.script_step_ids.mapped("helpdesk_answer_key"))
            vals_list = []
            for question in step.helpdesk_category_id.intake_field_ids.filtered(
                lambda q, asked=asked: q.name not in asked
            ):
                vals = {
                    "chatbot_script_id": script.id,
                    "message": Markup().join(
                        Markup("<p>%s</p>") % text for text in (question.label, question.help) if text
                    ),
                    "helpdesk_answer_key": question.name,
                    "triggering_answer_ids": [Command.set(step.triggering_answer_ids.ids)],
                    "step_type": {"selection": "question_selection", "text": "free_input_multi"}.get(
                        question.field_type, "free_input_single"
                    ),
                }
                if question.field_type == "selection":
                    vals["answer_ids"] = [Command.create({"name": option}) for option in question._get_options()]
                vals_list.append(vals)
            if not vals_list:
                continue
            new_steps = self.create(vals_list)
            # Renumber: the new steps take the Create Ticket step's place, in question order.
            ordered = (script.script_step_ids - new_steps).sorted(lambda s: (s.sequence, s.id))
            sequence = 0
            for existing in ordered:
                for added in new_steps if existing == step else ():
                    sequence += 1
                    added.sequence = sequence
                sequence += 1
                existing.sequence = sequence
            created |= new_steps
        return created

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
