from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools.misc import format_date

from ..models.helpdesk_stage import OPEN_STATES

# Open items listed at the end of the report, oldest first.
SERVICE_REPORT_OPEN_ITEMS = 50


def month_bounds(year, month):
    """(first day, first day of the next month) of a calendar month."""
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


class HelpdeskServiceReport(models.AbstractModel):
    """The monthly service report of a customer (QWeb PDF on res.partner, in the customer's
    language): tickets opened and resolved, SLA attainment (the stored monthly results),
    the median time to resolution, satisfaction, monitoring uptime and the open items.

    Every figure is read from the report models (never recomputed here), as the superuser
    for one commercial partner: the report models give portal users no access, so the
    callers check who asks — helpdesk users in the backend (``_check_service_report_access``),
    the portal controller for the customer's own contacts. The month is a calendar month
    (UTC, as the uptime report counts it) from ``data`` (year, month), else from the context
    key ``helpdesk_service_period`` ("YYYY-MM", set by the send wizard for the mail
    template), else the previous month."""

    _name = "report.helpdesk_itil.report_service_monthly"
    _description = "Helpdesk Monthly Service Report"

    @api.model
    def _check_service_report_access(self):
        if not (self.env.su or self.env.user.has_group("helpdesk_itil.group_helpdesk_user")):
            raise AccessError(self.env._("Only helpdesk users can print a customer's service report."))

    @api.model
    def _service_period(self, data=None):
        """(year, month) asked for; a UserError for a month that does not exist or has not begun."""
        data = data or {}
        if data.get("year") and data.get("month"):
            year, month = data["year"], data["month"]
        elif self.env.context.get("helpdesk_service_period"):
            year, _sep, month = self.env.context["helpdesk_service_period"].partition("-")
        else:
            today = fields.Date.context_today(self)
            year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        try:
            year, month = int(year), int(month)
            start = date(year, month, 1)
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("A service report is for a month: a year and a month from 1 to 12.")) from error
        if start > fields.Date.today() or year < 2000:
            raise UserError(self.env._("The service report of %(month)s cannot be made yet.", month=start))
        return year, month

    @api.model
    def _service_figures(self, partner, year, month):
        """The figures of `partner`'s commercial partner for a month (read as the superuser:
        the callers check access)."""
        customer = partner.commercial_partner_id
        start, stop = month_bounds(year, month)
        date_from, date_to = datetime.combine(start, datetime.min.time()), datetime.combine(stop, datetime.min.time())
        env = self.sudo().with_context(active_test=True).env
        mine = Domain("commercial_partner_id", "=", customer.id)
        not_cancelled = Domain("state", "!=", "cancelled")
        Analysis = env["helpdesk.ticket.analysis"]

        def count(domain):
            return Analysis.search_count(mine & not_cancelled & domain)

        opened = Domain("create_date", ">=", date_from) & Domain("create_date", "<", date_to)
        resolved = Domain("resolved_date", ">=", date_from) & Domain("resolved_date", "<", date_to)
        ((mttr_business, mttr_hours, resolved_count),) = Analysis._read_group(
            mine & not_cancelled & resolved,
            [],
            ["kpi_resolution_business_hours_median:median", "kpi_resolution_hours_median:median", "__count"],
        )
        attainment = env["helpdesk.sla.attainment"].search(
            Domain("partner_id", "=", customer.id)
            & Domain("period_type", "=", "month")
            & Domain("period_start", "=", start),
            order="policy_id, tz",
        )
        settled = sum(attainment.mapped("settled_count"))
        ((rating_avg, rating_count, happy_rate),) = env["helpdesk.rating.analysis"]._read_group(
            mine & Domain("rated_on", ">=", date_from) & Domain("rated_on", "<", date_to),
            [],
            ["rating:avg", "received_count:sum", "happy_rate:avg"],
        )
        # Fetched now: the uptime and the backlog are computed at each read (their "now").
        uptime = env["helpdesk.uptime.analysis"].search_fetch(
            Domain("scope", "=", "customer") & Domain("partner_id", "=", customer.id) & Domain("month", "=", start),
            ["uptime_percent", "down_hours", "incident_count"],
            limit=1,
        )
        open_items = env["helpdesk.ticket.backlog"].search_fetch(
            mine & Domain("state", "in", OPEN_STATES),
            ["ticket_id", "reference", "name", "priority", "state", "age_business_days", "create_date"],
            limit=SERVICE_REPORT_OPEN_ITEMS,
        )
        return {
            "customer": customer,
            "year": year,
            "month": month,
            "date_from": date_from,
            "date_to": date_to,
            "opened_count": count(opened),
            "opened_alert_count": count(opened & Domain("channel", "=", "alert")),
            "resolved_count": resolved_count,
            "mttr_business_hours": mttr_business if resolved_count else None,
            "mttr_hours": mttr_hours if resolved_count else None,
            "attainment": attainment,
            "attainment_percent": 100.0 * sum(attainment.mapped("reached_count")) / settled if settled else None,
            "rating_avg": rating_avg if rating_count else None,
            "rating_count": rating_count or 0,
            "happy_rate": happy_rate if rating_count else None,
            "uptime": uptime,
            "open_items": open_items,
            "open_count": env["helpdesk.ticket.backlog"].search_count(mine & Domain("state", "in", OPEN_STATES)),
        }

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_service_report_access()
        year, month = self._service_period(data)
        partners = self.env["res.partner"].sudo().browse(docids)
        figures = {}
        for partner in partners:
            lang = partner.lang or self.env.lang or "en_US"
            figures[partner.id] = {
                **self._service_figures(partner, year, month),
                "period_label": format_date(self.env, date(year, month, 1), lang_code=lang, date_format="MMMM y"),
            }
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            "figures": figures,
            "data": data,
        }
