from odoo import api, models

from ..tools.mail_headers import is_automated_email


class MailThread(models.AbstractModel):
    """Mail gateway hooks for helpdesk tickets.

    The routing of a reply is decided before the ticket model is called (a reply to a
    closed ticket must create a new ticket, not update the old one), so the ticket hooks
    in here, the way mass_mailing does for its traces.
    """

    _inherit = "mail.thread"

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        routes = super().message_route(
            message, message_dict, model=model, thread_id=thread_id, custom_values=custom_values
        )
        if any(route[0] == "helpdesk.ticket" for route in routes or ()):
            routes = self.env["helpdesk.ticket"]._mail_gateway_reroute(message, message_dict, routes)
        return routes

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        thread = self
        if any(route[0] == "helpdesk.ticket" for route in routes or ()):
            automated = is_automated_email(message)
            thread = self.with_context(helpdesk_automated_email=automated)
            if automated and all(route[1] for route in routes if route[0] == "helpdesk.ticket"):
                # Logged as a note on an existing ticket: agents see it, nobody outside
                # is emailed about it (no ping-pong with another auto-responder).
                message_dict["is_internal"] = True
        return super(MailThread, thread)._message_route_process(message, message_dict, routes)
