from odoo import fields, models


class MailCannedResponse(models.Model):
    """Canned responses (the composer's "::" shortcut) scoped to helpdesk teams and
    categories: on a ticket, the ones that fit it come first (helpdesk.ticket._scope_fit)."""

    _inherit = "mail.canned.response"

    helpdesk_team_ids = fields.Many2many(
        "helpdesk.team",
        string="Helpdesk Teams",
        help="On tickets of these teams, this response comes first among the suggestions. Leave empty for all teams.",
    )
    helpdesk_category_ids = fields.Many2many(
        "helpdesk.category",
        string="Helpdesk Categories",
        help="On tickets of these categories (or their sub-categories), this response comes first among the "
        "suggestions. Leave empty for all categories.",
    )
