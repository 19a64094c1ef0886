from odoo import api, fields, models

from .helpdesk_escalation_rule import TRIGGERS


class HelpdeskEscalationLog(models.Model):
    """Who or what escalated a ticket, from which level, team and assignee to which, and why.

    Written by the escalation engine and the escalation wizard; read-only for users.
    """

    _name = "helpdesk.escalation.log"
    _description = "Helpdesk Escalation Log"
    _order = "date desc, id desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("helpdesk.ticket", string="Ticket", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    rule_id = fields.Many2one(
        "helpdesk.escalation.rule",
        string="Rule",
        index="btree_not_null",
        ondelete="restrict",
        help="Empty for a manual escalation.",
    )
    trigger = fields.Selection([*TRIGGERS, ("manual", "Manual")], required=True, default="manual")
    level_from = fields.Integer(string="From Level")
    level_to = fields.Integer(string="To Level", required=True)
    team_from_id = fields.Many2one("helpdesk.team", string="From Team", ondelete="set null")
    team_to_id = fields.Many2one("helpdesk.team", string="To Team", ondelete="set null")
    user_from_id = fields.Many2one("res.users", string="From Assignee", ondelete="set null")
    user_to_id = fields.Many2one("res.users", string="To Assignee", ondelete="set null")
    escalated_by_id = fields.Many2one(
        "res.users",
        string="Escalated By",
        required=True,
        default=lambda self: self.env.user,
        help="The person who escalated, or the system user for automatic escalations.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    reason = fields.Text(required=True)

    # Two workers firing the same rule on the same ticket: the second insert conflicts.
    _ticket_rule_level_uniq = models.UniqueIndex(
        "(ticket_id, rule_id, level_to) WHERE rule_id IS NOT NULL",
        "This rule already escalated this ticket to this level.",
    )

    @api.depends("ticket_id", "level_from", "level_to")
    def _compute_display_name(self):
        for log in self:
            log.display_name = self.env._(
                "%(ticket)s: level %(from)s → %(to)s",
                ticket=log.ticket_id.reference or "",
                **{"from": log.level_from, "to": log.level_to},
            )
