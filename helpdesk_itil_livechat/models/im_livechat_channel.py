from odoo import fields, models


class ImLivechatChannel(models.Model):
    _inherit = "im_livechat.channel"

    helpdesk_team_id = fields.Many2one(
        "helpdesk.team",
        index="btree_not_null",
        ondelete="set null",
        help="Team of the tickets operators create with /ticket in this channel's conversations.",
    )
