from odoo import api, fields, models

from .helpdesk_priority_matrix import IMPACTS, URGENCIES

# Lines a new alert source starts with; Alertmanager and Grafana rules usually carry a
# `severity` label with one of these values.
DEFAULT_SEVERITIES = [
    ("critical", "high", "high"),
    ("warning", "medium", "medium"),
    ("info", "low", "low"),
]


class HelpdeskAlertSeverity(models.Model):
    """Maps the severity an alert carries to the impact and urgency of its ticket."""

    _name = "helpdesk.alert.severity"
    _description = "Helpdesk Alert Severity Mapping"
    _order = "source_id, sequence, id"

    source_id = fields.Many2one("helpdesk.alert.source", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(
        string="Severity",
        required=True,
        help="Value of the alert's severity label, e.g. critical, warning, info (case-insensitive).",
    )
    impact = fields.Selection(IMPACTS, required=True, default="medium")
    urgency = fields.Selection(URGENCIES, required=True, default="medium")

    _severity_uniq = models.UniqueIndex(
        "(source_id, lower(name))", "This severity is already mapped for this alert source."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name"):
                vals["name"] = vals["name"].strip().lower()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("name"):
            vals["name"] = vals["name"].strip().lower()
        return super().write(vals)
