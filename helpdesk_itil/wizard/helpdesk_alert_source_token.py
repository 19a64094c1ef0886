from odoo import fields, models


class HelpdeskAlertSourceToken(models.TransientModel):
    """Shows a newly generated alert source token once; only its hash is stored."""

    _name = "helpdesk.alert.source.token"
    _description = "Helpdesk Alert Source Token"

    source_id = fields.Many2one("helpdesk.alert.source", required=True, readonly=True, ondelete="cascade")
    token = fields.Char(readonly=True)
    endpoint_url = fields.Char(related="source_id.endpoint_url")
