from odoo import api, fields, models


class HelpdeskTicketMacro(models.TransientModel):
    """Apply Macro: pick one of the macros offered on the ticket, see its message filled in
    for the ticket and what it will do, apply it (helpdesk.macro._apply)."""

    _name = "helpdesk.ticket.macro"
    _description = "Apply Macro to Ticket"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    available_macro_ids = fields.Many2many("helpdesk.macro", compute="_compute_available_macro_ids")
    macro_id = fields.Many2one("helpdesk.macro", required=True, domain="[('id', 'in', available_macro_ids)]")
    preview = fields.Html(compute="_compute_preview", sanitize=False, help="The message as it will be posted.")
    unknown_placeholders = fields.Char(compute="_compute_preview")
    actions_summary = fields.Text(string="Actions", compute="_compute_preview")

    @api.depends("ticket_id")
    def _compute_available_macro_ids(self):
        # The macros' multi-company rule keeps other companies' macros out.
        macros = self.env["helpdesk.macro"].search([])
        for wizard in self:
            ticket = wizard.ticket_id
            wizard.available_macro_ids = macros.filtered(lambda m, t=ticket: m._fits(t)) if ticket else False

    @api.depends("ticket_id", "macro_id")
    def _compute_preview(self):
        for wizard in self:
            macro, ticket = wizard.macro_id, wizard.ticket_id
            if not (macro and ticket):
                wizard.preview = wizard.unknown_placeholders = wizard.actions_summary = False
                continue
            rendered = ticket._render_placeholders(macro.body, html=True)
            wizard.preview = rendered.text if macro.reply_type != "none" else False
            wizard.unknown_placeholders = ", ".join(rendered.unknown)
            wizard.actions_summary = "\n".join(wizard._describe_actions())

    def _describe_actions(self):
        macro = self.macro_id
        lines = []
        reply = dict(macro._fields["reply_type"]._description_selection(self.env))[macro.reply_type]
        if macro.reply_type != "none":
            lines.append(self.env._("Post: %(kind)s", kind=reply))
        if macro.state:
            state = dict(macro._fields["state"]._description_selection(self.env))[macro.state]
            lines.append(self.env._("Move to: %(state)s", state=state))
        if macro.pending_reason:
            lines.append(self.env._("Waiting for: %(reason)s", reason=macro.pending_reason))
        if macro.closure_code_id:
            lines.append(self.env._("Closure code: %(code)s", code=macro.closure_code_id.name))
        if macro.tag_ids:
            lines.append(self.env._("Add tags: %(tags)s", tags=", ".join(macro.tag_ids.mapped("name"))))
        if macro.assign == "me":
            lines.append(self.env._("Assign to: %(user)s", user=self.env.user.name))
        elif macro.assign == "user":
            lines.append(self.env._("Assign to: %(user)s", user=macro.user_id.name))
        elif macro.assign == "nobody":
            lines.append(self.env._("Unassign"))
        return lines

    def action_apply(self):
        self.ensure_one()
        self.macro_id._apply(self.ticket_id)
        return {"type": "ir.actions.act_window_close"}
