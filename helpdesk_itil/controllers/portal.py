from datetime import date

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Domain
from odoo.http import content_disposition, request
from odoo.tools import consteq
from odoo.tools import groupby as groupbyelem
from odoo.tools.misc import format_date

from odoo.addons.mail.controllers.attachment import AttachmentController
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.helpdesk_stage import FINAL_STATES, OPEN_STATES

# Monthly service reports listed under the customer's tickets: this many months back.
SERVICE_REPORT_MONTHS = 6
# Largest id PostgreSQL's integer column holds: anything above cannot exist.
MAX_ID = 2**31 - 1
RATES = {"5": 5, "3": 3, "1": 1}


class HelpdeskCustomerPortal(CustomerPortal):
    # ------------------------------------------------------------
    # /my home
    # ------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        wanted = {"helpdesk_ticket_count", "helpdesk_ticket_waiting_count", "helpdesk_ticket_to_confirm_count"}
        if not wanted.intersection(counters):
            return values
        Ticket = request.env["helpdesk.ticket"]
        by_state = {}
        if Ticket.has_access("read"):
            # One query, record rules applied: what this user may see.
            by_state = dict(Ticket._read_group([], ["state"], ["__count"]))
        values.update(
            helpdesk_ticket_count=sum(by_state.values()),
            helpdesk_ticket_waiting_count=by_state.get("pending", 0),
            helpdesk_ticket_to_confirm_count=by_state.get("resolved", 0),
        )
        return values

    # ------------------------------------------------------------
    # /my/tickets
    # ------------------------------------------------------------

    def _helpdesk_searchbar_sortings(self):
        _ = request.env._
        return {
            "date": {"label": _("Newest"), "order": "create_date desc, id desc"},
            "update": {"label": _("Last Update"), "order": "write_date desc, id desc"},
            "reference": {"label": _("Reference"), "order": "reference desc, id desc"},
            "name": {"label": _("Subject"), "order": "name, id desc"},
            "stage": {"label": _("Status"), "order": "stage_id, id desc"},
            "priority": {"label": _("Priority"), "order": "priority, id desc"},
        }

    def _helpdesk_searchbar_filters(self):
        _ = request.env._
        return {
            "all": {"label": _("All"), "domain": Domain.TRUE},
            "open": {"label": _("Open"), "domain": Domain("state", "in", OPEN_STATES)},
            "waiting": {"label": _("Waiting for Me"), "domain": Domain("state", "=", "pending")},
            "resolved": {"label": _("Resolved"), "domain": Domain("state", "=", "resolved")},
            "closed": {"label": _("Closed"), "domain": Domain("state", "in", FINAL_STATES)},
        }

    def _helpdesk_searchbar_inputs(self):
        _ = request.env._
        return {
            "all": {"input": "all", "label": _("Search in Reference and Subject")},
            "reference": {"input": "reference", "label": _("Search in Reference")},
            "name": {"input": "name", "label": _("Search in Subject")},
        }

    def _helpdesk_searchbar_groupby(self):
        _ = request.env._
        return {
            "none": {"label": _("None"), "field": None},
            "stage": {"label": _("Status"), "field": "stage_id"},
            "team": {"label": _("Team"), "field": "team_id"},
        }

    def _helpdesk_search_domain(self, search_in, search):
        if search_in == "reference":
            return Domain("reference", "ilike", search)
        if search_in == "name":
            return Domain("name", "ilike", search)
        return Domain("reference", "ilike", search) | Domain("name", "ilike", search)

    def _prepare_helpdesk_tickets_values(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all", groupby=None
    ):
        values = self._prepare_portal_layout_values()
        # Searched as the user: the record rules decide what they see. Only fields portal
        # users may read appear in the domain and the order.
        Ticket = request.env["helpdesk.ticket"]
        sortings = self._helpdesk_searchbar_sortings()
        filters = self._helpdesk_searchbar_filters()
        inputs = self._helpdesk_searchbar_inputs()
        groupbys = self._helpdesk_searchbar_groupby()
        # Unknown values from the URL fall back to the defaults.
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        search_in = search_in if search_in in inputs else "all"
        groupby = groupby if groupby in groupbys else "none"

        domain = filters[filterby]["domain"]
        if search:
            domain &= self._helpdesk_search_domain(search_in, search)
        group_field = groupbys[groupby]["field"]
        order = sortings[sortby]["order"]
        if group_field:
            order = f"{group_field}, {order}"

        can_read = Ticket.has_access("read")
        total = Ticket.search_count(domain) if can_read else 0
        pager = portal_pager(
            url="/my/tickets",
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
                "groupby": groupby,
            },
            total=total,
            page=page,
            step=self._items_per_page,
        )
        tickets = (
            Ticket.search(domain, order=order, limit=self._items_per_page, offset=pager["offset"])
            if can_read
            else Ticket
        )
        request.session["my_helpdesk_tickets_history"] = tickets.ids[:100]
        tickets = tickets.sudo()
        if group_field:
            grouped_tickets = [
                tickets.browse().concat(*group) for _key, group in groupbyelem(tickets, lambda t: t[group_field])
            ]
        else:
            grouped_tickets = [tickets] if tickets else []

        values.update(
            {
                "page_name": "helpdesk_ticket",
                "default_url": "/my/tickets",
                "grouped_tickets": grouped_tickets,
                "group_field": group_field,
                "groupby": groupby,
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_inputs": inputs,
                "search_in": search_in,
                "search": search,
                "searchbar_groupby": groupbys,
                "state_labels": self._helpdesk_state_labels(),
                "priority_labels": self._helpdesk_priority_labels(),
                "service_reports": self._helpdesk_service_report_links() if total or filterby != "all" else [],
            }
        )
        return values

    # ------------------------------------------------------------
    # /my/helpdesk/report/<customer>/<year>/<month>: the monthly service report
    # ------------------------------------------------------------

    def _helpdesk_service_report_links(self):
        """[(url, month label)] of the last months' service reports of the user's company."""
        customer = request.env.user.partner_id.commercial_partner_id
        today = date.today()
        links = []
        year, month = today.year, today.month
        for _i in range(SERVICE_REPORT_MONTHS):
            label = format_date(request.env, date(year, month, 1), date_format="MMMM y")
            links.append((f"/my/helpdesk/report/{customer.id}/{year}/{month}", label))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return links

    # Read-only: a deployment with a read replica serves the report from it.
    @http.route(
        ["/my/helpdesk/report/<int:customer_id>/<int:year>/<int:month>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_helpdesk_service_report(self, customer_id, year, month, report_type="pdf", download=False, **kw):
        """A customer's monthly service report, for the contacts of that customer only: the
        report models give portal users no access, so this checks the commercial partner and
        renders as the superuser. Anything else (another customer, a month that does not
        exist or has not begun) is not found."""
        customer = request.env.user.partner_id.commercial_partner_id
        if customer_id != customer.id or report_type not in ("pdf", "html"):
            raise NotFound()
        Report = request.env["report.helpdesk_itil.report_service_monthly"].sudo()
        try:
            year, month = Report._service_period({"year": year, "month": month})
        except UserError as error:
            raise NotFound() from error
        data = {"year": year, "month": month, "report_type": report_type}
        reports = request.env["ir.actions.report"].sudo()
        report_ref = "helpdesk_itil.action_report_service_monthly"
        if report_type == "html":
            html = reports._render_qweb_html(report_ref, customer.ids, data=data)[0]
            return request.make_response(html)
        pdf = reports._render_qweb_pdf(report_ref, customer.ids, data=data)[0]
        filename = f"{customer.name} - {year}-{month:02d}.pdf"
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Length", len(pdf)),
            ("Content-Disposition", content_disposition(filename, "attachment" if download else "inline")),
        ]
        return request.make_response(pdf, headers=headers)

    # Read-only: a deployment with a read replica serves the list from it.
    @http.route(["/my/tickets", "/my/tickets/page/<int:page>"], type="http", auth="user", website=True, readonly=True)
    def portal_my_tickets(self, page=1, sortby=None, filterby=None, search=None, search_in="all", groupby=None, **kw):
        values = self._prepare_helpdesk_tickets_values(page, sortby, filterby, search, search_in, groupby)
        return request.render("helpdesk_itil.portal_my_tickets", values)

    # ------------------------------------------------------------
    # /my/tickets/<id>
    # ------------------------------------------------------------

    def _helpdesk_state_labels(self):
        return dict(request.env["helpdesk.ticket"]._fields["state"]._description_selection(request.env))

    def _helpdesk_priority_labels(self):
        return dict(request.env["helpdesk.ticket"]._fields["priority"]._description_selection(request.env))

    def _helpdesk_ticket_check_access(self, ticket_id, access_token=None):
        """The ticket, as sudo, if the user may read it or holds its access token."""
        if not 0 < ticket_id <= MAX_ID:
            raise MissingError(request.env._("This document does not exist."))
        return self._document_check_access("helpdesk.ticket", ticket_id, access_token=access_token)

    def _helpdesk_acting_partner(self, ticket_sudo, access_token=None):
        """Who answers for the customer, or an empty recordset when the caller may only
        read and reply (a colleague who sees the ticket through their company).

        The customer and the ticket's followers may act; so may whoever holds the
        ticket's share link (the email sent to the customer), in the customer's name
        when not logged in.
        """
        user = request.env.user
        has_token = bool(access_token and ticket_sudo.access_token and consteq(ticket_sudo.access_token, access_token))
        if user._is_public():
            return ticket_sudo.partner_id if has_token else request.env["res.partner"]
        partner = user.partner_id
        if has_token or partner == ticket_sudo.partner_id or partner in ticket_sudo.message_partner_ids:
            return partner
        return request.env["res.partner"]

    def _helpdesk_ticket_url(self, ticket_sudo, access_token=None, **params):
        query = "".join(f"&{key}={value}" for key, value in params.items())
        if access_token:
            return f"{ticket_sudo.access_url}?access_token={access_token}{query}"
        return f"{ticket_sudo.access_url}?{query[1:]}" if query else ticket_sudo.access_url

    def _helpdesk_feedback_messages(self):
        _ = request.env._
        return {
            "confirmed": _("Thank you! We are glad the problem is solved; your ticket is now closed."),
            "rejected": _("Thank you for telling us. The ticket is open again and we will get back to you."),
            "cancelled": _("Your ticket is closed. Thank you for letting us know."),
            "rated": _("Thank you for your feedback!"),
        }

    def _helpdesk_error_messages(self):
        _ = request.env._
        return {
            "comment_required": _("Please tell us what is still wrong: the comment is required."),
            "reason_required": _("Please tell us why you want to close the ticket: the reason is required."),
            "not_allowed": _("Only the customer of this ticket (or its followers) can do this."),
            "wrong_state": _("This ticket is not in a state that allows this action any more."),
            "rate_invalid": _("Please choose one of the three faces to rate our service."),
            "already_rated": _("You already rated this ticket. Thank you!"),
        }

    def _prepare_helpdesk_ticket_values(self, ticket_sudo, access_token=None, message=None, error=None, **kwargs):
        partner = self._helpdesk_acting_partner(ticket_sudo, access_token)
        rating = ticket_sudo._portal_rating()
        values = {
            "page_name": "helpdesk_ticket",
            "ticket": ticket_sudo,
            "state_labels": self._helpdesk_state_labels(),
            "priority_labels": self._helpdesk_priority_labels(),
            "sla_promise": ticket_sudo._portal_sla_promise(),
            "can_act": bool(partner),
            "can_confirm": bool(partner) and ticket_sudo._portal_can_confirm(),
            "can_reject": bool(partner) and ticket_sudo._portal_can_reject(),
            "can_close": bool(partner) and ticket_sudo._portal_can_cancel(),
            "can_rate": bool(partner) and ticket_sudo._portal_can_rate(),
            "rating": rating,
            "followers": ticket_sudo.message_partner_ids,
            "helpdesk_message": self._helpdesk_feedback_messages().get(message),
            "helpdesk_error": self._helpdesk_error_messages().get(error),
            "attachment_max_mb": request.env["helpdesk.ticket"]._attachment_max_mb(),
        }
        if ticket_sudo.merged_into_id:
            # Where the work goes on; replies go there too (helpdesk.ticket.message_post).
            destination = ticket_sudo._merge_destination()
            values.update(
                merged_into=destination,
                merged_into_url=self._helpdesk_merged_into_url(ticket_sudo, destination, access_token),
                disable_composer=True,
            )
        values = self._get_page_view_values(ticket_sudo, access_token, values, None, False, **kwargs)
        values.update(self._helpdesk_ticket_pager(ticket_sudo, access_token))
        return values

    def _helpdesk_merged_into_url(self, ticket_sudo, destination, access_token=None):
        """Link to the ticket a merged one went into, for whoever may open it: a user who
        reads it, or the holder of the merged ticket's link when its customer follows the
        destination (merges within one customer). None: the reference alone is shown."""
        if destination.with_user(request.env.user).has_access("read"):
            return destination.access_url
        has_token = bool(access_token and ticket_sudo.access_token and consteq(ticket_sudo.access_token, access_token))
        if has_token and ticket_sudo.partner_id and ticket_sudo.partner_id in destination.message_partner_ids:
            return self._helpdesk_ticket_url(destination, destination._portal_ensure_token())
        return None

    def _helpdesk_ticket_pager(self, ticket_sudo, access_token=None):
        """Previous/next ticket of the last list the user browsed. Plain links: the
        record rules open them, and (unlike the generic portal pager) visiting a page
        writes no share token on the neighbours."""
        history = request.session.get("my_helpdesk_tickets_history", [])
        if access_token or ticket_sudo.id not in history:
            return {}
        index = history.index(ticket_sudo.id)
        return {
            "prev_record": index > 0 and f"/my/tickets/{history[index - 1]}",
            "next_record": index < len(history) - 1 and f"/my/tickets/{history[index + 1]}",
        }

    @http.route(["/my/tickets/<int:ticket_id>"], type="http", auth="public", website=True)
    def portal_my_ticket(self, ticket_id, access_token=None, message=None, error=None, **kw):
        try:
            ticket_sudo = self._helpdesk_ticket_check_access(ticket_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_helpdesk_ticket_values(ticket_sudo, access_token, message=message, error=error, **kw)
        return request.render("helpdesk_itil.portal_my_ticket", values)

    # ------------------------------------------------------------
    # Actions: POST only (CSRF checked by the framework), access checked on the ticket
    # ------------------------------------------------------------

    def _helpdesk_ticket_action(self, ticket_id, access_token, action, success):
        """Run `action(ticket_sudo, partner)` for a caller allowed to act on the ticket
        and come back to the ticket page with a message (or to /my without access)."""
        try:
            ticket_sudo = self._helpdesk_ticket_check_access(ticket_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        partner = self._helpdesk_acting_partner(ticket_sudo, access_token)
        if not partner:
            return request.redirect(self._helpdesk_ticket_url(ticket_sudo, access_token, error="not_allowed"))
        error = action(ticket_sudo, partner)
        if error:
            return request.redirect(self._helpdesk_ticket_url(ticket_sudo, access_token, error=error))
        return request.redirect(self._helpdesk_ticket_url(ticket_sudo, access_token, message=success))

    @http.route(["/my/tickets/<int:ticket_id>/confirm"], type="http", auth="public", methods=["POST"], website=False)
    def portal_ticket_confirm(self, ticket_id, access_token=None, **kw):
        def confirm(ticket_sudo, partner):
            if not ticket_sudo._portal_can_confirm():
                return "wrong_state"
            ticket_sudo._portal_confirm_resolution(partner)
            return None

        return self._helpdesk_ticket_action(ticket_id, access_token, confirm, "confirmed")

    @http.route(["/my/tickets/<int:ticket_id>/reject"], type="http", auth="public", methods=["POST"], website=False)
    def portal_ticket_reject(self, ticket_id, access_token=None, comment=None, **kw):
        def reject(ticket_sudo, partner):
            if not ticket_sudo._portal_can_reject():
                return "wrong_state"
            if not (comment or "").strip():
                return "comment_required"
            ticket_sudo._portal_reject_resolution(partner, comment)
            return None

        return self._helpdesk_ticket_action(ticket_id, access_token, reject, "rejected")

    @http.route(["/my/tickets/<int:ticket_id>/close"], type="http", auth="public", methods=["POST"], website=False)
    def portal_ticket_close(self, ticket_id, access_token=None, reason=None, **kw):
        def close(ticket_sudo, partner):
            if not ticket_sudo._portal_can_cancel():
                return "wrong_state"
            if not (reason or "").strip():
                return "reason_required"
            ticket_sudo._portal_cancel(partner, reason)
            return None

        return self._helpdesk_ticket_action(ticket_id, access_token, close, "cancelled")

    @http.route(["/my/tickets/<int:ticket_id>/rate"], type="http", auth="public", methods=["POST"], website=False)
    def portal_ticket_rate(self, ticket_id, access_token=None, rate=None, feedback=None, **kw):
        def rate_ticket(ticket_sudo, partner):
            if not ticket_sudo._portal_can_rate():
                return "already_rated" if ticket_sudo._portal_rating() else "wrong_state"
            if rate not in RATES:
                return "rate_invalid"
            try:
                ticket_sudo._portal_rate(partner, RATES[rate], feedback)
            except (UserError, ValidationError):
                return "wrong_state"
            return None

        return self._helpdesk_ticket_action(ticket_id, access_token, rate_ticket, "rated")


class HelpdeskAttachmentController(AttachmentController):
    @http.route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        """Customers attach files to tickets through the standard portal chatter; their
        files are limited in size (system parameter helpdesk_itil.attachment_max_mb)."""
        if thread_model == "helpdesk.ticket" and not request.env.user._is_internal():
            max_mb = request.env["helpdesk.ticket"]._attachment_max_mb()
            max_bytes = int(max_mb * 1024 * 1024)
            ufile.stream.seek(0, 2)
            size = ufile.stream.tell()
            ufile.stream.seek(0)
            if size > max_bytes:
                return request.make_json_response(
                    {
                        "error": request.env._(
                            "“%(name)s” is too large (%(size).1f MB): "
                            "files attached to a ticket may be %(max)s MB at most.",
                            name=ufile.filename,
                            size=size / (1024 * 1024),
                            max=f"{max_mb:g}",
                        )
                    }
                )
        return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)
