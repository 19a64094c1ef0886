from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext, plaintext2html

from ..models.res_users import SUPPORT_LEVELS


class HelpdeskTicketEscalate(models.TransientModel):
    """Manual escalation: target level, team and assignee, with a documented reason."""

    _name = "helpdesk.ticket.escalate"
    _description = "Escalate Ticket"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="ticket_id.company_id")
    current_level = fields.Integer(related="ticket_id.escalation_level", string="Current Escalation Level")
    level = fields.Integer(
        string="To Escalation Level", compute="_compute_level", store=True, readonly=False, precompute=True
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
    by_complexity = fields.Boolean(
        string="Too Complex for This Level",
        help="Escalation by complexity: the ticket moves to the next support level (L1 → L2 → L3) and, "
        "without a chosen assignee, to the team's agent of that level with its skills.",
    )
    current_support_level = fields.Selection(related="ticket_id.support_level", string="Current Support Level")
    support_level = fields.Selection(
        SUPPORT_LEVELS,
        string="To Support Level",
        compute="_compute_support_level",
        store=True,
        precompute=True,
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

    @api.depends("ticket_id", "by_complexity")
    def _compute_support_level(self):
        order = [level for level, _label in SUPPORT_LEVELS]
        for wizard in self:
            current = wizard.ticket_id.support_level or order[0]
            if wizard.by_complexity:
                wizard.support_level = order[min(order.index(current) + 1, len(order) - 1)]
            else:
                wizard.support_level = current

    @api.depends("team_id", "by_complexity")
    def _compute_user_id(self):
        for wizard in self:
            if wizard.by_complexity:
                # Empty: the team picks an agent of the next level (``_escalate``).
                wizard.user_id = False
            elif wizard.team_id == wizard.ticket_id.team_id:
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
        # Another team without a chosen assignee: that team's assignment method picks one; an
        # escalation by complexity without one: an agent of the next level in the team.
        user = None if (self.team_id != ticket.team_id or self.by_complexity) and not self.user_id else self.user_id
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
            support_level=self.support_level if self.by_complexity else None,
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
        if self.by_complexity and self.support_level == ticket.support_level:
            raise UserError(
                self.env._(
                    "%(ticket)s is already at the highest support level: escalate it to a higher level or "
                    "another team instead.",
                    ticket=ticket.display_name,
                )
            )
        if ticket.is_closed:
            raise UserError(
                self.env._("%(ticket)s is closed: reopen it before escalating.", ticket=ticket.display_name)
            )
        if (
            self.level == ticket.escalation_level
            and self.team_id == ticket.team_id
            and self.user_id == ticket.user_id
            and not self.by_complexity
        ):
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
