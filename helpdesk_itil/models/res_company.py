from odoo import fields, models

# Words that make a customer's email, portal or web form request urgent (high urgency)
# when it states no urgency itself; compared without case or accents, as whole words.
DEFAULT_URGENT_KEYWORDS = "urgent, urgente, asap, down, caído, no funciona, not working, outage, critical, crítico"


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_urgent_keywords = fields.Char(
        default=DEFAULT_URGENT_KEYWORDS,
        help="Comma-separated words or phrases: a request by email, portal or web form that contains one "
        "(subject or description, ignoring case and accents) and states no urgency gets a high urgency. "
        "A team may have its own list.",
    )
