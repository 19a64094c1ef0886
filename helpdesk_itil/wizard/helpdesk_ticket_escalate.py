from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext, plaintext2html


class HelpdeskTicketEscalate(models.TransientModel):
    """Manual escalation: target level, team and assignee, with a documented reason."""

    _name = "helpdesk.ticket.escalate"
    _description = "Escalate Ticket"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="ticket_id.company_id")
    current_level = fields.Integer(related="ticket_id.escalation_level", string="Current Level")
    level = fields.Integer(
        string="Escalate to Level", compute="_compute_level", store=True, readonly=False, precompute=True
    )
    team_id = fields.Many2one(
        "helpdesk.team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('company_id', '=', company_id)]",
        help="Another team for a functional escalation; the same team for a hierarchical one.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assignee",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Empty with another team: that team's assignment method picks an available member "
        "(nobody on a manual team).",
    )
    reason = fields.Html(help="Why the ticket needs a higher level; required.")
    steps_tried = fields.Text(string="Steps Already Tried")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "helpdesk_ticket_escalate_ir_attachment_rel",
        "wizard_id",
        "attachment_id",
        string="Logs and Screenshots",
        help="Attached to the ticket with the escalation note.",
    )

    @api.depends("ticket_id")
    def _compute_level(self):
        for wizard in self:
            wizard.level = wizard.ticket_id.escalation_level + 1

    @api.depends("ticket_id")
    def _compute_team_id(self):
        for wizard in self:
            wizard.team_id = wizard.ticket_id.team_id

    @api.depends("team_id")
    def _compute_user_id(self):
        for wizard in self:
            if wizard.team_id == wizard.ticket_id.team_id:
                wizard.user_id = wizard.ticket_id.user_id
            else:
                wizard.user_id = False

    def action_escalate(self):
        self.ensure_one()
        ticket = self.ticket_id
        self._check_request()
        attachments = self._check_attachments()
        ticket.check_access("write")
        notes = []
        if self.user_id and self.team_id._users_on_leave(self.user_id):
            notes.append(self.env._("%(user)s is on leave.", user=self.user_id.name))
        # Another team without a chosen assignee: that team's assignment method picks one.
        user = None if self.team_id != ticket.team_id and not self.user_id else self.user_id
        if attachments:
            attachments.sudo().write({"res_model": ticket._name, "res_id": ticket.id})
        details = None
        if self.steps_tried:
            details = Markup("<p><b>%s</b></p>%s") % (
                self.env._("Steps already tried"),
                plaintext2html(self.steps_tried),
            )
        ticket._escalate(
            self.level,
            self.reason,
            team=self.team_id,
            user=user,
            notes=notes,
            details=details,
            attachments=attachments,
        )
        return {"type": "ir.actions.act_window_close"}

    def _check_request(self):
        """Refuse an escalation without reason, that lowers the level or changes nothing."""
        ticket = self.ticket_id
        if not html2plaintext(self.reason or "").strip():
            raise UserError(self.env._("Explain why %(ticket)s needs escalating.", ticket=ticket.display_name))
        if self.level < 1:
            raise UserError(self.env._("The escalation level must be 1 or more."))
        if self.level < ticket.escalation_level:
            raise UserError(
                self.env._(
                    "%(ticket)s is already at level %(current)s: an escalation cannot lower it to %(level)s.",
                    ticket=ticket.display_name,
                    current=ticket.escalation_level,
                    level=self.level,
                )
            )
        if ticket.is_closed:
            raise UserError(
                self.env._("%(ticket)s is closed: reopen it before escalating.", ticket=ticket.display_name)
            )
        if self.level == ticket.escalation_level and self.team_id == ticket.team_id and self.user_id == ticket.user_id:
            raise UserError(self.env._("Choose a higher level, another team or another assignee to escalate to."))

    def _check_attachments(self):
        """Uploads of this user in this wizard, or files already on the ticket."""
        attachments = self.attachment_ids.sudo()
        foreign = attachments.filtered(
            lambda a: (
                not (
                    (a.res_model == self._name and a.create_uid == self.env.user)
                    or (a.res_model == self.ticket_id._name and a.res_id == self.ticket_id.id)
                )
            )
        )
        if foreign:
            raise UserError(
                self.env._(
                    "Attach files you uploaded here or files of this ticket; not: %(names)s.",
                    names=", ".join(foreign.mapped("name")),
                )
            )
        return self.attachment_ids
