from markupsafe import Markup

from odoo import fields, models


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    origin_channel_id = fields.Many2one(
        "discuss.channel",
        string="Live Chat",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="Live chat conversation the ticket was created from.",
    )

    def _post_livechat_transcript(self, channel, author=None):
        """Post the conversation of `channel` on the ticket as an internal note."""
        self.ensure_one()
        # sudo: discuss.channel - the caller (visitor or operator) takes part in the
        # conversation; all its messages belong in the transcript.
        history = channel.sudo()._get_channel_history()
        self.message_post(
            body=Markup("<p><strong>%s</strong></p>%s") % (self.env._("Live chat transcript"), history),
            author_id=author.id if author else None,
            subtype_xmlid="mail.mt_note",
        )
