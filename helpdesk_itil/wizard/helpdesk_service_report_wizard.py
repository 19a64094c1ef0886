from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

MONTHS = [
    ("1", "January"),
    ("2", "February"),
    ("3", "March"),
    ("4", "April"),
    ("5", "May"),
    ("6", "June"),
    ("7", "July"),
    ("8", "August"),
    ("9", "September"),
    ("10", "October"),
    ("11", "November"),
    ("12", "December"),
]


class HelpdeskServiceReportWizard(models.TransientModel):
    """Print or send a customer's monthly service report: the month is chosen here, the
    report (report/helpdesk_service_report.py) reads it from the data or the context."""

    _name = "helpdesk.service.report.wizard"
    _description = "Send a Monthly Service Report"

    def _default_year(self):
        return self._previous_month()[0]

    def _default_month(self):
        return str(self._previous_month()[1])

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    year = fields.Integer(required=True, default=lambda self: self._default_year())
    month = fields.Selection(MONTHS, required=True, default=lambda self: self._default_month())

    @api.model
    def _previous_month(self):
        today = fields.Date.context_today(self)
        return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)

    def _period(self):
        """(year, month), checked by the report: a month that has begun."""
        self.ensure_one()
        return self.env["report.helpdesk_itil.report_service_monthly"]._service_period(
            {"year": self.year, "month": int(self.month)}
        )

    def _period_context(self):
        year, month = self._period()
        lang = self.partner_id.lang or self.env.lang
        return {
            "helpdesk_service_period": f"{year}-{month:02d}",
            "helpdesk_service_period_label": format_date(
                self.env, date(year, month, 1), lang_code=lang, date_format="MMMM y"
            ),
        }

    def action_print(self):
        self.ensure_one()
        year, month = self._period()
        return self.env.ref("helpdesk_itil.action_report_service_monthly").report_action(
            self.partner_id, data={"year": year, "month": month}
        )

    def action_send(self):
        """The mail composer with the template and the report of the chosen month attached."""
        self.ensure_one()
        if not self.partner_id.email:
            raise UserError(
                self.env._("%(customer)s has no email address to send the report to.", customer=self.partner_id.name)
            )
        template = self.env.ref("helpdesk_itil.mail_template_service_report")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                **self._period_context(),
                "default_model": "res.partner",
                "default_res_ids": self.partner_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }
