from markupsafe import Markup

from odoo import models
from odoo.tools import html2plaintext

TICKET_COMMAND = "/ticket"


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    def execute_command_ticket(self, **kwargs):
        """`/ticket <subject>` in a live chat: file a ticket from the conversation."""
        self.ensure_one()
        body = html2plaintext(kwargs.get("body") or "").strip()
        subject = body[len(TICKET_COMMAND) :].strip() if body.startswith(TICKET_COMMAND) else ""
        if self.channel_type != "livechat":
            msg = self.env._("/ticket only works in live chat conversations.")
        elif not self.env["helpdesk.ticket"].has_access("create"):
            msg = self.env._("You need access to the Helpdesk to create tickets.")
        elif not subject:
            msg = self.env._(
                "Create a new ticket with: %(pre_start)s%(command)s %(i_start)sticket subject%(i_end)s%(pre_end)s",
                command=TICKET_COMMAND,
                pre_start=Markup("<pre>"),
                pre_end=Markup("</pre>"),
                i_start=Markup("<i>"),
                i_end=Markup("</i>"),
            )
        else:
            ticket = self._convert_visitor_to_helpdesk_ticket(self.env.user.partner_id, subject)
            msg = self.env._("Created a new ticket: %s", ticket._get_html_link(title=ticket.display_name))
        self.env.user._bus_send_transient_message(self, msg)

    def _convert_visitor_to_helpdesk_ticket(self, operator_partner, subject):
        """Create a ticket from this conversation for its customer, with the transcript.

        The customer is the conversation's only non-operator contact (a portal user or
        a known contact); an anonymous visitor (public user or guest) stays a name.
        """
        self.ensure_one()
        customers = self.env["res.partner"]
        for partner in self.with_context(active_test=False).channel_partner_ids:
            if partner == operator_partner or not partner.partner_share:
                continue
            if partner.is_public:
                customers = self.env["res.partner"]
                break
            customers |= partner
        vals = {
            "name": subject[:250],
            "channel": "chat",
            "origin_channel_id": self.id,
            "description": Markup("<p>%s</p>")
            % self.env._("Created from a live chat by %(operator)s.", operator=operator_partner.name),
        }
        if len(customers) == 1:
            vals["partner_id"] = customers.id
        else:
            # sudo: discuss.channel.member - the guest's name is shown in the conversation anyway
            guests = self.sudo().channel_member_ids.guest_id
            if guests:
                vals["partner_name"] = guests[0].name
        if team := self.livechat_channel_id.helpdesk_team_id:
            vals["team_id"] = team.id
        ticket = self.env["helpdesk.ticket"].create(vals)
        # The operator keeps access to the ticket whatever the team (helpdesk users see followed tickets).
        ticket.message_subscribe(partner_ids=operator_partner.ids)
        ticket._post_livechat_transcript(self, author=operator_partner)
        return ticket
