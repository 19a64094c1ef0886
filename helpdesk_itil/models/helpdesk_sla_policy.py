from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .helpdesk_priority_matrix import PRIORITIES

SLA_KINDS = [("sla", "SLA"), ("ola", "OLA")]
SLA_METRICS = [
    ("first_response", "First Response"),
    ("resolution", "Resolution"),
    ("next_response", "Next Response"),
]
# Fields of a policy that change the clock of the lines already running on it.
CLOCK_FIELDS = ("target_hours", "at_risk_percent", "calendar_id", "pause_stage_ids")


def match_priority(priority, policy_priority, operator):
    """Whether a ticket's `priority` meets a policy's (`operator`: at_least or equal)."""
    if operator == "at_least":
        # "1" (P1) is the most urgent: at least P2 means P1 or P2.
        return bool(priority) and priority <= policy_priority
    return priority == policy_priority


def category_path_ids(category):
    """Ids of `category` and its ancestors, from its parent_path (no query)."""
    return {int(part) for part in (category.parent_path or "").split("/") if part}


class HelpdeskSlaPolicy(models.Model):
    """A promise on tickets: which tickets it covers, what it measures, how long it allows.

    A policy is an SLA (promised to the customer) or an OLA (internal target of a team).
    For each kind and metric the active, matching policy with the lowest sequence applies
    to a ticket; its clock runs in business hours on the policy's calendar, else the
    ticket team's, else the company's, and stops while the ticket is in a pause stage.
    """

    _name = "helpdesk.sla.policy"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(
        default=10,
        required=True,
        help="When several policies of the same kind and metric match a ticket, the one "
        "with the lowest sequence applies.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    description = fields.Text(translate=True)
    kind = fields.Selection(
        SLA_KINDS,
        required=True,
        default="sla",
        help="SLA: promised to the customer (shown on the portal). OLA: internal target of a team.",
    )
    metric = fields.Selection(
        SLA_METRICS,
        required=True,
        default="resolution",
        help="First response: the first public reply of an agent. Resolution: the ticket "
        "reaches a resolved or closed state. Next response: every customer message awaits "
        "an agent's public reply.",
    )
    target_hours = fields.Float(
        string="Target (business hours)", required=True, default=8.0, help="Working hours allowed."
    )
    at_risk_percent = fields.Integer(
        string="At Risk at (%)",
        required=True,
        default=75,
        help="Share of the target used after which the ticket is shown at risk.",
    )
    attainment_target = fields.Float(
        string="Attainment Target (%)",
        required=True,
        default=95.0,
        help="Share of the lines of a period (calendar month, ISO week) that must be reached for the "
        "period to be attained, per customer (Reporting → SLA Attainment).",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        check_company=True,
        help="Business hours and public holidays the clock runs on. Empty: the working hours "
        "of the ticket's team, else the company's.",
    )
    pause_stage_ids = fields.Many2many(
        "helpdesk.stage",
        "helpdesk_sla_policy_pause_stage_rel",
        "policy_id",
        "stage_id",
        string="Pause Stages",
        help="The clock stops while the ticket is in one of these stages. Empty: every stage whose state is Pending.",
    )

    # Filters: an empty filter matches every ticket.
    team_ids = fields.Many2many(
        "helpdesk.team", "helpdesk_sla_policy_team_rel", "policy_id", "team_id", string="Teams", check_company=True
    )
    category_ids = fields.Many2many(
        "helpdesk.category",
        "helpdesk_sla_policy_category_rel",
        "policy_id",
        "category_id",
        string="Categories",
        help="Tickets of these categories or their sub-categories.",
    )
    type_ids = fields.Many2many(
        "helpdesk.ticket.type", "helpdesk_sla_policy_type_rel", "policy_id", "type_id", string="Types"
    )
    priority = fields.Selection(PRIORITIES)
    priority_operator = fields.Selection(
        [("=", "Exactly"), ("at_least", "At Least")],
        string="Priority Match",
        required=True,
        default="=",
        help="Exactly: only this priority. At least: this priority or a more urgent one (P1 is the most urgent).",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "helpdesk_sla_policy_partner_rel",
        "policy_id",
        "partner_id",
        string="Customers",
        help="Tickets of these customers or of their contacts.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        "helpdesk_sla_policy_partner_category_rel",
        "policy_id",
        "category_id",
        string="Customer Tags",
    )
    tag_ids = fields.Many2many("helpdesk.tag", "helpdesk_sla_policy_tag_rel", "policy_id", "tag_id", string="Tags")
    open_line_count = fields.Integer(string="Running Lines", compute="_compute_open_line_count")

    def _compute_open_line_count(self):
        counts = dict(
            self.env["helpdesk.ticket.sla"]
            .sudo()
            ._read_group([("policy_id", "in", self.ids), ("settled_date", "=", False)], ["policy_id"], ["__count"])
        )
        for policy in self:
            policy.open_line_count = counts.get(policy, 0)

    @api.constrains("target_hours")
    def _check_target_hours(self):
        for policy in self:
            if policy.target_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "The target of “%(policy)s” must be a positive number of business hours.",
                        policy=policy.name,
                    )
                )

    @api.constrains("at_risk_percent")
    def _check_at_risk_percent(self):
        for policy in self:
            if not 1 <= policy.at_risk_percent <= 99:
                raise ValidationError(
                    self.env._(
                        "The at-risk threshold of “%(policy)s” must be between 1 and 99 %% of the target.",
                        policy=policy.name,
                    )
                )

    @api.constrains("attainment_target")
    def _check_attainment_target(self):
        for policy in self:
            if not 0 < policy.attainment_target <= 100:
                raise ValidationError(
                    self.env._(
                        "The attainment target of “%(policy)s” must be a share of its lines between 0 and 100 %%.",
                        policy=policy.name,
                    )
                )

    @api.constrains("calendar_id", "team_ids", "company_id")
    def _check_calendar(self):
        for policy in self:
            if policy.calendar_id or policy.company_id.resource_calendar_id:
                continue
            teams = policy.team_ids.filtered(lambda t: not t.resource_calendar_id)
            if not policy.team_ids or teams:
                raise ValidationError(
                    self.env._(
                        "“%(policy)s” has no working hours to count business time on: set its "
                        "Working Hours, or give working hours to %(where)s.",
                        policy=policy.name,
                        where=", ".join(teams.mapped("name")) if teams else policy.company_id.name,
                    )
                )

    @api.constrains("active", "sequence", "company_id", "kind", "metric", "team_ids")
    def _check_sequence_overlap(self):
        for policy in self.filtered("active"):
            others = self.search(
                Domain("id", "!=", policy.id)
                & Domain("company_id", "=", policy.company_id.id)
                & Domain("kind", "=", policy.kind)
                & Domain("metric", "=", policy.metric)
                & Domain("sequence", "=", policy.sequence)
            )
            for other in others:
                if (not other.team_ids and not policy.team_ids) or (other.team_ids & policy.team_ids):
                    raise ValidationError(
                        self.env._(
                            "“%(policy)s” and “%(other)s” are both %(kind)s %(metric)s policies for the "
                            "same teams with sequence %(sequence)s: give them different sequences so "
                            "that it is clear which one applies.",
                            policy=policy.name,
                            other=other.name,
                            kind=dict(SLA_KINDS)[policy.kind],
                            metric=dict(SLA_METRICS)[policy.metric].lower(),
                            sequence=policy.sequence,
                        )
                    )

    def write(self, vals):
        result = super().write(vals)
        if any(fname in vals for fname in CLOCK_FIELDS):
            self.env["helpdesk.ticket.sla"]._on_policy_change(self, fields.Datetime.now())
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = self.env["helpdesk.ticket.sla"].sudo().search_count([("policy_id", "in", self.ids)], limit=1)
        if used:
            raise UserError(
                self.env._("Policies that tickets were measured against are kept for history: archive them instead.")
            )

    def action_view_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_sla_action")
        action["domain"] = [("policy_id", "=", self.id), ("settled_date", "=", False)]
        return action

    # Matching

    @api.model
    def _get_matching_policies(self, tickets):
        """Return {ticket: {(kind, metric): policy}}: the policy that applies per kind and metric.

        The filters of the tickets' companies' policies are cached for the registry
        (``_get_policy_filters``), then matched in Python: no query for the policies, and a
        cost that does not depend on the number of tickets or policies per ticket.
        """
        filters = self._get_policy_filters(tuple(sorted(tickets.company_id.ids)))
        policies = self.sudo().browse(f["id"] for f in filters)
        result = {}
        for ticket in tickets:
            winners = {}
            for policy, fields_ in zip(policies, filters, strict=True):
                key = (fields_["kind"], fields_["metric"])
                if key not in winners and self._filters_match(fields_, ticket):
                    winners[key] = policy
            result[ticket] = winners
        return result

    @api.model
    @tools.ormcache("company_ids")
    def _get_policy_filters(self, company_ids):
        """What matching reads of the active policies of the companies, as plain values, in
        the order they are tried: lowest sequence first; on equal sequences (only possible
        between a policy with teams and one without) the policy naming teams is the more
        specific one. Asked for every new ticket and every reclassification, cached for the
        registry (cleared when a policy changes; ids of deleted records that may linger
        are never those of a live ticket)."""
        policies = self.sudo().search([("company_id", "in", list(company_ids))])
        policies = policies.sorted(lambda p: (p.sequence, not p.team_ids, p.id))
        return tuple(
            {
                "id": policy.id,
                "kind": policy.kind,
                "metric": policy.metric,
                "company_id": policy.company_id.id,
                "team_ids": frozenset(policy.team_ids.ids),
                "category_ids": frozenset(policy.category_ids.ids),
                "type_ids": frozenset(policy.type_ids.ids),
                "priority": policy.priority,
                "priority_operator": policy.priority_operator,
                "partner_ids": frozenset(policy.partner_ids.ids),
                "partner_category_ids": frozenset(policy.partner_category_ids.ids),
                "tag_ids": frozenset(policy.tag_ids.ids),
            }
            for policy in policies
        )

    @api.model
    def _filters_match(self, filters, ticket):
        """Whether every filter of a policy (`filters`, see _get_policy_filters) accepts
        `ticket` (an empty filter accepts all). A category matches its subcategories."""
        return (
            filters["company_id"] == ticket.company_id.id
            and (not filters["team_ids"] or ticket.team_id.id in filters["team_ids"])
            and (not filters["category_ids"] or bool(category_path_ids(ticket.category_id) & filters["category_ids"]))
            and (not filters["type_ids"] or ticket.type_id.id in filters["type_ids"])
            and (
                not filters["priority"]
                or match_priority(ticket.priority, filters["priority"], filters["priority_operator"])
            )
            and (
                not filters["partner_ids"]
                or ticket.partner_id.id in filters["partner_ids"]
                or ticket.commercial_partner_id.id in filters["partner_ids"]
            )
            and (
                not filters["partner_category_ids"]
                or bool(
                    set((ticket.partner_id.category_id | ticket.commercial_partner_id.category_id).ids)
                    & filters["partner_category_ids"]
                )
            )
            and (not filters["tag_ids"] or bool(set(ticket.tag_ids.ids) & filters["tag_ids"]))
        )

    def _is_pause_stage(self, stage):
        pause_stage_ids, _calendar_id = self._clock_settings()
        if pause_stage_ids:
            return stage.id in pause_stage_ids
        return stage.state == "pending"

    def _get_calendar(self, ticket):
        """Working hours a line of this policy runs on for `ticket`: the policy's own, else
        the ticket's (helpdesk.ticket._get_business_calendar)."""
        _pause_stage_ids, calendar_id = self._clock_settings()
        return self.env["resource.calendar"].browse(calendar_id) or ticket._get_business_calendar()

    def _clock_settings(self):
        """(pause stage ids, calendar id) of this policy, from the registry's cache."""
        self.ensure_one()
        settings = self._get_clock_settings().get(self.id)
        if settings is None:  # created after the cache was filled, in this transaction
            settings = (frozenset(self.sudo().pause_stage_ids.ids), self.sudo().calendar_id.id)
        return settings

    @api.model
    @tools.ormcache()
    def _get_clock_settings(self):
        """{policy id: (pause stage ids, calendar id)} of every policy, archived ones included
        (their lines still run): read for each line of each ticket a stage move touches, so
        cached for the registry (cleared when a policy changes) rather than fetched with its
        pause stages in every request."""
        policies = self.sudo().with_context(active_test=False).search([])
        return {policy.id: (frozenset(policy.pause_stage_ids.ids), policy.calendar_id.id) for policy in policies}
