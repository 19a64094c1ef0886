from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import plaintext2html

from ..models.helpdesk_ticket import CHANNELS


class HelpdeskTriageRuleTest(models.TransientModel):
    """Try the triage rules on a made-up request before a customer sends it: the same
    code as ticket creation (helpdesk.triage.rule._triage), nothing is written."""

    _name = "helpdesk.triage.rule.test"
    _description = "Test Triage Rules on Text"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    team_id = fields.Many2one("helpdesk.team", help="Empty: the team the ticket would get by default.")
    channel = fields.Selection(CHANNELS, required=True, default="email")
    subject = fields.Char()
    body = fields.Text(string="Description")
    partner_id = fields.Many2one("res.partner", string="Customer")
    email = fields.Char(string="Sender Email")
    product_id = fields.Many2one(
        "product.product",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    result = fields.Html(compute="_compute_result", sanitize=False)

    @api.depends("company_id", "team_id", "channel", "subject", "body", "partner_id", "email", "product_id")
    def _compute_result(self):
        Rule = self.env["helpdesk.triage.rule"]
        for wizard in self:
            if not (wizard.subject or wizard.body):
                wizard.result = Markup("<p class='text-muted'>%s</p>") % self.env._("Type a subject or a description.")
                continue
            vals = {
                "name": wizard.subject or "",
                "description": plaintext2html(wizard.body or ""),
                "channel": wizard.channel,
                "company_id": wizard.company_id.id,
                "partner_id": wizard.partner_id.id,
                "partner_email": wizard.email or False,
                "product_id": wizard.product_id.id,
            }
            if wizard.team_id:
                vals["team_id"] = wizard.team_id.id
            note = Rule._triage([vals])[0]
            if not vals.get("triage_rule_id"):
                note = (
                    Markup("%s<br/>%s") % (self.env._("No rule matches."), note)
                    if note
                    else self.env._("No rule matches.")
                )
            priority_note = ""
            if vals.get("priority_from_customer"):
                priority_note = self.env._(
                    "The customer states impact and urgency alone: the priority is at most P2 unless the team "
                    "allows P1."
                )
            wizard.result = Markup("<p>%s</p><p class='text-muted'>%s</p>") % (
                note if isinstance(note, Markup) else escape(note),
                priority_note,
            )
