import ast
import base64
import email
import email.policy
import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.mail_headers import read_headers, rebuild_email

_logger = logging.getLogger(__name__)

# Handled rejections (ticket created, dismissed) are removed after this many days; those
# still to review are kept until someone looks at them.
KEEP_DAYS = 90
ERROR_SIZE = 2000


class HelpdeskMailRejection(models.Model):
    """An email to the helpdesk that the mail gateway could not turn into a ticket or add to
    one: kept with its raw message until an agent creates the ticket or dismisses it.

    Odoo's mail fetcher marks a message it failed to process as read (IMAP) or deletes it
    (POP3): without this log such a message would be lost. Written in the transaction of
    the incoming message, which then ends normally, so the log is committed.
    """

    _name = "helpdesk.mail.rejection"
    _description = "Helpdesk Unprocessed Email"
    _order = "date desc, id desc"
    _rec_name = "subject"
    _check_company_auto = True

    subject = fields.Char(readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    email_to = fields.Char(string="To", readonly=True, help="The delivery headers: Delivered-To, To, Cc.")
    email_date = fields.Char(string="Sent On", readonly=True, help="The Date header, as the sender wrote it.")
    message_id = fields.Char(
        string="Message-Id",
        required=True,
        readonly=True,
        index=True,
        help="The email's Message-Id, or a digest of its content when it has none: the same email "
        "received again is not logged twice.",
    )
    date = fields.Datetime(string="Received On", required=True, default=fields.Datetime.now, readonly=True)
    receive_count = fields.Integer(string="Received", default=1, readonly=True, help="Deliveries of this email.")
    kind = fields.Selection(
        [("error", "Gateway Error"), ("bounce", "Unmatched Delivery Report")],
        required=True,
        default="error",
        readonly=True,
        help="Gateway Error: reading or filing the email failed. Unmatched Delivery Report: a bounce "
        "sent to a helpdesk address about nothing this database sent.",
    )
    error = fields.Text(readonly=True)
    state = fields.Selection(
        [("new", "To Review"), ("done", "Ticket Created"), ("dismissed", "Dismissed")],
        required=True,
        default="new",
        index=True,
        readonly=True,
    )
    alias_id = fields.Many2one("mail.alias", readonly=True, ondelete="set null")
    team_id = fields.Many2one("helpdesk.team", readonly=True, index="btree_not_null", ondelete="set null")
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="To review: the ticket the email replies to (by its headers). Processed: the ticket it is on.",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    raw_message = fields.Binary(string="Original Email", attachment=True, readonly=True)
    raw_filename = fields.Char(readonly=True)

    _message_id_uniq = models.Constraint("unique (message_id)", "This email is already logged.")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_create_ticket(self):
        """File the email as the gateway would have: a new ticket (or a message on the ticket
        it replies to), from a plain rebuild of it — sender, subject, date, threading headers,
        its text as far as it can be read — with the original attached as original.eml."""
        self.ensure_one()
        if self.state == "done":
            raise UserError(self.env._("This email is already on ticket %(ticket)s.", ticket=self.ticket_id.reference))
        # sudo: helpdesk.ticket - the gateway files emails as superuser, for the email's author
        ticket = self.sudo()._file_as_ticket().with_env(self.env)
        self.write({"state": "done", "ticket_id": ticket.id})
        return ticket._action_view_ticket()

    def action_dismiss(self):
        self.filtered(lambda rejection: rejection.state == "new").write({"state": "dismissed"})

    def action_reset(self):
        self.filtered(lambda rejection: rejection.state == "dismissed").write({"state": "new"})

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    @api.model
    def _helpdesk_destination(self, headers):
        """(alias, ticket) of a message known only by its headers: the helpdesk alias among its
        recipients, the ticket whose message it replies to. Both empty: not a helpdesk email."""
        Alias = self.env["mail.alias"].sudo()
        ticket_model = self.env["ir.model"]._get_id("helpdesk.ticket")
        alias = Alias.browse()
        if headers["recipients"]:
            local_parts = [address.split("@", 1)[0] for address in headers["recipients"]]
            alias = Alias.search(
                Domain("alias_model_id", "=", ticket_model)
                & (
                    Domain("alias_full_name", "in", headers["recipients"])
                    | (Domain("alias_name", "in", local_parts) & Domain("alias_incoming_local", "=", True))
                ),
                limit=1,
            )
        ticket = self.env["helpdesk.ticket"].sudo()
        if headers["references"]:
            parent = (
                self.env["mail.message"]
                .sudo()
                .search(
                    [("message_id", "in", headers["references"][-32:]), ("model", "=", "helpdesk.ticket")],
                    order="id desc",
                    limit=1,
                )
            )
            ticket = ticket.browse(parent.res_id).exists()
        return alias, ticket

    @api.model
    def _log_unprocessed(self, raw, error, kind="error", headers=None):
        """Log `raw` (bytes), an email the gateway failed on, if it is the helpdesk's.

        Returns the rejection (an existing one when the same email comes again), or an empty
        recordset when the email is for something else than the helpdesk (the caller then
        lets the error go on, as Odoo does)."""
        headers = headers or read_headers(raw)
        alias, ticket = self._helpdesk_destination(headers)
        if not (alias or ticket):
            return self.browse()
        message_id = headers["message_id"] or f"<{hashlib.sha256(raw).hexdigest()[:40]}@unparsed.invalid>"
        # Deliveries of the same email at once: the later one waits for the first, then is
        # retried by the caller in a new transaction that sees the first one's entry.
        lock = SQL("hashtext(%s)", f"helpdesk.mail.rejection:{message_id}")
        if not self.env.execute_query(SQL("SELECT pg_try_advisory_xact_lock(%s)", lock))[0][0]:
            self.env.execute_query(SQL("SELECT pg_advisory_xact_lock(%s)", lock))
            raise ConcurrencyError(f"email {message_id} is being logged by another delivery")
        Rejection = self.sudo()
        existing = Rejection.search([("message_id", "=", message_id)], limit=1)
        if existing:
            existing.receive_count += 1
            return existing
        if self.env["mail.message"].sudo().search_count([("message_id", "=", message_id)], limit=1):
            return Rejection  # already filed (a delivery that got through): nothing to log
        team = self._alias_team(alias) or ticket.team_id
        description = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        rejection = Rejection.create(
            {
                "subject": headers["subject"][:500] or False,
                "email_from": headers["email_from"][:500] or False,
                "email_to": ", ".join(headers["recipients"])[:1000] or False,
                "email_date": headers["date"][:200] or False,
                "message_id": message_id,
                "kind": kind,
                "error": description[:ERROR_SIZE],
                "alias_id": alias.id,
                "team_id": team.id,
                "ticket_id": ticket.id,
                "company_id": (team.company_id or ticket.company_id or self.env.company).id,
                "raw_message": base64.b64encode(raw),
                "raw_filename": "original.eml",
            }
        )
        _logger.warning(
            "Helpdesk email from %s with Message-Id %s could not be filed (%s): logged as unprocessed email %s",
            headers["email_from"],
            message_id,
            description[:200],
            rejection.id,
        )
        return rejection

    @api.model
    def _alias_team(self, alias):
        team_id = ast.literal_eval(alias.alias_defaults or "{}").get("team_id") if alias else False
        return self.env["helpdesk.team"].sudo().browse(team_id if isinstance(team_id, int) else []).exists()

    def _file_as_ticket(self):
        """Run a plain rebuild of the email through the gateway's filing steps, on the route
        its headers gave (the ticket it replies to, else a new ticket for the alias's team)."""
        self.ensure_one()
        raw = base64.b64decode(self.raw_message or b"")
        message = email.message_from_bytes(rebuild_email(raw), policy=email.policy.SMTP)
        MailThread = self.env["mail.thread"].sudo()
        msg_dict = MailThread.message_parse(message)
        msg_dict["message_id"] = self.message_id
        ticket = self.ticket_id.exists()
        team = self.team_id or ticket.team_id
        custom_values = ast.literal_eval(self.alias_id.alias_defaults or "{}") if self.alias_id else {}
        if team and not custom_values.get("team_id"):
            custom_values["team_id"] = team.id
        user = MailThread._mail_find_user_for_gateway(msg_dict["email_from"], alias=self.alias_id)
        route = ("helpdesk.ticket", ticket.id or 0, custom_values, user.id or self.env.uid, self.alias_id)
        routes = self.env["helpdesk.ticket"]._mail_gateway_reroute(message, msg_dict, [route])
        msg_dict.update(MailThread._message_parse_post_process(message, msg_dict, routes))
        thread_id = MailThread._message_route_process(message, msg_dict, routes)
        return self.env["helpdesk.ticket"].browse(thread_id)

    @api.autovacuum
    def _gc_handled_rejections(self):
        limit_date = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search([("state", "!=", "new"), ("date", "<", limit_date)]).unlink()
