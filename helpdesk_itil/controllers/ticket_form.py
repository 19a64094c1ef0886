"""Ticket submission forms: `/my/tickets/new` for logged-in customers and a public
form per team, `/helpdesk/<team>/submit`, when the team publishes one.

Only the whitelisted inputs below become ticket values; everything else a POST carries
is ignored. The ticket is created as superuser on behalf of the visitor, so every value
is checked here first (and again by `helpdesk.ticket._check_input`).

The public form is protected against robots: a captcha through Odoo's route option (checked
by the captcha module the database has installed, none otherwise), a honeypot input, and a
rate limit per client address (`helpdesk.rate.limit`, scope `web_form`).
"""

import logging
import math

from markupsafe import Markup, escape

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import html2plaintext, plaintext2html
from odoo.tools.mail import email_normalize, formataddr

from .knowledge import visitor_key

SUBJECT_MAX_LENGTH = 200
NAME_MAX_LENGTH = 128
SESSION_KEY = "helpdesk_itil_submitted_ticket"
# Hidden from people by the form's layout; a robot filling every input fills it.
HONEYPOT_INPUT = "company_website"
# The customer's answers to "How urgent is it?" and "Who is affected?" (ticket urgency and
# impact); an empty answer leaves the field to triage rules and the desk.
URGENCY_ANSWERS = ("low", "medium", "high")
AFFECTED_IMPACTS = {"me": "low", "team": "medium", "site": "high"}

_logger = logging.getLogger(__name__)


class HelpdeskTicketForm(http.Controller):
    # ------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------

    @http.route("/my/tickets/new", type="http", auth="user", methods=["GET", "POST"], website=True)
    def portal_ticket_new(self, category_id=None, **post):
        return self._ticket_form(team=None, category_id=category_id, post=post)

    @http.route(
        "/helpdesk/<string:team_slug>/submit",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        captcha="helpdesk_ticket",
    )
    def public_ticket_new(self, team_slug, category_id=None, **post):
        team = self._get_public_team(team_slug)
        if not team:
            raise request.not_found()
        return self._ticket_form(team=team, category_id=category_id, post=post)

    @http.route("/helpdesk/submitted", type="http", auth="public", methods=["GET"], website=True)
    def ticket_submitted(self):
        submitted = request.session.get(SESSION_KEY) or {}
        ticket = request.env["helpdesk.ticket"].sudo().browse(submitted.get("ticket_id")).exists()
        # A robot caught by the honeypot gets the same page, without a reference.
        if not ticket and not submitted.get("discarded"):
            return request.redirect("/my/tickets/new" if not request.env.user._is_public() else "/")
        user_partner = request.env.user.partner_id
        return request.render(
            "helpdesk_itil.helpdesk_ticket_form_thanks",
            {
                "ticket": ticket,
                "form_url": submitted.get("form_url"),
                "is_public_form": submitted.get("public"),
                # Only the customer gets a link to the ticket; a public visitor gets the
                # reference (the link, with its token, is in the acknowledgement email).
                "ticket_url": ticket.access_url
                if ticket.partner_id == user_partner and not request.env.user._is_public()
                else False,
                "page_name": "ticket_new",
            },
        )

    # ------------------------------------------------------------
    # Form
    # ------------------------------------------------------------

    def _get_public_team(self, team_slug):
        """`<name>-<id>` or `<id>`; the name part is ignored so that renaming a team
        keeps its links working."""
        team_id = team_slug.rsplit("-", 1)[-1]
        if not team_id.isdigit():
            return None
        team = request.env["helpdesk.team"].sudo().browse(int(team_id)).exists()
        return team if team.active and team.public_form else None

    def _get_categories(self, team):
        companies = team.company_id if team else request.env.user.company_ids
        categories = (
            request.env["helpdesk.category"]
            .sudo()
            .search([("company_id", "in", [False, *companies.ids])], order="complete_name")
        )
        if team:
            categories = categories.filtered(lambda c: c._get_default_team() == team)
        return categories

    def _ticket_form(self, team, category_id, post):
        is_public_form = team is not None
        form_url = request.httprequest.path
        categories = self._get_categories(team)
        category = request.env["helpdesk.category"].sudo()
        category_known = False
        if category_id not in (None, ""):
            category = categories.filtered(lambda c: str(c.id) == str(category_id))
            category_known = bool(category) or str(category_id) == "0"
        max_mb = request.env["helpdesk.ticket"]._attachment_max_mb()
        ask_impact = self._intake_team(team, category).customer_may_state_impact
        render_values = {
            "ask_impact": ask_impact,
            "team": team,
            "is_public_form": is_public_form,
            "form_url": form_url,
            "categories": categories,
            "category": category,
            "max_mb": max_mb,
            "errors": {},
            "values": {},
            "page_name": "ticket_new",
        }

        if request.httprequest.method == "POST":
            if is_public_form and post.get(HONEYPOT_INPUT):
                _logger.info(
                    "Helpdesk web form of team %s: submission from %s discarded (honeypot filled)",
                    team.id,
                    request.httprequest.remote_addr,
                )
                request.session[SESSION_KEY] = {
                    "ticket_id": False,
                    "form_url": form_url,
                    "public": True,
                    "discarded": True,
                }
                return request.redirect("/helpdesk/submitted")
            values, errors, files = self._validate(post, category, is_public_form, max_mb, ask_impact)
            if category_id not in (None, "") and not category_known:
                errors["category_id"] = request.env._("This category is not available any more; choose another one.")
            wait = 0
            if not errors and is_public_form:
                # Counted once the submission is valid: a person correcting a typo is not a robot.
                wait = request.env["helpdesk.rate.limit"].sudo()._consume_request("web_form")
                if wait:
                    errors["general"] = request.env._(
                        "Too many requests from your network: try again in %(minutes)s minutes, or write to us "
                        "by email.",
                        minutes=math.ceil(wait / 60),
                    )
            if not errors:
                try:
                    with request.env.cr.savepoint():
                        ticket = self._create_ticket(team, category, values, files, is_public_form)
                except (ValidationError, UserError) as exc:
                    errors["general"] = exc.args[0]
                else:
                    # Articles this visitor opened from the suggestions did not deflect it.
                    request.env["helpdesk.article.visit"].sudo()._on_ticket_submitted(ticket, visitor_key())
                    request.session[SESSION_KEY] = {
                        "ticket_id": ticket.id,
                        "form_url": form_url,
                        "public": is_public_form,
                    }
                    return request.redirect("/helpdesk/submitted")
            render_values.update(
                values=values, errors=errors, files_lost=bool(files) or bool(errors.get("attachments"))
            )
            return request.render("helpdesk_itil.helpdesk_ticket_form_page", render_values, status=429 if wait else 422)

        if not category_known and categories:
            return request.render("helpdesk_itil.helpdesk_ticket_form_page", dict(render_values, step="category"))
        template = html2plaintext(category.description_template or "").strip() if category else ""
        render_values["values"] = {"description": template}
        return request.render("helpdesk_itil.helpdesk_ticket_form_page", render_values)

    def _intake_team(self, team, category):
        """The team a submission goes to: the public form's, else the category's, else the
        company's default team (as helpdesk.ticket's team compute decides)."""
        Team = request.env["helpdesk.team"].sudo()
        team = team or (category.sudo()._get_default_team() if category else Team)
        return (team or Team._get_company_default_team(request.env.user.company_id)).sudo()

    def _validate(self, post, category, is_public_form, max_mb, ask_impact=False):
        """Read the whitelisted inputs; return (values, errors by input name, files)."""
        _ = request.env._
        max_bytes = int(max_mb * 1024 * 1024)
        values, errors = {}, {}
        values["name"] = (post.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = _("Give your request a short subject.")
        elif len(values["name"]) > SUBJECT_MAX_LENGTH:
            errors["name"] = _("The subject is too long (%(max)s characters at most).", max=SUBJECT_MAX_LENGTH)
        values["description"] = (post.get("description") or "").strip()
        if not values["description"]:
            errors["description"] = _("Describe your request: what happened, what you expected.")
        if is_public_form:
            values["partner_name"] = (post.get("partner_name") or "").strip()
            values["email"] = (post.get("email") or "").strip()
            if len(values["partner_name"]) > NAME_MAX_LENGTH:
                errors["partner_name"] = _("The name is too long (%(max)s characters at most).", max=NAME_MAX_LENGTH)
            if not values["email"]:
                errors["email"] = _("Give your email address so that we can answer you.")
            elif not email_normalize(values["email"]):
                errors["email"] = _("“%(email)s” is not a valid email address.", email=values["email"])
        self._validate_urgency(post, ask_impact, values, errors)
        # The category's questions: checked by the one helper every channel uses.
        answers = {field.name: (post.get(f"field_{field.name}") or "").strip() for field in category.intake_field_ids}
        _rows, answer_errors = category._intake_answer_rows(answers)
        values.update((f"field_{key}", answer) for key, answer in answers.items())
        errors.update((f"field_{key}", message) for key, message in answer_errors.items())

        files, total = [], 0
        for upload in request.httprequest.files.getlist("attachments"):
            if not upload.filename:
                continue
            content = upload.read(max_bytes - total + 1)
            total += len(content)
            if total > max_bytes:
                errors["attachments"] = _(
                    "Attachments are limited to %(max)s MB in total; “%(file)s” goes over the limit.",
                    max=f"{max_mb:g}",
                    file=upload.filename,
                )
                break
            files.append((upload.filename, content, upload.mimetype))
        return values, errors, files

    def _validate_urgency(self, post, ask_impact, values, errors):
        """How urgent it is and who is affected (only where the team lets customers state
        the impact): optional answers among the proposed ones."""
        values["urgency"] = (post.get("urgency") or "").strip()
        if values["urgency"] and values["urgency"] not in URGENCY_ANSWERS:
            errors["urgency"] = request.env._("Choose one of the proposed answers.")
        values["affected"] = (post.get("affected") or "").strip() if ask_impact else ""
        if values["affected"] and values["affected"] not in AFFECTED_IMPACTS:
            errors["affected"] = request.env._("Choose one of the proposed answers.")

    def _build_description(self, values, category):
        """The customer's text, then the answers to the category's intake fields in a
        readable block."""
        description = plaintext2html(values["description"])
        answers = [(field.label, values.get(f"field_{field.name}")) for field in category.intake_field_ids]
        answers = [(label, answer) for label, answer in answers if answer]
        if answers:
            items = Markup("").join(
                Markup("<li><strong>%s:</strong> %s</li>") % (label, escape(answer).replace("\n", Markup("<br/>")))
                for label, answer in answers
            )
            description += Markup("<p><strong>%s</strong></p><ul>%s</ul>") % (
                request.env._("Details (%(category)s)", category=category.complete_name),
                items,
            )
        return description

    def _create_ticket(self, team, category, values, files, is_public_form):
        Ticket = request.env["helpdesk.ticket"].sudo()
        vals = {
            "name": values["name"],
            "description": self._build_description(values, category),
            "channel": "web_form" if is_public_form else "portal",
            "category_id": category.id or False,
            # Stored as the ticket's intake answers (and readable in the description above).
            "answers": {field.name: values.get(f"field_{field.name}") for field in category.intake_field_ids},
        }
        if values.get("urgency"):
            vals["urgency"] = values["urgency"]
        if values.get("affected"):
            vals["impact"] = AFFECTED_IMPACTS[values["affected"]]
        # The public form's team; a portal request goes where the ticket's team compute
        # sends it (the category's team, else the company's default team).
        if team:
            vals["team_id"] = team.id
        if is_public_form:
            email_from = formataddr((values["partner_name"], email_normalize(values["email"])))
            vals.update(Ticket._intake_customer_values(email_from, team))
        else:
            email_from = False
            vals["partner_id"] = request.env.user.partner_id.id
        ticket = Ticket.create(vals)
        if files:
            ticket.message_post(
                body=request.env._("Attachments sent with the request."),
                author_id=ticket.partner_id.id or None,
                email_from=False if ticket.partner_id else email_from,
                attachments=[(name, content) for name, content, _mimetype in files],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return ticket
