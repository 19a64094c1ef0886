from odoo import fields, models


class HelpdeskTeam(models.Model):
    _inherit = "helpdesk.team"

    resolve_on_repair_done = fields.Boolean(
        string="Resolve When the Repair Is Done",
        help="Finishing the last open repair order of a ticket resolves the ticket (closure code "
        "“Fulfilled by ERP Document”). A note is posted on the ticket in any case.",
    )
