import logging
import xmlrpc.client

import psycopg2

from odoo import api, models
from odoo.exceptions import ConcurrencyError

from ..tools.mail_headers import header_urgency, is_automated_email

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    """Mail gateway hooks for helpdesk tickets.

    The routing of a reply is decided before the ticket model is called (a reply to a
    closed ticket must create a new ticket, not update the old one), so the ticket hooks
    in here, the way mass_mailing does for its traces.
    """

    _inherit = "mail.thread"

    @api.model
    def message_process(
        self, model, message, custom_values=None, save_original=False, strip_attachments=False, thread_id=None
    ):
        """Every email to the helpdesk ends in a ticket, on a ticket, or in a logged rejection.

        Odoo's mail fetcher marks a message whose processing raised as read (IMAP) or deletes
        it (POP3). When processing fails, the message's headers alone are read again: an email
        to a helpdesk alias, or replying to a ticket's message, is logged with its raw source
        as a helpdesk.mail.rejection (an agent turns it into a ticket) and the error goes no
        further; any other email raises as before. Serialisation failures are left to the
        caller's retry (the mail gateway script's RPC call is retried), except in the mail
        fetcher, which does not retry.
        """
        if isinstance(message, xmlrpc.client.Binary):
            message = bytes(message.data)
        if isinstance(message, str):
            message = message.encode()
        try:
            with self.env.cr.savepoint():
                # The raw source rides along for a delivery report logged by _routing_handle_bounce.
                return super(MailThread, self.with_context(helpdesk_raw_email=message)).message_process(
                    model,
                    message,
                    custom_values=custom_values,
                    save_original=save_original,
                    strip_attachments=strip_attachments,
                    thread_id=thread_id,
                )
        except Exception as error:
            retried = isinstance(error, psycopg2.OperationalError | ConcurrencyError)
            if retried and not self.env.context.get("default_fetchmail_server_id"):
                raise
            if not self.env["helpdesk.mail.rejection"]._log_unprocessed(message, error):
                raise
            _logger.info("Helpdesk email kept after a gateway error", exc_info=True)
            return False

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        routes = super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values
        )
        if any(route[0] == "helpdesk.ticket" for route in routes or ()):
            routes = self.env["helpdesk.ticket"]._mail_gateway_reroute(message, message_dict, routes)
        return routes

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """A delivery report sent to a helpdesk address about nothing this database sent
        (Odoo only logs it) is kept as a rejection: nothing sent to the helpdesk is dropped."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        if not message_dict.get("bounced_message"):
            raw = self.env.context.get("helpdesk_raw_email") or email_message.as_bytes()
            self.env["helpdesk.mail.rejection"]._log_unprocessed(
                raw,
                self.env._("Delivery report about no email sent from this database: not a ticket."),
                kind="bounce",
            )
        return result

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        thread = self
        if any(route[0] == "helpdesk.ticket" for route in routes or ()):
            automated = is_automated_email(message)
            # What triage reads on a new ticket: the alias the email came through and the
            # urgency its sender flagged (helpdesk.triage.rule._triage, message_new).
            alias = next((route[4] for route in routes if route[0] == "helpdesk.ticket" and route[4]), None)
            thread = self.with_context(
                helpdesk_automated_email=automated,
                helpdesk_mail_alias_id=alias.id if alias else False,
                helpdesk_mail_urgency=header_urgency(message),
            )
            if automated and all(route[1] for route in routes if route[0] == "helpdesk.ticket"):
                # Logged as a note on an existing ticket: agents see it, nobody outside
                # is emailed about it (no ping-pong with another auto-responder).
                message_dict["is_internal"] = True
        return super(MailThread, thread)._message_route_process(message, message_dict, routes)
