import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from .helpdesk_escalation_rule import TRIGGERS
from .res_users import SUPPORT_LEVELS


class HelpdeskEscalationLog(models.Model):
    """Who or what escalated a ticket, from which level, team and assignee to which, and why.

    Written by the escalation engine and the escalation wizard; read-only for users.
    """

    _name = "helpdesk.escalation.log"
    _description = "Helpdesk Escalation Log"
    _order = "date desc, id desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    rule_id = fields.Many2one(
        "helpdesk.escalation.rule",
        index="btree_not_null",
        ondelete="restrict",
        help="Empty for a manual escalation.",
    )
    trigger = fields.Selection([*TRIGGERS, ("manual", "Manual")], required=True, default="manual")
    level_from = fields.Integer(string="From Escalation Level")
    level_to = fields.Integer(string="To Escalation Level", required=True)
    team_from_id = fields.Many2one("helpdesk.team", string="From Team", ondelete="set null")
    team_to_id = fields.Many2one("helpdesk.team", string="To Team", ondelete="set null")
    user_from_id = fields.Many2one("res.users", string="From Assignee", ondelete="set null")
    user_to_id = fields.Many2one("res.users", string="To Assignee", ondelete="set null")
    escalated_by_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        help="The person who escalated, or the system user for automatic escalations.",
    )
    support_level_from = fields.Selection(SUPPORT_LEVELS, string="From Support Level")
    support_level_to = fields.Selection(
        SUPPORT_LEVELS, string="To Support Level", help="Set by an escalation by complexity (a functional escalation)."
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

    @api.model
    def _claim(self, ticket, level, rule, reason, now):
        """Log the escalation of `ticket` to `level` (by `rule`, or by the current user),
        unless it is logged already: ``INSERT … ON CONFLICT DO NOTHING`` on the unique
        (ticket, rule, level) index, so that of two workers firing the same rule on the
        same ticket only one acts. Returns the log, or an empty recordset when the row
        conflicts (or is newer than this transaction's snapshot)."""
        ticket.flush_recordset(["escalation_level", "team_id", "user_id"])
        query = SQL(
            """INSERT INTO helpdesk_escalation_log
                   (ticket_id, rule_id, company_id, level_from, level_to, team_from_id, user_from_id,
                    escalated_by_id, date, reason, trigger, create_uid, create_date, write_uid, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT DO NOTHING
               RETURNING id""",
            ticket.id,
            rule.id if rule else None,
            ticket.company_id.id,
            ticket.escalation_level,
            level,
            ticket.team_id.id or None,
            ticket.user_id.id or None,
            self.env.uid,
            now,
            reason or "-",
            rule.trigger if rule else "manual",
            self.env.uid,
            now,
            self.env.uid,
            now,
        )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                rows = self.env.execute_query(query)
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.UniqueViolation):
            return self.browse()
        ticket.invalidate_recordset(["escalation_log_ids"])
        return self.browse(rows[0][0]) if rows else self.browse()
