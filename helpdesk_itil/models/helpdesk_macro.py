from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html2plaintext, is_html_empty

from ..tools.placeholders import render_placeholders
from .helpdesk_stage import RESOLUTION_STATES, TICKET_STATES

REPLY_TYPES = [("comment", "Public Reply"), ("note", "Internal Note"), ("none", "No Message")]
ASSIGNMENTS = [("keep", "Keep"), ("me", "Me"), ("user", "Specific User"), ("nobody", "Nobody")]
# A macro moves a ticket forward: never back to "new".
MACRO_STATES = [(state, label) for state, label in TICKET_STATES if state != "new"]


class HelpdeskMacro(models.Model):
    """A saved reply plus fixed actions, applied to a ticket in one click. Fixed actions,
    not server actions: each goes through the ticket's own write() and _set_state(), with
    the checks an agent meets by hand."""

    _name = "helpdesk.macro"
    _description = "Helpdesk Macro"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, help="Leave empty to share the macro between companies."
    )
    description = fields.Text(translate=True, help="When to use this macro.")
    team_ids = fields.Many2many("helpdesk.team", string="Teams", help="Offered on these teams' tickets; empty: all.")
    category_ids = fields.Many2many(
        "helpdesk.category",
        string="Categories",
        help="Offered on tickets of these categories or their sub-categories; empty: all.",
    )

    # The reply
    reply_type = fields.Selection(REPLY_TYPES, default="comment", required=True)
    body = fields.Html(
        string="Message",
        translate=True,
        help="Placeholders: {{reference}}, {{customer_name}}, {{agent_name}}, {{agent_signature}}, "
        "{{sla_deadline}}, {{portal_url}}, {{team}}.",
    )
    unknown_placeholders = fields.Char(
        compute="_compute_unknown_placeholders", help="Text between double braces that is not a placeholder."
    )

    # The actions
    state = fields.Selection(
        MACRO_STATES,
        string="Move To",
        help="The ticket moves to its team's stage for this state. Resolving needs a closure code and a "
        "resolution note; closing follows the team's confirmation rule.",
    )
    pending_reason = fields.Char(help="What the ticket waits for; logged as an internal note.")
    closure_code_id = fields.Many2one("helpdesk.closure.code")
    resolution_note = fields.Html(help="Written on the ticket; the same placeholders as the message.")
    tag_ids = fields.Many2many("helpdesk.tag", string="Add Tags")
    assign = fields.Selection(ASSIGNMENTS, string="Assign To", default="keep", required=True)
    user_id = fields.Many2one(
        "res.users", string="Assignee", domain="[('share', '=', False)]", help="With Assign To: Specific User."
    )

    @api.depends("body", "resolution_note")
    def _compute_unknown_placeholders(self):
        for macro in self:
            unknown = []
            for text in (macro.body, macro.resolution_note):
                unknown += [t for t in render_placeholders(text, {}, html=True).unknown if t not in unknown]
            macro.unknown_placeholders = ", ".join(unknown)

    @api.constrains("reply_type", "body", "state", "pending_reason", "closure_code_id", "resolution_note")
    def _check_actions(self):
        for macro in self:
            if macro.reply_type != "none" and is_html_empty(macro.body):
                raise ValidationError(
                    self.env._("Macro %(macro)s: write the message, or choose No Message.", macro=macro.name)
                )
            if macro.state in RESOLUTION_STATES and not (
                macro.closure_code_id and html2plaintext(macro.resolution_note or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Macro %(macro)s resolves tickets: give it a closure code and a resolution note.",
                        macro=macro.name,
                    )
                )
            if macro.state == "pending" and not (macro.pending_reason or "").strip():
                raise ValidationError(
                    self.env._("Macro %(macro)s sets tickets pending: say what they wait for.", macro=macro.name)
                )

    @api.constrains("assign", "user_id")
    def _check_assignee(self):
        for macro in self:
            if macro.assign == "user" and not macro.user_id:
                raise ValidationError(self.env._("Macro %(macro)s: choose the assignee.", macro=macro.name))

    def _fits(self, ticket):
        """Whether the macro is offered on `ticket` (its teams and categories)."""
        self.ensure_one()
        return ticket._scope_fit(self.team_ids, self.category_ids) >= 0

    def _ticket_values(self, ticket):
        """What the macro writes on `ticket`, in one write with the stage."""
        self.ensure_one()
        vals = {}
        if self.tag_ids:
            vals["tag_ids"] = [Command.link(tag.id) for tag in self.tag_ids]
        if self.assign == "me":
            vals["user_id"] = self.env.uid
        elif self.assign == "user":
            vals["user_id"] = self.user_id.id
        elif self.assign == "nobody":
            vals["user_id"] = False
        if self.closure_code_id:
            vals["closure_code_id"] = self.closure_code_id.id
        if not is_html_empty(self.resolution_note):
            vals["resolution_note"] = ticket._render_placeholders(self.resolution_note, html=True).text
        return vals

    def _apply(self, ticket):
        """Post the macro's message and apply its actions to `ticket`, as the current user
        would by hand. All or nothing: an action refused (a UserError saying what to fix)
        takes the message back too."""
        self.ensure_one()
        ticket.ensure_one()
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_user"):
            raise AccessError(self.env._("Only helpdesk users apply macros."))
        ticket.check_access("write")
        if not self._fits(ticket):
            raise UserError(
                self.env._(
                    "Macro %(macro)s is not meant for %(ticket)s (its teams or categories differ).",
                    macro=self.name,
                    ticket=ticket.display_name,
                )
            )
        vals = self._ticket_values(ticket)
        # Inside a savepoint: the message first (the customer reads the answer before
        # "is your problem solved?"), then the actions; if one is refused, both go.
        with self.env.cr.savepoint():
            if self.reply_type != "none":
                ticket.message_post(
                    body=ticket._render_placeholders(self.body, html=True).text,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment" if self.reply_type == "comment" else "mail.mt_note",
                )
            if self.state and ticket.state != self.state:
                # The ticket's team decides the stage (strict: no such stage, a UserError).
                ticket._set_state(self.state, vals)
            elif vals:
                ticket.write(vals)
            note = Markup("<p>%s</p>") % self.env._("Macro “%(macro)s” applied.", macro=self.name)
            if self.state == "pending":
                note += Markup("<p>%s</p>") % self.env._("Waiting for: %(reason)s", reason=self.pending_reason)
            ticket.message_post(body=note, message_type="comment", subtype_xmlid="mail.mt_note")
        return True
