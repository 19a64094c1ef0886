import logging
import math
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext, is_html_empty, mute_logger, plaintext2html
from odoo.tools.mail import email_normalize, email_split_and_format, formataddr, parse_contact_from_email
from odoo.tools.misc import format_datetime

from ..tools import intake_reply, similarity, ticket_metrics
from ..tools.business_clock import PLAN_WINDOW
from ..tools.mail_headers import forwarded_sender, is_automated_email, subject_references
from ..tools.placeholders import render_placeholders
from ..tools.text import description_hash, normalize_subject
from .helpdesk_article import SUGGESTION_LIMIT as ARTICLE_SUGGESTION_LIMIT
from .helpdesk_priority_matrix import IMPACTS, PRIORITIES, URGENCIES, URGENT_PRIORITIES
from .helpdesk_stage import DONE_STATES, FINAL_STATES, OPEN_STATES, RESOLUTION_STATES, TICKET_STATES
from .helpdesk_team import DUPLICATE_SIMILARITY
from .ir_sequence import TICKET_SEQUENCE_CODE
from .mail_template import REUSE_COMPILED_TEMPLATE
from .res_partner import PRIORITY_BOOST_TIERS
from .res_users import SUPPORT_LEVELS

_logger = logging.getLogger(__name__)

CHANNELS = [
    ("email", "Email"),
    ("portal", "Portal"),
    ("web_form", "Web Form"),
    ("phone", "Phone"),
    ("api", "API"),
    ("alert", "Monitoring Alert"),
    ("pipeline", "CI/CD Pipeline"),
    ("chat", "Live Chat"),
    ("internal", "Internal"),
]
CONFIRMATIONS = [("none", "None"), ("confirmed", "Confirmed"), ("rejected", "Rejected")]
# Worst first: the ticket shows the worst status of its running SLA lines.
SLA_TICKET_STATUSES = [("failed", "Failed"), ("at_risk", "At Risk"), ("ongoing", "Ongoing"), ("paused", "Paused")]
# Changing these re-matches the ticket's SLA policies.
SLA_MATCH_FIELDS = {
    "company_id",
    "team_id",
    "category_id",
    "type_id",
    "priority",
    "impact",
    "urgency",
    "partner_id",
    "tag_ids",
}
# Writing these may change the priority (matrix, customer tier): a raise re-runs triage.
PRIORITY_FIELDS = {"priority", "impact", "urgency", "partner_id"}
# How a ticket may enter a closed stage when its team needs the customer's confirmation
# (context key helpdesk_closure, honoured in superuser mode only): the customer confirmed,
# the timer closed it unconfirmed, a system closure (e.g. monitoring recovery), a manager
# with a written reason (helpdesk.ticket.close wizard).
CLOSURE_ORIGINS = ("customer", "timer", "system", "manager")
# Of those, the origins that are people: a state change in superuser mode is otherwise made
# by the system (timers, monitoring and pipelines, ERP documents done, merges), see
# _is_system_transition.
PERSON_CLOSURE_ORIGINS = ("customer", "manager")
# The closure code that needs the knowledge article the ticket was solved with.
KNOWLEDGE_CLOSURE_CODE = "knowledge_article"
# Tickets per committed batch of a lifecycle timer; the SLA watcher's batches are larger
# (a batch costs a fixed number of queries, whatever its size).
TIMER_BATCH_SIZE = 200
SLA_WATCH_BATCH_SIZE = 1000
# Channels whose customer gets an acknowledgement (team setting), see _send_acknowledgement.
ACKNOWLEDGED_CHANNELS = ("email", "portal", "web_form")
# Channels where customers describe their request themselves: urgent keywords apply, and
# what they say alone gives at most P2 unless the team allows P1 (see _matrix_priority).
CUSTOMER_CHANNELS = ("email", "portal", "web_form", "chat")
CUSTOMER_PRIORITY_CAP = "2"
# Key of the mail gateway's custom values naming the closed ticket a new one follows up.
FOLLOW_UP_KEY = "helpdesk_follow_up_of"
# Channels whose "customer" is a system: no "is your problem solved?" email.
MACHINE_CHANNELS = ("alert", "pipeline")

# Content of a closed ticket: frozen for everyone but helpdesk managers. Messages,
# followers, ratings and links to other documents stay writable.
LOCKED_WHEN_CLOSED = {
    "name",
    "description",
    "partner_id",
    "partner_name",
    "partner_email",
    "partner_phone",
    "company_id",
    "team_id",
    "user_id",
    "category_id",
    "type_id",
    "tag_ids",
    "channel",
    "impact",
    "urgency",
    "priority",
    "stage_id",
    "resolution_note",
    "closure_code_id",
    "checklist_line_ids",
    "answer_ids",
}
# The only fields portal users (and the public user) may read through the ORM, whatever
# the path (portal pages, /web/dataset/call_kw, JSON-2). Everything else — resolution
# note, closure code, impact/urgency, overrides, tags, SLA and escalation data added
# later — stays internal. Portal pages read through sudo after an access check.
PORTAL_READABLE_FIELDS = {
    "id",
    "active",
    "display_name",
    "reference",
    "name",
    "description",
    "partner_id",
    "partner_name",
    "partner_email",
    "commercial_partner_id",
    "company_id",
    "team_id",
    "user_id",
    "category_id",
    "type_id",
    "channel",
    "priority",
    "stage_id",
    "state",
    "is_closed",
    "customer_confirmation",
    "create_date",
    "write_date",
    "resolved_date",
    "closed_date",
    "access_url",
    "message_is_follower",
}
# Size limit of what a customer attaches: a file in the portal conversation, a web form
# submission. One system parameter, in MB; see _attachment_max_mb.
ATTACHMENT_MAX_MB_PARAM = "helpdesk_itil.attachment_max_mb"
ATTACHMENT_MAX_MB_DEFAULT = 10

# Many2one fields checked explicitly so that API and form callers get a ValidationError
# naming the field rather than a foreign-key error from the database.
CHECKED_RELATIONS = (
    "team_id",
    "category_id",
    "type_id",
    "user_id",
    "partner_id",
    "stage_id",
    "closure_code_id",
    "article_id",
)
# Who may read the ERP documents a ticket links to (their models' access rights).
SALE_READERS = "sales_team.group_sale_salesman,account.group_account_invoice,account.group_account_readonly"
INVOICE_READERS = "account.group_account_invoice,account.group_account_readonly"
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")
# The metric figures set on resolution and cleared by a reopen, and those set on closure.
KPI_RESOLUTION_FIELDS = (
    "kpi_resolution_hours",
    "kpi_resolution_business_hours",
    "kpi_one_touch",
    "kpi_first_contact_resolution",
)
KPI_CLOSE_FIELDS = ("kpi_close_hours", "kpi_close_business_hours")
# Writing these may be a metric's event: a stage left, a team transfer (a category change
# gives a ticket without team its category's team), a first assignment.
KPI_EVENT_FIELDS = {"stage_id", "team_id", "category_id", "user_id"}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _description = "Helpdesk Ticket"
    _inherit = [
        "portal.mixin",
        "mail.thread.cc",
        "mail.activity.mixin",
        "rating.mixin",
        "mail.tracking.duration.mixin",
    ]
    _order = "priority, id desc"
    _rec_names_search = ["reference", "name", "partner_name", "partner_email"]
    _primary_email = "partner_email"
    _mail_post_access = "read"
    _track_duration_field = "stage_id"
    _check_company_auto = True

    # Identification
    # trigram: agents search a reference by a part of it ("000123"), an ilike no btree serves
    reference = fields.Char(readonly=True, copy=False, index="trigram")
    name = fields.Char(string="Subject", required=True, tracking=True, index="trigram")
    description = fields.Html()
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
    )

    # Customer: the contact when known; name, email and phone are kept for unknown senders.
    partner_id = fields.Many2one("res.partner", string="Customer", tracking=True, index=True)
    # Precomputed (in the INSERT, like state): the duplicate lookup at creation reads them
    # from the table, which would otherwise flush a second UPDATE per new ticket.
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True, precompute=True
    )
    partner_name = fields.Char(
        string="Customer Name", compute="_compute_partner_contact", store=True, readonly=False, precompute=True
    )
    partner_email = fields.Char(
        string="Customer Email", compute="_compute_partner_contact", store=True, readonly=False, precompute=True
    )
    partner_phone = fields.Char(
        string="Customer Phone", compute="_compute_partner_contact", store=True, readonly=False, precompute=True
    )

    # Routing
    team_id = fields.Many2one(
        "helpdesk.team",
        tracking=True,
        index=True,
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        tracking=True,
        index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    category_id = fields.Many2one("helpdesk.category", tracking=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        tracking=True,
        index="btree_not_null",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="The product or service the ticket is about; team assignment by skill prefers agents skilled in it.",
    )
    support_level = fields.Selection(
        SUPPORT_LEVELS,
        default="l1",
        required=True,
        tracking=True,
        copy=False,
        help="L1 first line, L2 specialist, L3 expert: who may take the ticket when the team assigns by "
        "skill. An escalation by complexity raises it.",
    )
    type_id = fields.Many2one("helpdesk.ticket.type", tracking=True, index=True)
    tag_ids = fields.Many2many("helpdesk.tag", string="Tags")
    channel = fields.Selection(CHANNELS, default="internal", required=True, index=True, tracking=True)
    alert_source_id = fields.Many2one(
        "helpdesk.alert.source",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="Monitoring system whose alert opened the ticket.",
    )
    alert_fingerprint = fields.Char(
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="Identifies the alert within its source: repeats of the same alert are added to this ticket.",
    )
    alert_last_seen = fields.Datetime(
        readonly=True, copy=False, help="When the monitoring system last notified this alert (or pipeline failure)."
    )
    alert_repeat_count = fields.Integer(
        string="Repeats",
        readonly=True,
        copy=False,
        help="Notifications of the alert (or failing runs of the pipeline) received after the one that opened "
        "the ticket.",
    )
    alert_digest = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of what the last notification of the alert said (status, labels, annotations).",
    )

    # ITIL classification
    impact = fields.Selection(IMPACTS, default="medium", required=True, tracking=True)
    urgency = fields.Selection(URGENCIES, default="medium", required=True, tracking=True)
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        tracking=True,
        help="Proposed by the impact × urgency matrix; an agent may override it.",
    )
    priority_overridden = fields.Boolean(
        string="Priority Set Manually",
        copy=False,
        tracking=True,
        help="The priority was set by hand and no longer follows impact and urgency.",
    )
    is_urgent = fields.Boolean(compute="_compute_is_urgent", store=True, index=True, help="P1 or P2.")
    priority_from_customer = fields.Boolean(
        string="Priority Stated by the Customer",
        copy=False,
        readonly=True,
        help="Impact and urgency come from what the customer said alone (forms, email flags, urgent "
        "keywords): the priority is at most P2 unless the team allows P1. Cleared when an agent sets "
        "the impact or urgency.",
    )
    category_suggestion_ids = fields.One2many(
        "helpdesk.ticket.category.suggestion",
        "ticket_id",
        string="Suggested Categories",
        readonly=True,
        groups="helpdesk_itil.group_helpdesk_user",
        help="Categories of the most similar resolved tickets, proposed when the ticket arrived without one.",
    )
    triage_rule_id = fields.Many2one(
        "helpdesk.triage.rule",
        string="Classified by Rule",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The triage rule that matched the ticket when it was created.",
    )

    # ERP links (documents made from the ticket, invoices it is about): not locked when closed
    sale_order_ids = fields.One2many("sale.order", "helpdesk_ticket_id", string="Sales Orders", groups=SALE_READERS)
    sale_order_count = fields.Integer(string="Quotations", compute="_compute_sale_order_count", groups=SALE_READERS)
    task_ids = fields.One2many(
        "project.task", "helpdesk_ticket_id", string="Field Tasks", groups="project.group_project_user"
    )
    task_count = fields.Integer(string="Tasks", compute="_compute_task_count", groups="project.group_project_user")
    invoice_ids = fields.Many2many(
        "account.move",
        "helpdesk_ticket_account_move_rel",
        "ticket_id",
        "move_id",
        string="Invoices",
        copy=False,
        groups=INVOICE_READERS,
        domain="[('move_type', 'in', ('out_invoice', 'out_refund')),"
        " ('commercial_partner_id', '=', commercial_partner_id)]",
        help="Customer invoices and credit notes of this customer that the ticket is about.",
    )
    order_invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices of the Orders",
        compute="_compute_order_invoice_ids",
        groups=INVOICE_READERS,
        help="Invoices of the sales orders made from this ticket.",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count", groups=INVOICE_READERS)

    # Lifecycle
    stage_id = fields.Many2one(
        "helpdesk.stage",
        tracking=True,
        index=True,
        ondelete="restrict",
        copy=False,
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        precompute=True,
        group_expand="_read_group_stage_ids",
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]",
    )
    state = fields.Selection(related="stage_id.state", store=True, index=True, precompute=True)
    is_closed = fields.Boolean(compute="_compute_is_closed", store=True, index=True)
    is_locked = fields.Boolean(compute="_compute_is_locked", help="Closed ticket the current user may not edit.")
    assign_date = fields.Datetime(string="Assigned On", copy=False, readonly=True)
    first_response_date = fields.Datetime(string="First Response On", copy=False, readonly=True)
    customer_replied_date = fields.Datetime(
        string="Customer Replied On",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="When the customer wrote last, while no agent has answered since: the ticket waits on its agent.",
    )
    resolved_date = fields.Datetime(string="Resolved On", copy=False, readonly=True, index=True)
    closed_date = fields.Datetime(string="Closed On", copy=False, readonly=True, index=True)
    last_stage_update = fields.Datetime(copy=False, readonly=True, default=fields.Datetime.now)
    reopen_count = fields.Integer(string="Reopened", copy=False, readonly=True)
    resolution_note = fields.Html(copy=False, help="What was done to solve the ticket; required to resolve it.")
    closure_code_id = fields.Many2one("helpdesk.closure.code", copy=False, tracking=True, index=True)
    closure_code_key = fields.Char(related="closure_code_id.code", string="Closure Code Key")
    # The knowledge article the ticket was solved with, or that was written from its
    # resolution ("Create Article"); required with the closure code "Solved with Knowledge Article".
    article_id = fields.Many2one(
        "helpdesk.article",
        string="Knowledge Article",
        copy=False,
        tracking=True,
        index="btree_not_null",
        # Not for portal users: reading a many2one gives its title in sudo, and an
        # internal article's title must not reach them.
        groups="helpdesk_itil.group_helpdesk_user",
        help="The knowledge article that solved this ticket, or that was written from its resolution.",
    )
    # Copied from the category's checklist (helpdesk.ticket.checklist.line._sync_tickets);
    # required steps must be ticked before a person resolves the ticket.
    checklist_line_ids = fields.One2many(
        "helpdesk.ticket.checklist.line",
        "ticket_id",
        string="Checklist",
        groups="helpdesk_itil.group_helpdesk_user",
    )
    # The answers to the category's intake questions (helpdesk.ticket.answer._sync_tickets).
    answer_ids = fields.One2many(
        "helpdesk.ticket.answer",
        "ticket_id",
        string="Intake Answers",
        groups="helpdesk_itil.group_helpdesk_user",
    )
    checklist_progress = fields.Char(
        compute="_compute_checklist_progress",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Checklist steps ticked out of all steps, e.g. 3/5.",
    )
    suggested_article_ids = fields.Many2many(
        "helpdesk.article",
        string="Suggested Articles",
        compute="_compute_suggested_article_ids",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Published articles whose title resembles the subject, those of the ticket's category first.",
    )
    closure_confirmation = fields.Boolean(related="team_id.closure_confirmation")
    customer_confirmation = fields.Selection(
        CONFIRMATIONS,
        default="none",
        required=True,
        copy=False,
        tracking=True,
        help="Whether the customer confirmed the resolution.",
    )
    age_display = fields.Char(string="Age", compute="_compute_age_display")
    pending_reminder_sent = fields.Datetime(
        string="Reminder Sent On",
        copy=False,
        readonly=True,
        help="When the customer was reminded during the current pending period; cleared when the stage changes.",
    )

    # Escalation
    escalation_level = fields.Integer(
        default=0, copy=False, readonly=True, tracking=True, index=True, help="Rung of the escalation ladder reached."
    )
    escalation_log_ids = fields.One2many("helpdesk.escalation.log", "ticket_id", string="Escalations", readonly=True)
    no_response_escalation_date = fields.Datetime(
        compute="_compute_no_response_escalation_date",
        store=True,
        copy=False,
        index="btree_not_null",
        help="When the next “no first response” escalation rule is due.",
    )

    # Metrics, stamped when their event happens and never recomputed (see _kpi_*): each
    # duration from the ticket's creation, in calendar hours and in business hours of the
    # ticket's clock (_get_clock_key). Whether an event happened is its date field. No group
    # aggregate in lists: a mean would count tickets whose event has not happened as 0.
    first_resolved_date = fields.Datetime(string="First Resolved On", copy=False, readonly=True, index="btree_not_null")
    kpi_assign_hours = fields.Float(
        string="Time to Assign (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first assignment, calendar hours.",
    )
    kpi_assign_business_hours = fields.Float(
        string="Time to Assign (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first assignment, business hours.",
    )
    kpi_first_response_hours = fields.Float(
        string="Time to First Response (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first public reply of an agent, calendar hours.",
    )
    kpi_first_response_business_hours = fields.Float(
        string="Time to First Response (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first public reply of an agent, business hours.",
    )
    kpi_first_resolution_hours = fields.Float(
        string="Time to First Resolution (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first resolution, calendar hours.",
    )
    kpi_first_resolution_business_hours = fields.Float(
        string="Time to First Resolution (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the first resolution, business hours.",
    )
    kpi_resolution_hours = fields.Float(
        string="Time to Resolution (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the last resolution (Resolved On), calendar hours.",
    )
    kpi_resolution_business_hours = fields.Float(
        string="Time to Resolution (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to the last resolution (Resolved On), business hours.",
    )
    kpi_close_hours = fields.Float(
        string="Time to Close (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to closure or cancellation, calendar hours.",
    )
    kpi_close_business_hours = fields.Float(
        string="Time to Close (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Creation to closure or cancellation, business hours.",
    )
    kpi_requester_wait_hours = fields.Float(
        string="Requester Wait (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Time spent new or in progress (the customer waits on the desk), calendar hours; "
        "counted each time the ticket leaves such a stage.",
    )
    kpi_requester_wait_business_hours = fields.Float(
        string="Requester Wait (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Time spent new or in progress (the customer waits on the desk), business hours; "
        "counted each time the ticket leaves such a stage.",
    )
    kpi_agent_wait_hours = fields.Float(
        string="Agent Wait (h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Time spent pending (the desk waits on the customer), calendar hours; "
        "counted each time the ticket leaves a pending stage.",
    )
    kpi_agent_wait_business_hours = fields.Float(
        string="Agent Wait (business h)",
        default=0.0,
        copy=False,
        readonly=True,
        aggregator=None,
        help="Time spent pending (the desk waits on the customer), business hours; "
        "counted each time the ticket leaves a pending stage.",
    )
    kpi_reply_count = fields.Integer(
        string="Agent Replies", default=0, copy=False, readonly=True, help="Public replies of agents."
    )
    kpi_escalation_count = fields.Integer(
        string="Times Escalated", default=0, copy=False, readonly=True, help="Escalations, by rules and by people."
    )
    kpi_team_transfer_count = fields.Integer(
        string="Team Transfers", default=0, copy=False, readonly=True, help="Team changes after creation."
    )
    kpi_one_touch = fields.Boolean(
        string="One-Touch Resolution",
        default=False,
        copy=False,
        readonly=True,
        help="Resolved with at most one public agent reply and never reopened (set on resolution).",
    )
    kpi_first_contact_resolution = fields.Boolean(
        string="First-Contact Resolution",
        default=False,
        copy=False,
        readonly=True,
        help="Resolved by its first team, never escalated, never reopened (set on resolution).",
    )

    # Rating's field, computed before the insert: a new ticket has no rating, and rating's
    # query of the ratings of each ticket created is spared.
    rating_last_value = fields.Float(compute="_compute_rating_last_value", store=True, precompute=True)

    # SLA
    sla_ids = fields.One2many("helpdesk.ticket.sla", "ticket_id", string="SLA Lines", copy=False)
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="Nearest deadline of the SLA lines still running.",
    )
    sla_status = fields.Selection(
        SLA_TICKET_STATUSES,
        string="SLA Status",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="Worst status of the SLA lines not settled yet.",
    )
    sla_failed = fields.Boolean(
        string="SLA Failed",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="A promise of this ticket was, or is being, missed.",
    )
    # Typed links (helpdesk.ticket.link), one row per pair, listed from this ticket's side.
    link_ids = fields.Many2many(
        "helpdesk.ticket.link", string="Links", compute="_compute_link_ids", help="Links to other tickets, both ways."
    )
    link_side_ids = fields.One2many(
        "helpdesk.ticket.link.side", "ticket_id", string="Linked Tickets", help="Each link as this ticket reads it."
    )
    related_ticket_ids = fields.Many2many(
        "helpdesk.ticket",
        string="Related Tickets",
        compute="_compute_related_ticket_ids",
        inverse="_inverse_related_ticket_ids",
        search="_search_related_ticket_ids",
        help="Tickets linked to this one, whatever the type of link. Tickets added here are linked as "
        "“relates to”; tickets removed lose their link.",
    )
    # Problem management: *caused by* (helpdesk.problem); the known-error match (Assist area).
    problem_id = fields.Many2one(
        "helpdesk.problem",
        string="Caused By Problem",
        copy=False,
        tracking=True,
        index="btree_not_null",
        groups="helpdesk_itil.group_helpdesk_user",
        help="The problem (known error) behind this incident.",
    )
    problem_state = fields.Selection(
        related="problem_id.state", string="Problem State", groups="helpdesk_itil.group_helpdesk_user"
    )
    workaround_sent_date = fields.Datetime(
        string="Workaround Sent On",
        copy=False,
        readonly=True,
        groups="helpdesk_itil.group_helpdesk_user",
        help="When the known error's workaround was sent to the customer (Send Workaround).",
    )
    known_error_ids = fields.Many2many(
        "helpdesk.problem",
        string="Matching Known Errors",
        compute="_compute_known_error_ids",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Known errors whose error code the ticket's text contains, or of its category with a similar title.",
    )
    # Merge (helpdesk.ticket.merge wizard, helpdesk.ticket.merge.log audit)
    merged_into_id = fields.Many2one(
        "helpdesk.ticket",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The ticket this one was merged into: its messages, followers and documents are there now.",
    )
    merged_ticket_ids = fields.One2many("helpdesk.ticket", "merged_into_id", string="Merged Tickets", readonly=True)

    # Similarity and duplicates (helpdesk.ticket.duplicate, _find_similar_tickets)
    subject_normalized = fields.Char(
        compute="_compute_subject_normalized",
        store=True,
        precompute=True,
        index="trigram",
        help="The subject without Re:/Fwd:/[reference], lower-cased: what similar tickets are compared on.",
    )
    description_hash = fields.Char(
        compute="_compute_description_hash",
        store=True,
        precompute=True,
        help="Fingerprint of the description's words (40 characters or more): equal descriptions, equal hashes.",
    )
    partner_email_normalized = fields.Char(
        string="Normalized Customer Email",
        compute="_compute_partner_email_normalized",
        store=True,
        precompute=True,
        help="The customer's address, normalized: tickets of the same sender are compared for duplicates.",
    )
    # Computed for the current user (record rules of helpdesk.ticket.duplicate): a pair shows
    # only to who may read both tickets, whatever was read before in the same transaction.
    duplicate_pair_ids = fields.Many2many(
        "helpdesk.ticket.duplicate",
        string="Possible Duplicate Of",
        compute="_compute_duplicate_pair_ids",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Older open tickets this one may duplicate (found when it was created or by Find Duplicates).",
    )
    duplicated_by_pair_ids = fields.Many2many(
        "helpdesk.ticket.duplicate",
        string="Possible Duplicates",
        compute="_compute_duplicate_pair_ids",
        groups="helpdesk_itil.group_helpdesk_user",
        help="Newer open tickets that may duplicate this one.",
    )
    has_possible_duplicates = fields.Boolean(
        compute="_compute_duplicate_pair_ids",
        search="_search_has_possible_duplicates",
        groups="helpdesk_itil.group_helpdesk_user",
        help="An open ticket with possible duplicates that nobody dismissed yet.",
    )

    _reference_uniq = models.Constraint("unique (reference)", "Ticket references must be unique.")
    # One open (not closed, not cancelled) ticket per alert: a burst of notifications of the
    # same alert cannot open duplicates, whatever the number of concurrent requests.
    _alert_open_uniq = models.UniqueIndex(
        "(alert_source_id, alert_fingerprint) WHERE alert_fingerprint IS NOT NULL "
        "AND is_closed IS NOT TRUE AND active IS NOT FALSE",
        "This alert already has an open ticket.",
    )
    # Duplicate detection: a customer's (or a sender's) tickets of the last hours.
    _customer_create_date_idx = models.Index("(commercial_partner_id, create_date)")
    _email_create_date_idx = models.Index(
        "(partner_email_normalized, create_date) WHERE partner_email_normalized IS NOT NULL"
    )
    # The desk's screens (list, kanban, team overview) open on the open tickets, a few percent
    # of the table, in the views' order. These indexes hold them in that order (the kanban's
    # columns by stage) with every column the screens filter or group on and the record rules
    # test, so PostgreSQL answers from the index alone instead of visiting one table page per
    # open ticket. Their predicate is the "Open" filter (OPEN_STATES); test_screen_queries
    # keeps the two equal.
    _open_list_idx = models.Index(
        "(priority, id DESC) INCLUDE (stage_id, team_id, user_id, company_id, active, reference) "
        "WHERE state IN ('new', 'in_progress', 'pending')"
    )
    _open_kanban_idx = models.Index(
        "(stage_id, priority, id DESC) INCLUDE (team_id, user_id, company_id, active) "
        "WHERE state IN ('new', 'in_progress', 'pending')"
    )
    # Team overview: the counters of open tickets per team read from the index alone, and
    # each team's oldest open tickets (helpdesk.team._compute_ticket_counters).
    _team_open_create_date_idx = models.Index(
        "(team_id, create_date) INCLUDE (user_id, priority, sla_status, sla_failed, company_id, active) "
        "WHERE state IN ('new', 'in_progress', 'pending')"
    )

    @api.depends("team_id")
    def _compute_company_id(self):
        for ticket in self:
            if ticket.team_id:
                ticket.company_id = ticket.team_id.company_id
            elif not ticket.company_id:
                ticket.company_id = self.env.company

    @api.depends("partner_id")
    def _compute_partner_contact(self):
        for ticket in self:
            if ticket.partner_id:
                ticket.partner_name = ticket.partner_id.name
                ticket.partner_email = ticket.partner_id.email
                ticket.partner_phone = ticket.partner_id.phone

    @api.depends("category_id")
    def _compute_team_id(self):
        """The one rule for every channel (API, mail, portal, forms, chat): a ticket that
        names no team goes to its category's team, else to its company's default team. A
        caller that passes team_id=False explicitly keeps a ticket without team."""
        default_teams = {}
        for ticket in self:
            # A saved ticket keeps its team when its category changes.
            if ticket.team_id and ticket._origin:
                continue
            team = ticket.category_id._get_default_team() if ticket.category_id else None
            # A new ticket in the form, prefilled with the default team, follows its category.
            if ticket.team_id and not team:
                continue
            if not team:
                # company_id is computed from team_id: while it is being computed it reads
                # as empty here, and the company it gets is the environment's.
                company = ticket.company_id or self.env.company
                if company not in default_teams:
                    default_teams[company] = self.env["helpdesk.team"]._get_company_default_team(company)
                team = default_teams[company]
            ticket.team_id = team

    @api.depends("impact", "urgency", "company_id", "partner_id", "team_id", "priority_from_customer")
    def _compute_priority(self):
        matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id | self.env.company)
        for ticket in self:
            if ticket.priority_overridden and ticket.priority:
                continue
            ticket.priority = ticket._matrix_priority(matrix)

    def _matrix_priority(self, matrix, impact=None, urgency=None, partner=None, from_customer=None):
        """The priority proposed for the ticket: the impact × urgency cell, at most P2 when
        the customer alone stated impact and urgency (unless the team allows P1), then one
        level higher for customers of a gold or platinum tier. `impact`, `urgency`,
        `partner` and `from_customer` stand for values about to be written."""
        company_map = matrix.get(self.company_id.id) or matrix[self.env.company.id]
        priority = company_map[(impact or self.impact or "medium", urgency or self.urgency or "medium")]
        from_customer = self.priority_from_customer if from_customer is None else from_customer
        if from_customer and not self.team_id.customer_may_reach_p1:
            priority = max(priority, CUSTOMER_PRIORITY_CAP)
        partner = self.partner_id if partner is None else partner
        if partner.commercial_partner_id.helpdesk_tier in PRIORITY_BOOST_TIERS:
            priority = str(max(int(priority) - 1, int(PRIORITIES[0][0])))
        return priority

    @api.depends("priority")
    def _compute_is_urgent(self):
        for ticket in self:
            ticket.is_urgent = ticket.priority in URGENT_PRIORITIES

    def _compute_sale_order_count(self):
        groups = self.env["sale.order"]._read_group(
            [("helpdesk_ticket_id", "in", self.ids)], ["helpdesk_ticket_id"], ["__count"]
        )
        counts = dict(groups)
        for ticket in self:
            ticket.sale_order_count = counts.get(ticket, 0)

    def _compute_task_count(self):
        groups = self.env["project.task"]._read_group(
            [("helpdesk_ticket_id", "in", self.ids)], ["helpdesk_ticket_id"], ["__count"]
        )
        counts = dict(groups)
        for ticket in self:
            ticket.task_count = counts.get(ticket, 0)

    @api.depends("sale_order_ids.invoice_ids")
    def _compute_order_invoice_ids(self):
        # Accountants read invoices but not necessarily every order: walk the link as sudo.
        for ticket in self:
            ticket.order_invoice_ids = (
                ticket.sudo()
                .sale_order_ids.invoice_ids.filtered(lambda move: move.move_type in CUSTOMER_INVOICE_TYPES)
                .ids
            )

    @api.depends("invoice_ids", "order_invoice_ids")
    def _compute_invoice_count(self):
        for ticket in self:
            ticket.invoice_count = len(ticket.invoice_ids | ticket.order_invoice_ids)

    @api.depends("team_id")
    def _compute_stage_id(self):
        # A new ticket, or one moved to a team whose pipeline lacks its stage, starts over.
        for team, tickets in self.grouped("team_id").items():
            stages = team._get_stages()
            first = stages.filtered(lambda stage: stage.state == "new")[:1]
            for ticket in tickets:
                if not ticket.stage_id or ticket.stage_id not in stages:
                    ticket.stage_id = first

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        team_id = self.env.context.get("default_team_id")
        if team_id:
            return self.env["helpdesk.team"].browse(team_id).stage_ids | stages
        return stages.search([]) | stages

    @api.depends("checklist_line_ids.done")
    def _compute_checklist_progress(self):
        # One query for the kanban's cards; counted in sudo, the lines follow their ticket.
        counts = defaultdict(lambda: [0, 0])
        for ticket, done, count in (
            self.env["helpdesk.ticket.checklist.line"]
            .sudo()
            ._read_group([("ticket_id", "in", self._origin.ids)], ["ticket_id", "done"], ["__count"])
        ):
            counts[ticket.id][1] += count
            if done:
                counts[ticket.id][0] += count
        for ticket in self:
            done, total = counts[ticket._origin.id]
            ticket.checklist_progress = f"{done}/{total}" if total else False

    @api.depends("state")
    def _compute_is_closed(self):
        for ticket in self:
            ticket.is_closed = ticket.state in FINAL_STATES

    @api.depends("is_closed")
    @api.depends_context("uid")
    def _compute_is_locked(self):
        is_manager = self.env.user.has_group("helpdesk_itil.group_helpdesk_manager")
        for ticket in self:
            ticket.is_locked = ticket.is_closed and not is_manager

    @api.depends("create_date")
    def _compute_age_display(self):
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.create_date:
                ticket.age_display = False
                continue
            delta = now - ticket.create_date
            if delta.days:
                ticket.age_display = self.env._("%(days)sd", days=delta.days)
            else:
                ticket.age_display = self.env._("%(hours)sh", hours=delta.seconds // 3600)

    @api.depends("team_id", "escalation_level", "first_response_date")
    def _compute_no_response_escalation_date(self):
        self.env["helpdesk.escalation.rule"]._compute_no_response_dates(self)

    @api.depends("sla_ids.deadline", "sla_ids.status", "sla_ids.settled_date")
    def _compute_sla_summary(self):
        rank = {status: index for index, (status, _label) in enumerate(SLA_TICKET_STATUSES)}
        for ticket in self:
            running = ticket.sla_ids.filtered(lambda line: not line.settled_date)
            deadlines = [deadline for deadline in running.mapped("deadline") if deadline]
            ticket.sla_deadline = min(deadlines) if deadlines else False
            statuses = [status for status in running.mapped("status") if status in rank]
            ticket.sla_status = min(statuses, key=rank.get) if statuses else False
            ticket.sla_failed = "failed" in ticket.sla_ids.mapped("status")

    @api.depends("name")
    def _compute_subject_normalized(self):
        for ticket in self:
            ticket.subject_normalized = normalize_subject(ticket.name) or False

    @api.depends("description")
    def _compute_description_hash(self):
        for ticket in self:
            ticket.description_hash = description_hash(ticket.description) or False

    @api.depends("partner_email")
    def _compute_partner_email_normalized(self):
        for ticket in self:
            ticket.partner_email_normalized = email_normalize(ticket.partner_email or "") or False

    @api.depends_context("uid")
    @api.depends("name", "category_id")
    def _compute_suggested_article_ids(self):
        # For the agent on the form: published articles they may read whose title resembles
        # the subject (the ticket's category first), then the category's most viewed ones.
        Article = self.env["helpdesk.article"]
        limit = ARTICLE_SUGGESTION_LIMIT
        for ticket in self:
            if not ticket.name or ticket.is_closed:
                ticket.suggested_article_ids = False
                continue
            found = Article.browse([article.id for article, _score in Article._find_articles(ticket.name, limit=limit)])
            if ticket.category_id:
                in_category = found.filtered(lambda a, c=ticket.category_id: c in a.category_ids)
                found = in_category | found
                if len(found) < limit:
                    found |= Article.search(
                        [
                            ("state", "=", "published"),
                            ("category_ids", "in", ticket.category_id.ids),
                            ("id", "not in", found.ids),
                        ],
                        limit=limit - len(found),
                    )
            ticket.suggested_article_ids = found

    @api.depends_context("uid")
    @api.depends("name", "description", "category_id", "problem_id")
    def _compute_known_error_ids(self):
        Problem = self.env["helpdesk.problem"]
        for ticket in self:
            if ticket.problem_id or ticket.is_closed or not ticket.name:
                ticket.known_error_ids = False
            else:
                ticket.known_error_ids = Problem._match_known_errors(ticket)

    @api.depends_context("uid")
    def _compute_duplicate_pair_ids(self):
        """The pairs not dismissed whose other ticket is open, among those the current user
        may read (helpdesk.ticket.duplicate's record rules: both tickets readable)."""
        Pair = self.env["helpdesk.ticket.duplicate"]
        ids = [ticket._origin.id for ticket in self if ticket._origin.id]
        pairs = (
            Pair.search(
                Domain("dismissed", "=", False) & (Domain("ticket_id", "in", ids) | Domain("original_id", "in", ids))
            )
            if ids
            else Pair
        )
        newer, older = defaultdict(Pair.browse), defaultdict(Pair.browse)
        for pair in pairs:
            if not pair.original_id.is_closed:
                newer[pair.ticket_id.id] |= pair
            if not pair.ticket_id.is_closed:
                older[pair.original_id.id] |= pair
        for ticket in self:
            ticket.duplicate_pair_ids = newer[ticket._origin.id]
            ticket.duplicated_by_pair_ids = older[ticket._origin.id]
            ticket.has_possible_duplicates = not ticket.is_closed and bool(
                newer[ticket._origin.id] or older[ticket._origin.id]
            )

    def _search_has_possible_duplicates(self, operator, value):
        if operator != "in":
            return NotImplemented
        Pair = self.env["helpdesk.ticket.duplicate"]
        newer = Pair._search(Domain("dismissed", "=", False) & Domain("original_id.is_closed", "=", False))
        older = Pair._search(Domain("dismissed", "=", False) & Domain("ticket_id.is_closed", "=", False))
        return Domain("is_closed", "=", False) & (
            Domain("id", "any!", newer.subselect("ticket_id")) | Domain("id", "any!", older.subselect("original_id"))
        )

    def _compute_link_ids(self):
        ids = [ticket._origin.id for ticket in self if ticket._origin.id]
        Link = self.env["helpdesk.ticket.link"]
        links = Link.search(Domain("ticket_id", "in", ids) | Domain("target_id", "in", ids)) if ids else Link
        by_ticket = defaultdict(Link.browse)
        for link in links:
            by_ticket[link.ticket_id.id] |= link
            by_ticket[link.target_id.id] |= link
        for ticket in self:
            ticket.link_ids = by_ticket[ticket._origin.id]

    @api.depends("link_ids")
    def _compute_related_ticket_ids(self):
        for ticket in self:
            ticket.related_ticket_ids = (ticket.link_ids.ticket_id | ticket.link_ids.target_id) - ticket._origin

    def _inverse_related_ticket_ids(self):
        """Tickets added are linked as "relates to" (a pair already linked keeps its link);
        tickets removed lose their link, whatever its type."""
        Link = self.env["helpdesk.ticket.link"]
        # Read first: changing links invalidates the field.
        wanted = {ticket: ticket.related_ticket_ids for ticket in self}
        for ticket in self:
            links = Link.search(Domain("ticket_id", "=", ticket.id) | Domain("target_id", "=", ticket.id))
            linked = {link: (link.ticket_id | link.target_id) - ticket for link in links}
            Link.browse(link.id for link, other in linked.items() if other not in wanted[ticket]).unlink()
            known = self.browse().union(*linked.values())
            added = wanted[ticket] - known
            if added:
                Link.create([{"ticket_id": ticket.id, "target_id": other.id} for other in added])
        self.invalidate_recordset(["link_ids", "related_ticket_ids"])

    def _search_related_ticket_ids(self, operator, value):
        if operator not in ("in", "any"):
            return NotImplemented
        others = self.search(value if operator == "any" else Domain("id", "in", value))
        Link = self.env["helpdesk.ticket.link"]
        return Domain(
            "id", "any!", Link._search(Domain("target_id", "in", others.ids)).subselect("ticket_id")
        ) | Domain("id", "any!", Link._search(Domain("ticket_id", "in", others.ids)).subselect("target_id"))

    def _compute_access_url(self):
        # Every ticket has its page: portal.mixin's default ("#") is not needed.
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.reference} - {ticket.name}" if ticket.reference else ticket.name

    @api.constrains("invoice_ids")
    def _check_invoice_ids(self):
        for ticket in self.sudo():
            wrong = ticket.invoice_ids.filtered(
                lambda move, ticket=ticket: (
                    move.move_type not in CUSTOMER_INVOICE_TYPES
                    or move.commercial_partner_id != ticket.commercial_partner_id
                )
            )
            if wrong:
                raise ValidationError(
                    self.env._(
                        "%(ticket)s can only reference customer invoices and credit notes of its customer "
                        "(%(customer)s); not %(moves)s.",
                        ticket=ticket.reference or ticket.name,
                        customer=ticket.commercial_partner_id.display_name or self.env._("no customer set"),
                        moves=", ".join(wrong.mapped("display_name")),
                    )
                )

    @api.onchange("category_id")
    def _onchange_category_id_intake(self):
        """Backend form: a new category brings its description template, only into an empty
        description or one that is still a category's template (never over the agent's
        text), and a line for each of its intake questions for the agent to fill in."""
        Answer = self.env["helpdesk.ticket.answer"]
        for ticket in self:
            if ticket._description_is_untouched():
                template = ticket.category_id.description_template
                ticket.description = False if is_html_empty(template) else template
            stale, rows = Answer._lines_to_update(ticket.answer_ids, ticket.category_id)
            if stale or rows:
                ticket.answer_ids = [Command.unlink(line.id) for line in stale] + [Command.create(row) for row in rows]

    def _description_is_untouched(self):
        """Whether the description is empty or still exactly a category's template."""
        self.ensure_one()

        def plain(html):
            return " ".join(html2plaintext(html or "").split())

        text = plain(self.description)
        if not text:
            return True
        categories = (
            self.env["helpdesk.category"]
            .sudo()
            .with_context(active_test=False)
            .search([("description_template", "!=", False)])
        )
        return any(plain(category.description_template) == text for category in categories)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        # `answers`: {question key: value} for the category's intake questions (API, forms).
        answers_list = [vals.pop("answers", None) for vals in vals_list]
        self._check_input(vals_list, creating=True)
        # Triage rules and the customer's urgency (the team is the one the ticket is given or
        # will get by default); the priority follows from impact and urgency in super().
        triage_notes = self.env["helpdesk.triage.rule"]._triage(vals_list)
        self._intake_answers_to_values(vals_list, answers_list)
        for vals in vals_list:
            if vals.get("user_id"):
                vals["assign_date"] = now
            if not vals.get("reference"):
                vals["reference"] = self._next_reference()
        # Followers (creator, customer, assignee) are added once for the batch, after the
        # auto-assignment, by _subscribe_on_create: mail would look them up and insert them
        # ticket by ticket, and again for the assignee the auto-assignment writes. Mail's
        # "you have been assigned" to an assignee given here waits for the agent notices
        # (helpdesk.notice._queue_created): within the minute, one message for a burst.
        creator = self._creator_to_subscribe()
        # Mail posts each creation message before those followers are added: unless the
        # values bring followers or a subtype's relation field subscribes some, nobody
        # follows the new tickets yet, and neither mail's lookup of followers to notify nor
        # _subscribe_on_create's of followers already there is needed.
        unfollowed = not self._relation_subscription_fields() and not any(
            vals.get("message_follower_ids") for vals in vals_list
        )
        tickets = super(
            HelpdeskTicket,
            self.with_context(
                mail_create_nosubscribe=True,
                helpdesk_assignment_queued=True,
                helpdesk_followers_on_create=True,
                helpdesk_unfollowed=unfollowed,
            ),
        ).create(vals_list)
        tickets = tickets.with_env(self.env)
        # A priority given at creation that differs from the matrix is an override.
        with_priority = [(t, v) for t, v in zip(tickets, vals_list, strict=True) if "priority" in v]
        if with_priority:
            companies = self.env["res.company"].union(*(t.company_id for t, _v in with_priority))
            matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(companies)
            overridden = self.browse(
                t.id
                for t, v in with_priority
                if not v.get("priority_overridden") and v["priority"] != t._matrix_priority(matrix)
            )
            if overridden:
                overridden._write_stamps({"priority_overridden": True})
        for ticket, note in zip(tickets, triage_notes, strict=True):
            if note:
                ticket._message_log(body=note)
        # The category (given or set by triage) gives the ticket its resolution checklist; not
        # to a ticket born resolved, closed or cancelled (an import records work already done).
        self.env["helpdesk.ticket.checklist.line"]._sync_tickets(
            tickets.filtered(lambda t: t.category_id and t.state in OPEN_STATES),
            new=not any(vals.get("checklist_line_ids") for vals in vals_list),
        )
        # Every question of the category gets a line, empty when nobody answered it yet.
        self.env["helpdesk.ticket.answer"]._sync_tickets(tickets.filtered("category_id"), new=True)
        tickets._check_resolution_requirements()
        self.env["helpdesk.ticket.duplicate"]._detect(tickets)
        assigned_by_creator = tickets.filtered("user_id")
        self.env["helpdesk.ticket.category.suggestion"]._suggest(tickets)
        tickets.with_context(helpdesk_followers_on_create=True)._auto_assign()
        tickets._subscribe_on_create(creator, followed=not unfollowed)
        tickets._stamp_missing_state_dates(now)
        self.env["helpdesk.ticket.sla"]._sync_tickets(tickets, rematch_tickets=tickets, now=now, created=True)
        tickets._kpi_on_create(now)
        self.env["helpdesk.notice"]._queue_created(
            tickets, tickets.filtered("user_id") - assigned_by_creator, assigned_by_creator
        )
        self.env["helpdesk.escalation.rule"]._fire_on_priority(tickets)
        # Not for data files and imports; message_new acknowledges once the email is posted.
        if not any(self.env.context.get(key) for key in ("helpdesk_no_acknowledgement", "install_mode", "import_file")):
            tickets._send_acknowledgement()
        return tickets

    def write(self, vals):
        self._fetch_move_stages(vals)
        self._check_input([vals], creating=False)
        vals = self._agent_assessment(vals)
        self._check_closed_lock(vals)
        if vals.get("stage_id"):
            self._check_closure_allowed(self.env["helpdesk.stage"].browse(vals["stage_id"]))
        if {"stage_id", "resolution_note", "closure_code_id", "article_id"}.intersection(vals):
            self._check_resolution_requirements(vals)
        now = fields.Datetime.now()
        if "priority" in vals and "priority_overridden" not in vals and not self.env.context.get("matrix_priority"):
            matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id)
            impact, urgency = vals.get("impact"), vals.get("urgency")
            partner = self.env["res.partner"].browse(vals["partner_id"]) if "partner_id" in vals else None
            from_customer = vals.get("priority_from_customer")
            overridden = {
                ticket: vals["priority"] != ticket._matrix_priority(matrix, impact, urgency, partner, from_customer)
                for ticket in self
            }
        else:
            overridden = None
        if vals.get("stage_id"):
            vals["last_stage_update"] = now
            vals.setdefault("pending_reminder_sent", False)
            new_state = self.env["helpdesk.stage"].browse(vals["stage_id"]).state
            reopened = self.filtered(lambda t: t.state in DONE_STATES) if new_state in OPEN_STATES else self.browse()
            previous_states = {ticket: ticket.stage_id for ticket in reopened}
            entering = self.filtered(lambda t: t.state != new_state)
            resolving = (
                self.filtered(lambda t: t.state not in RESOLUTION_STATES)
                if new_state in RESOLUTION_STATES
                else self.browse()
            )
        else:
            reopened, previous_states, entering, resolving = self.browse(), {}, self.browse(), self.browse()
        if vals.get("user_id"):
            unassigned = self.filtered(lambda t: not t.user_id)
        else:
            unassigned = self.browse()
        # Reclassification re-runs triage (see _retriage).
        priority_before = {t.id: t.priority for t in self} if PRIORITY_FIELDS.intersection(vals) else None
        team_before = {t.id: t.team_id for t in self} if "team_id" in vals and "user_id" not in vals else None
        kpi_before = self._kpi_snapshot(vals)
        articles_before = self.sudo().article_id
        linking = (
            self.filtered(lambda t: t.sudo().problem_id.id != vals["problem_id"]) if vals.get("problem_id") else None
        )

        result = super().write(vals)

        if overridden is not None:
            for flag in (True, False):
                tickets = self.filtered(lambda t, flag=flag: overridden[t] is flag)
                if tickets:
                    tickets._write_stamps({"priority_overridden": flag})
        if unassigned:
            unassigned._write_stamps({"assign_date": now})
        if "stage_id" in vals:
            self._apply_state_dates(now)
            if reopened:
                reopened._register_reopen(previous_states)
            if entering:
                entering._on_state_entered(new_state)
        self._kpi_stamp(kpi_before, now)
        self.env["helpdesk.ticket.category.suggestion"]._on_ticket_write(self, vals)
        self._checklist_after_write(vals, resolving)
        self._stamp_article_counts(vals, articles_before)
        if vals.get("partner_id"):
            self._message_subscribe(partner_ids=[vals["partner_id"]])
        if linking:
            self.env["helpdesk.problem"].browse(vals["problem_id"])._on_incidents_linked(linking)
        self._sync_sla_after_write(vals, reopened, now)
        if priority_before is not None or team_before is not None:
            self._retriage(priority_before, team_before)
        return result

    def _agent_assessment(self, vals):
        """Values to write: an agent who sets the impact or urgency has assessed the request,
        so the customer's priority cap (priority_from_customer) no longer applies."""
        if {"impact", "urgency"}.intersection(vals) and not self.env.user.share and not self.env.su:
            return dict(vals, priority_from_customer=vals.get("priority_from_customer", False))
        return vals

    def _checklist_after_write(self, vals, resolving):
        """After a write: a new category brings its checklist and its intake questions; the
        tickets that were just resolved (`resolving`) get their checklist, as it was, in the
        history."""
        Line = self.env["helpdesk.ticket.checklist.line"]
        if "category_id" in vals:
            Line._sync_tickets(self)
            self.env["helpdesk.ticket.answer"]._sync_tickets(self)
        if resolving:
            Line._note_resolution(resolving, self._is_system_transition())

    @api.model
    def _intake_answers_to_values(self, vals_list, answers_list):
        """`answers` given at creation ({question key: value}, after triage has settled the
        category): checked like the web form does (unknown question, missing required
        answer, value not among the choices) and stored as answer lines; a ValidationError
        naming each problem otherwise, before anything is created."""
        for vals, answers in zip(vals_list, answers_list, strict=True):
            if answers is None:
                continue
            if not isinstance(answers, dict):
                raise ValidationError(
                    self.env._('“answers” must map question keys to answers, e.g. {"serial_number": "SN-1"}.')
                )
            category = self.env["helpdesk.category"].sudo().browse(vals.get("category_id") or ())
            rows, errors = category._intake_answer_rows(answers)
            if errors:
                raise ValidationError(category._intake_error_message(errors))
            vals["answer_ids"] = list(vals.get("answer_ids") or []) + [Command.create(row) for row in rows]

    def _intake_answers_from_reply(self, body):
        """A customer's email reply to the acknowledgement's questions: lines
        ``Question: answer`` fill the ticket's empty intake answers (never one already
        given), each checked like any channel's (a refused answer stays in the email only);
        a note says which answers were taken. Closed tickets keep their content."""
        for ticket in self.sudo().filtered(lambda t: not t.is_closed):
            empty = ticket.answer_ids.filtered(lambda a: a.field_id and not (a.value or "").strip())
            if not empty:
                continue
            lang = ticket.partner_id.lang or self.env.lang
            questions = {
                answer.name: (answer.label, answer.field_id.label, answer.field_id.with_context(lang=lang).label)
                for answer in empty
            }
            found = intake_reply.answers_from_text(html2plaintext(body or ""), questions)
            if not found:
                continue
            _rows, errors = ticket.category_id._intake_answer_rows(found, check_required=False)
            taken = empty.filtered(lambda a, found=found, errors=errors: a.name in found and a.name not in errors)
            for answer in taken:
                answer.value = found[answer.name]
            if taken:
                ticket._message_log(
                    body=self.env._(
                        "Intake answers taken from the customer's reply: %(questions)s.",
                        questions=", ".join(taken.mapped("label")),
                    )
                )

    def _intake_missing_answers(self):
        """The required questions of the ticket's category nobody answered yet."""
        self.ensure_one()
        return self.sudo().answer_ids.filtered(lambda a: a.required and not (a.value or "").strip())

    def _stamp_article_counts(self, vals, articles_before):
        """After a write that may resolve a ticket with a knowledge article or change its
        article: the articles' “tickets solved” counters, before and after."""
        if {"stage_id", "closure_code_id", "article_id"}.intersection(vals):
            (self.sudo().article_id | articles_before)._stamp_ticket_solved_count()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if self.filtered("is_closed") and not self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            raise UserError(self.env._("Closed tickets are kept for history; only a helpdesk manager can delete them."))

    @api.model
    def _fetch_move_stages(self, vals):
        """The stages a move leaves and enters are read by the checks, the state dates and
        mail's tracking: those not in cache are fetched in one query, which also tells
        _check_relations that the new one exists (a missing one is still refused there)."""
        if not (vals.get("stage_id") and isinstance(vals["stage_id"], int)):
            return
        stages = self.sudo().stage_id | self.env["helpdesk.stage"].sudo().browse(vals["stage_id"])
        stages.browse([stage.id for stage in stages if "write_date" not in stage._cache]).fetch()

    def _check_input(self, vals_list, creating):
        """Reject bad values with a message that names the field (forms, API, mail).

        Takes the whole batch so that referenced records are checked with one query per
        model, not one per ticket and field.
        """
        for vals in vals_list:
            self._check_values(vals, creating)
        self._check_relations(vals_list)

    @api.model
    def _check_values(self, vals, creating):
        unknown = sorted(fname for fname in vals if fname not in self._fields)
        if unknown:
            raise ValidationError(
                self.env._("Tickets have no field %(fields)s.", fields=", ".join(f"“{f}”" for f in unknown))
            )
        if creating or "name" in vals:
            if not (vals.get("name") or "").strip():
                raise ValidationError(self.env._("A ticket needs a subject."))
        for fname in ("impact", "urgency", "priority", "channel", "customer_confirmation"):
            if vals.get(fname) and vals[fname] not in dict(self._fields[fname].selection):
                field = self._fields[fname]
                raise ValidationError(
                    self.env._(
                        "“%(value)s” is not a valid %(field)s. Use one of: %(allowed)s.",
                        value=vals[fname],
                        field=field.string,
                        allowed=", ".join(key for key, _label in field.selection),
                    )
                )

    @api.model
    def _check_relations(self, vals_list):
        """Referenced records must exist: a clear message instead of a foreign key error.

        One query for every relation of the batch (a UNION of primary-key lookups), not one
        per field: the single-ticket paths (a form, an email, an API call) pay it once. Records
        this transaction has already read or created (in the record cache) are known to exist
        and not looked up: the email path's team and the contact made for its sender cost
        nothing.
        """
        given = {}
        for fname in CHECKED_RELATIONS:
            values = [vals[fname] for vals in vals_list if vals.get(fname)]
            if not values:
                continue
            wrong = [value for value in values if not isinstance(value, int)]
            if wrong:
                raise ValidationError(
                    self.env._("%(field)s %(value)s does not exist.", field=self._fields[fname].string, value=wrong[0])
                )
            comodel = self.env[self._fields[fname].comodel_name]
            unknown = sorted(value for value in set(values) if "write_date" not in comodel.browse(value)._cache)
            if unknown:
                given[fname] = unknown
        if not given:
            return
        found = defaultdict(set)
        query = SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s, id FROM %s WHERE id = ANY(%s)",
                fname,
                SQL.identifier(self.env[self._fields[fname].comodel_name]._table),
                ids,
            )
            for fname, ids in given.items()
        )
        for fname, record_id in self.env.execute_query(query):
            found[fname].add(record_id)
        for fname, ids in given.items():
            wrong = [record_id for record_id in ids if record_id not in found[fname]]
            if wrong:
                raise ValidationError(
                    self.env._("%(field)s %(value)s does not exist.", field=self._fields[fname].string, value=wrong[0])
                )

    def _check_closed_lock(self, vals):
        if self.env.su or not LOCKED_WHEN_CLOSED.intersection(vals):
            return
        if self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            return
        closed = self.filtered("is_closed")
        if closed:
            raise UserError(
                self.env._(
                    "%(tickets)s is closed: its content is read-only. Ask a helpdesk manager to reopen it.",
                    tickets=", ".join(closed.mapped("reference")),
                )
            )

    def _check_closure_allowed(self, stage):
        """Where the team needs the customer's confirmation, agents resolve and only the
        customer, the auto-close timer, a system closure or a manager with a written reason
        (Close wizard) close: all of them write in superuser mode, saying how."""
        if stage.state != "closed":
            return
        closing = self.filtered(lambda t: t.state != "closed" and t.team_id.closure_confirmation)
        if not closing or (self.env.su and self.env.context.get("helpdesk_closure") in CLOSURE_ORIGINS):
            return
        raise UserError(
            self.env._(
                "%(tickets)s: closing needs the customer's confirmation. Resolve the ticket instead: the "
                "customer confirms it (portal or email), or it closes by itself when the team's waiting "
                "period is over. A helpdesk manager can close it now with a reason (Close button).",
                tickets=", ".join(closing.mapped(lambda t: t.reference or t.name)),
            )
        )

    def _check_resolution_requirements(self, vals=None):
        """Resolving needs a resolution note and a closure code; a person resolving also
        needs the required steps of the checklist ticked (the system skips them and
        _note_resolution says so).

        With `vals`, checks the tickets as they would be after writing them, so that a
        refused write changes nothing.
        """
        vals = vals or {}
        stage = self.env["helpdesk.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        for ticket in self:
            state = stage.state if stage else ticket.state
            if state not in RESOLUTION_STATES:
                continue
            note = vals["resolution_note"] if "resolution_note" in vals else ticket.resolution_note
            code = vals["closure_code_id"] if "closure_code_id" in vals else ticket.closure_code_id
            missing = []
            if not html2plaintext(note or "").strip():
                missing.append(self._fields["resolution_note"].string)
            if not code:
                missing.append(self._fields["closure_code_id"].string)
            elif self.env["helpdesk.closure.code"].browse(int(code)).code == KNOWLEDGE_CLOSURE_CODE:
                article = vals["article_id"] if "article_id" in vals else ticket.sudo().article_id
                if not article:
                    missing.append(self._fields["article_id"].string)
            if missing:
                raise ValidationError(
                    self.env._(
                        "To resolve %(ticket)s, fill in: %(fields)s.",
                        ticket=ticket.reference or ticket.name,
                        fields=", ".join(missing),
                    )
                )
        if stage and stage.state in RESOLUTION_STATES and not self._is_system_transition():
            resolving = self.filtered(lambda t: t.state not in RESOLUTION_STATES)
            if resolving:
                self.env["helpdesk.ticket.checklist.line"]._check_resolvable(resolving, vals.get("checklist_line_ids"))

    def _write_stamps(self, vals):
        """Write what the ticket records about itself (dates, counters, flags) without the
        checks and side effects of write(): those ran for the change that caused it."""
        return super().write(vals)

    def _retriage(self, priority_before, team_before):
        """Reclassification re-runs triage: a ticket moved to a team whose members do not
        include its assignee is reassigned by that team's method (unassigned on a manual
        team); a priority raised after creation fires the priority escalation rules (each
        once per ticket and level). `priority_before`, `team_before`: {ticket id: value}."""
        if team_before:
            moved = self.filtered(lambda t: t.team_id != team_before[t.id] and t.user_id not in t.team_id.member_ids)
            for team, tickets in moved.grouped("team_id").items():
                users = team._pick_assignees(len(tickets), tickets) if team else [self.env["res.users"]] * len(tickets)
                for ticket, user in zip(tickets, users, strict=True):
                    ticket.user_id = user
        if priority_before:
            raised = self.filtered(lambda t: t.state in OPEN_STATES and t.priority < (priority_before[t.id] or "9"))
            if raised:
                self.env["helpdesk.escalation.rule"]._fire_on_priority(raised)

    def _sync_sla_after_write(self, vals, reopened, now):
        """Once per batch: new policies start, others are cancelled, clocks pause, resume
        or settle with the new stage; a reopen starts a new resolution line."""
        rematch = SLA_MATCH_FIELDS.intersection(vals)
        if rematch or "stage_id" in vals:
            self.env["helpdesk.ticket.sla"]._sync_tickets(self, rematch_tickets=self if rematch else reopened, now=now)

    def _apply_state_dates(self, now):
        """Stamp resolution and closure dates; clear them when a ticket opens again."""
        for state, values in (
            ("resolved", {"resolved_date": now, "closed_date": False}),
            ("closed", {"closed_date": now}),
            ("cancelled", {"closed_date": now}),
        ):
            tickets = self.filtered(lambda t, state=state: t.state == state)
            if state == "closed":
                # Closed straight from an open stage: it was resolved at the same moment.
                unresolved = tickets.filtered(lambda t: not t.resolved_date)
                if unresolved:
                    unresolved._write_stamps({"resolved_date": now})
            if tickets:
                tickets._write_stamps(values)
        reopened = self.filtered(lambda t: t.state in OPEN_STATES and (t.resolved_date or t.closed_date))
        if reopened:
            reopened._write_stamps({"resolved_date": False, "closed_date": False})

    def _stamp_missing_state_dates(self, now):
        """At creation, date tickets born resolved or closed; given dates (imports) are kept."""
        unresolved = self.filtered(lambda t: t.state in RESOLUTION_STATES and not t.resolved_date)
        if unresolved:
            unresolved._write_stamps({"resolved_date": now})
        unclosed = self.filtered(lambda t: t.state in FINAL_STATES and not t.closed_date)
        if unclosed:
            unclosed._write_stamps({"closed_date": now})

    def _register_reopen(self, previous_stages):
        # A customer who rejects a resolution in the portal reopens it (maybe with a
        # share link, as the public user): the log names them.
        if self.env.context.get("helpdesk_unmerge"):
            return  # an unmerge gives a merged ticket back: it was never solved, not a reopen
        reopened_by = self.env.context.get("helpdesk_reopened_by") or self.env.user.name
        for ticket in self:
            ticket._write_stamps({"reopen_count": ticket.reopen_count + 1, "customer_confirmation": "none"})
            ticket.message_post(
                body=self.env._(
                    "Ticket reopened by %(user)s (was %(stage)s).",
                    user=reopened_by,
                    stage=previous_stages[ticket].name,
                ),
                subtype_xmlid="helpdesk_itil.mt_ticket_reopened",
            )

    def _on_state_entered(self, state):
        """Side effects of tickets arriving in ITIL `state` (they were in another one)."""
        if state == "resolved":
            # A new resolution waits for a new answer (an earlier one may have been "rejected").
            answered = self.filtered(lambda t: t.customer_confirmation != "none")
            if answered:
                answered._write_stamps({"customer_confirmation": "none"})
            self._send_resolution_request()
        elif state == "closed":
            self._send_rating_request()

    def _support_level_covered(self, user):
        """Whether `user` works at this ticket's support level or above."""
        self.ensure_one()
        order = [level for level, _label in SUPPORT_LEVELS]
        reached = user.sudo().helpdesk_support_level
        return bool(user) and order.index(reached or "l1") >= order.index(self.support_level or "l1")

    def _auto_assign(self):
        """Give unassigned tickets an assignee by their team's assignment method."""
        unassigned = self.filtered(lambda t: not t.user_id and t.team_id and t.team_id.assignment_method != "manual")
        now = fields.Datetime.now()
        tickets_by_user = defaultdict(lambda: self.browse())
        for team in unassigned.team_id:
            team_tickets = unassigned.filtered(lambda t, team=team: t.team_id == team)
            for ticket, user in zip(team_tickets, team._pick_assignees(len(team_tickets), team_tickets), strict=True):
                if user:
                    tickets_by_user[user] |= ticket
        # One write per assignee. No "assigned to you" email per ticket: a burst of alerts
        # would flood the agents; they follow their tickets and see them in "My Tickets".
        for user, tickets in tickets_by_user.items():
            tickets.with_context(mail_auto_subscribe_no_notify=True)._write_stamps(
                {"user_id": user.id, "assign_date": now}
            )

    def _creator_to_subscribe(self):
        """The partner mail.thread's create() would subscribe: the current user, when
        active and internal, unless the caller turned subscription or tracking off."""
        user = self.env.user
        if any(self.env.context.get(key) for key in ("mail_create_nosubscribe", "tracking_disable")):
            return self.env["res.partner"]
        return user.partner_id if user.active and not user.share else self.env["res.partner"]

    def _subscribe_on_create(self, creator, followed=True):
        """The followers of new tickets, in one check and one insert for the batch: each
        ticket is followed by its creator (`creator`, a partner or nothing, see
        _creator_to_subscribe) and its assignee with the default subtypes, and by its own
        customer (never by the batch's other customers) with the customer's default
        subtypes. This is mail's subscription of the creator and of the assignee on create
        and on the auto-assignment's write, which create() turns off
        (``helpdesk_followers_on_create``, see _message_auto_subscribe); with
        ``tracking_disable``, as in mail, only the customers follow. `followed`: the tickets
        may already have followers (given in the values, or by a subtype's relation field);
        if not, there are none to look up."""
        quiet = self.env.context.get("tracking_disable")
        tickets = self.filtered(lambda t: t.partner_id or creator or (t.user_id and not quiet))
        if not tickets:
            return
        Followers = self.env["mail.followers"].sudo()
        assignees = self.env["res.partner"] if quiet else tickets.user_id.partner_id
        candidates = tickets.partner_id | creator | assignees
        following = {
            (res_id, partner_id)
            for _fid, res_id, partner_id, _sids in (
                Followers._get_subscription_data([(self._name, tickets.ids)], candidates.ids) if followed else ()
            )
        }
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(self._name)
        vals_list = []
        for ticket in tickets:
            wanted = {creator: default} if creator else {}
            if ticket.user_id.active and not quiet:
                wanted.setdefault(ticket.user_id.partner_id, default)
            if ticket.partner_id:
                wanted.setdefault(ticket.partner_id, external if ticket.partner_id.partner_share else default)
            vals_list += [
                {
                    "res_model": self._name,
                    "res_id": ticket.id,
                    "partner_id": partner.id,
                    "subtype_ids": [Command.set(subtypes.ids)],
                }
                for partner, subtypes in wanted.items()
                if (ticket.id, partner.id) not in following
            ]
        if vals_list:
            Followers.with_context(default_partner_id=False).create(vals_list)

    def _message_auto_subscribe(self, updated_values, followers_existing_policy="skip"):
        # While create() runs, _subscribe_on_create adds the creator, customer and assignee
        # for the batch. Left to mail: the followers of a parent record through a
        # subtype's relation field (none ships with the helpdesk, see the subtypes' data),
        # subscribed before the creation message as mail does.
        if self.env.context.get("helpdesk_followers_on_create"):
            fnames = self._relation_subscription_fields()
            updated_values = {fname: value for fname, value in updated_values.items() if fname in fnames and value}
            if not updated_values:
                return True
        return super()._message_auto_subscribe(updated_values, followers_existing_policy=followers_existing_policy)

    @api.model
    def _relation_subscription_fields(self):
        """The ticket fields through which mail subscribes the followers of a parent record
        (subtypes with a relation field; cached by mail)."""
        relation = self.env["mail.message.subtype"]._get_auto_subscription_subtypes(self._name)[4]
        return {fname for fnames in relation.values() for fname in fnames}

    # ------------------------------------------------------------------
    # Mail, portal and rating mixins
    # ------------------------------------------------------------------

    def _search_message_partner_ids(self, operator, operand):
        """Followers as ``id = ANY(ARRAY(followed ids))`` instead of mail's ``id IN (subquery)``.

        The record rules of users and portal users OR "follows the ticket" with indexed
        conditions (team, assignee, customer). PostgreSQL cannot use an index for an ``IN``
        subquery inside an OR and checks it row by row over the whole table; the array is
        computed once and looked up in the primary key, so the OR becomes a union of index scans.
        """
        domain = super()._search_message_partner_ids(operator, operand)
        if domain is NotImplemented:
            return domain
        [(_field, _operator, followed)] = domain
        return Domain.custom(
            to_sql=lambda model, alias, query: SQL(
                "%s = ANY(ARRAY(%s))", model._field_to_sql(alias, "id", query), followed
            )
        )

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        values = dict(custom_values or {})
        # A reply to a closed ticket (see _follow_up_values): the new ticket follows it up.
        follow_up_of = self.browse(values.pop(FOLLOW_UP_KEY, None) or []).sudo()
        team_id = values.get("team_id")
        team = self.env["helpdesk.team"].browse(team_id if isinstance(team_id, int) else [])
        values.setdefault("channel", "email")
        values.setdefault("name", (msg_dict.get("subject") or "").strip() or self.env._("(no subject)"))
        # Importance / X-Priority / Priority headers, read by mail_thread._message_route_process.
        if self.env.context.get("helpdesk_mail_urgency"):
            values.setdefault("urgency", self.env.context["helpdesk_mail_urgency"])
        if msg_dict.get("body") and not values.get("description"):
            values["description"] = msg_dict["body"]
        email_from = msg_dict.get("email_from") or ""
        _name, email = parse_contact_from_email(email_from)
        requester_email = email or email_from
        if not values.get("partner_id"):
            author = self.env["res.partner"].browse(msg_dict.get("author_id"))
            forwarded_from = self._forwarded_sender(msg_dict) if self._author_role(author) == "agent" else ""
            if forwarded_from:
                # An agent forwarded a customer's email to the desk: the customer is the
                # requester (and gets the acknowledgement); the agent stays the author.
                values.update(self._intake_customer_values(forwarded_from, team))
                requester_email = parse_contact_from_email(forwarded_from)[1]
            elif author:
                values["partner_id"] = author.id
            else:
                values.update(self._intake_customer_values(email_from, team))
        if values.get("partner_id") and not msg_dict.get("author_id"):
            partner = self.env["res.partner"].browse(values["partner_id"])
            if email and partner.email_normalized == email_normalize(email):
                msg_dict["author_id"] = partner.id
        # The acknowledgement goes out once the email is posted (_message_post_after_hook),
        # so that it threads with the customer's email and skips automated senders. Created
        # here rather than by super(): see _message_new_values.
        ticket = self.with_context(helpdesk_no_acknowledgement=True).create(
            self._message_new_values(dict(msg_dict, email_from=requester_email), values)
        )
        ticket._mail_gateway_subscribe_cc(msg_dict)
        if follow_up_of:
            self.env["helpdesk.ticket.link"].sudo().create(
                {"ticket_id": ticket.id, "target_id": follow_up_of.id, "link_type": "follow_up_of"}
            )
        for closed in follow_up_of:
            closed.message_post(
                body=Markup(self.env._("The customer replied after closure: follow-up ticket %s."))
                % ticket._get_html_link(title=ticket.reference),
                subtype_xmlid="mail.mt_note",
            )
            ticket.message_post(
                body=Markup(self.env._("Follow-up of the closed ticket %s."))
                % closed._get_html_link(title=closed.reference),
                subtype_xmlid="mail.mt_note",
            )
        return ticket

    @api.model
    def _message_new_values(self, msg_dict, values):
        """The new ticket's values as mail.thread.cc's and mail.thread's message_new() would
        give them to create(): the CC'd addresses, then `values`, the name from the subject
        if none, the sender's address in the ticket's (partner_email). Without their
        fields_get() of every field of the ticket (some 10 ms an email), made only to see
        whether the model has a name field. test_mail_gateway checks that no other
        message_new() sits between this model's and mail.thread's."""
        data = {"email_cc": ", ".join(self._mail_cc_sanitized_raw_dict(msg_dict.get("cc")).values())}
        data.update(values)
        if not data.get("name"):
            data["name"] = msg_dict.get("subject", "")
        primary_email = self._mail_get_primary_email_field()
        if primary_email and msg_dict.get("email_from"):
            data[primary_email] = msg_dict["email_from"]
        return data

    def message_update(self, msg_dict, update_vals=None):
        self._mail_gateway_subscribe_cc(msg_dict)
        result = super().message_update(msg_dict, update_vals=update_vals)
        if not self.env.context.get("helpdesk_automated_email"):
            author = self._mail_gateway_author(msg_dict)
            if self._author_role(author) == "customer":
                name = author.name or parse_contact_from_email(msg_dict.get("email_from") or "")[0]
                self.with_context(helpdesk_reopened_by=name or msg_dict.get("email_from"))._customer_replied()
                self._intake_answers_from_reply(msg_dict.get("body"))
        return result

    def message_post(self, **kwargs):
        # Customers (portal, or public with a share link) reply with something to read.
        if (
            self.env.user.share
            and not kwargs.get("rating_id")
            and not kwargs.get("attachment_ids")
            and is_html_empty(kwargs.get("body"))
        ):
            raise UserError(self.env._("Your reply is empty: write a message or attach a file."))
        if len(self) == 1 and self.merged_into_id and self._merge_follows_message(kwargs):
            # A customer's reply on a merged ticket (portal, or an old link) goes where the
            # work goes on; notes and system messages stay.
            return self._merge_destination().message_post(**kwargs)
        if (
            self.env.context.get("helpdesk_followers_on_create")
            and not kwargs.get("parent_id")
            and kwargs.get("subtype_id") == self._creation_subtype().id
        ):
            # Mail's creation message, posted while create() runs: the ticket's first
            # message, so mail's search of the thread for a parent is skipped. The key is
            # set for this post alone (see _message_compute_parent_id).
            return super(HelpdeskTicket, self.with_context(helpdesk_first_message=True)).message_post(**kwargs)
        return super().message_post(**kwargs)

    def _message_compute_parent_id(self, parent_id):
        if not parent_id and self.env.context.get("helpdesk_first_message"):
            return False
        return super()._message_compute_parent_id(parent_id)

    def _merge_follows_message(self, post_values):
        """A message about to be posted on this merged ticket belongs to its destination: a
        public message of the customer (not a note, not an automatic message)."""
        if post_values.get("message_type", "notification") not in ("comment", "email"):
            return False
        if post_values.get("subtype_xmlid", "mail.mt_note") != "mail.mt_comment" and not post_values.get("subtype_id"):
            return False
        if post_values.get("subtype_id") and post_values["subtype_id"] != self._subtype("mail.mt_comment").id:
            return False
        author = self.env["res.partner"].browse(post_values.get("author_id") or self.env.user.partner_id.id)
        return self._author_role(author) == "customer"

    def _message_post_after_hook(self, message, msg_values):
        if self._is_first_response(message):
            self._kpi_on_agent_reply(message.date)
            pending = self.filtered(lambda t: not t.first_response_date)
            if pending:
                pending.sudo()._write_stamps({"first_response_date": message.date})
            answered = self.filtered("customer_replied_date")
            if answered:
                answered.sudo()._write_stamps({"customer_replied_date": False})
            # Meets the first-response line and any next-response line awaiting a reply.
            self.env["helpdesk.ticket.sla"]._on_agent_reply(self, message.date)
        elif self._is_customer_reply(message):
            # A customer message (or an unknown sender's) awaits the next agent reply.
            self.env["helpdesk.ticket.sla"]._on_customer_message(self)
            self.sudo()._write_stamps({"customer_replied_date": message.date})
        # The email that created the ticket through the mail gateway is posted now:
        # acknowledge it, unless a machine sent it (out-of-office, auto-responder, list).
        if (
            msg_values.get("message_type") == "email"
            and msg_values.get("subtype_id") == self._creation_subtype().id
            and not self.env.context.get("helpdesk_automated_email")
        ):
            self._send_acknowledgement()
        return super()._message_post_after_hook(message, msg_values)

    def _message_track(self, fields_iter, initial_values_dict):
        # A stage change is posted with the "Stage Changed" subtype (a notification) only on
        # tickets that someone follows with that subtype; elsewhere it is logged (same
        # tracking values, no recipients to compute): one query for the batch instead of
        # a parent, reply-to and followers lookup for each ticket moved.
        stage_subtype = self._subtype("helpdesk_itil.mt_ticket_stage")
        watched = (
            self.env["mail.followers"]
            .sudo()
            .search_fetch(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("subtype_ids", "in", stage_subtype.ids)],
                ["res_id"],
            )
            .mapped("res_id")
        )
        # Mail logs each ticket's tracking message with a create of its own; the values are
        # collected instead (see _message_log) and created together: one create per batch.
        logged = []
        tracking = super(
            HelpdeskTicket, self.with_context(helpdesk_stage_watched=frozenset(watched), helpdesk_tracking_logs=logged)
        )._message_track(fields_iter, initial_values_dict)
        if logged:
            self._create_tracking_logs(logged)
        return tracking

    def _create_tracking_logs(self, logged):
        """Create the tracking messages `_message_track` collected, and their tracking
        values in one create for the batch (mail.message.create makes one per message)."""
        commands = [values.get("tracking_value_ids") or [] for values in logged]
        if not all(len(command) == 3 and command[0] == Command.CREATE for cmds in commands for command in cmds):
            return self.sudo()._message_create(logged)
        messages = self.sudo()._message_create(
            [{key: value for key, value in values.items() if key != "tracking_value_ids"} for values in logged]
        )
        self.env["mail.tracking.value"].sudo().create(
            [
                dict(command[2], mail_message_id=message.id)
                for message, cmds in zip(messages, commands, strict=True)
                for command in cmds
            ]
        )
        return messages

    def _message_log(self, **kwargs):
        logged = self.env.context.get("helpdesk_tracking_logs")
        if logged is None or not kwargs.get("tracking_value_ids"):
            return super()._message_log(**kwargs)
        # A tracking message of _message_track: mail's values, created there with the others.
        return super(
            HelpdeskTicket, self.with_context(helpdesk_tracking_logs=None, helpdesk_log_values=logged)
        )._message_log(**kwargs)

    def _message_create(self, values_list):
        collected = self.env.context.get("helpdesk_log_values")
        if collected is not None:
            collected.extend(values_list)
            return self.env["mail.message"]
        return super()._message_create(values_list)

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            watched = self.env.context.get("helpdesk_stage_watched")
            if watched is None or self.id in watched:
                return self._subtype("helpdesk_itil.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """Followers of the ticket's team with a team subtype are told of every ticket of
        the team: "SLA at Risk" and "Escalated" (the team subtypes whose parent is the
        message's subtype) and "Customer Replied" (a customer's message). Computed here
        rather than by making them followers of each ticket (see the subtypes' data)."""
        if self.env.context.get("helpdesk_first_message") and self.env.context.get("helpdesk_unfollowed"):
            # The creation message of a ticket nobody follows yet (see create()): only the
            # message's own recipients, then the team's watchers below.
            recipients = super()._notify_get_recipients(
                message, msg_vals=msg_vals, **dict(kwargs, notify_skip_followers=True)
            )
        else:
            recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        if len(self) != 1 or not self.team_id or kwargs.get("notify_skip_followers"):
            return recipients
        subtype_id = (msg_vals or {}).get("subtype_id") or message.subtype_id.id
        if not subtype_id or (
            subtype_id == self._subtype("mail.mt_comment").id and not self._is_customer_reply(message)
        ):
            return recipients
        team_subtype = self.env["mail.message.subtype"].browse(self._team_subtype_id(subtype_id))
        if not team_subtype:
            return recipients
        watchers = self.team_id._watchers(team_subtype)[self.team_id]
        author = self._message_compute_real_author((msg_vals or {}).get("author_id") or message.author_id.id)
        missing = watchers - author - self.env["res.partner"].browse(r["id"] for r in recipients)
        if missing:
            extra = self.env["mail.followers"]._get_recipient_data(None, "comment", False, pids=missing.ids)[0]
            recipients += [data for data in extra.values() if data["active"] and not data["share"]]
        return recipients

    @api.model
    def _next_reference(self):
        """The next ticket reference, as ``ir.sequence.next_by_code("helpdesk.ticket")``
        draws it (the current company's sequence, else the shared one; False if none),
        without searching the sequence for every ticket."""
        sequence_id = self._reference_sequence_id(self.env.company.id)
        return self.env["ir.sequence"].sudo().browse(sequence_id)._next() if sequence_id else False

    @api.model
    @tools.ormcache("company_id")
    def _reference_sequence_id(self, company_id):
        """The sequence next_by_code would draw the company's references from: cached for
        the registry (cleared when a sequence with that code changes, see ir_sequence.py)."""
        return (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", TICKET_SEQUENCE_CODE), ("company_id", "in", [company_id, False])],
                order="company_id",
                limit=1,
            )
            .id
        )

    @api.model
    @tools.ormcache("subtype_id")
    def _team_subtype_id(self, subtype_id):
        """The team subtype whose parent is the ticket subtype `subtype_id` (False if none),
        asked for every message posted on a ticket: cached for the registry (mail clears
        it when a subtype changes)."""
        Subtype = self.env["mail.message.subtype"].sudo()
        return Subtype.search([("res_model", "=", "helpdesk.team"), ("parent_id", "=", subtype_id)], limit=1).id

    def _message_auto_subscribe_notify(self, partner_ids, template):
        # "You have been assigned to ...": not for an agent who follows the ticket's team
        # without "Assigned to Me" (their opt-out, helpdesk.team._assignment_muted). Not
        # while create() runs: helpdesk.notice._queue_created tells the assignee after.
        if self.env.context.get("helpdesk_assignment_queued"):
            return None
        result = None
        for team, tickets in self.grouped("team_id").items():
            muted = team._assignment_muted(self.env["res.partner"].browse(partner_ids)) if team else None
            told = [pid for pid in partner_ids if pid not in muted.ids] if muted else partner_ids
            if told:
                result = super(HelpdeskTicket, tickets)._message_auto_subscribe_notify(told, template)
        return result

    def _creation_subtype(self):
        return self._subtype("helpdesk_itil.mt_ticket_new")

    def _notify_get_reply_to(self, default=None, author_id=False):
        # Replies go to the team's alias, like tasks reply to their project's. The alias is
        # read through the ORM cache instead of searched for each message: creating a batch
        # of tickets posts one message per ticket.
        res = {}
        for ticket in self:
            alias = ticket.sudo().team_id.alias_id
            if alias.alias_name and alias.alias_domain_id:
                res[ticket.id] = self._notify_get_reply_to_formatted_email(alias.alias_full_name, author_id=author_id)
        leftover = self.browse(set(self.ids) - set(res))
        if leftover:
            res.update(super(HelpdeskTicket, leftover)._notify_get_reply_to(default=default, author_id=author_id))
        return res

    def _rating_get_parent_field_name(self):
        return "team_id"

    def _get_allowed_message_params(self):
        # Ratings come from the rating request (token) or the portal's rating form on a
        # closed ticket, never from a chatter post.
        return super()._get_allowed_message_params() - {"rating_value"}

    def _has_field_access(self, field, operation):
        if not super()._has_field_access(field, operation):
            return False
        if not self.env.su and self.env.user.share:
            # Portal and public users: read a whitelist, write nothing (the portal's
            # actions run as sudo after checking access to the ticket).
            return operation == "read" and field.name in PORTAL_READABLE_FIELDS
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_escalate(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_escalate_action")
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_remind_me(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_remind_action")
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_apply_macro(self):
        """Apply Macro: a saved reply and its actions (helpdesk.macro), in a dialog."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_macro_action")
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_close_without_confirmation(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_close_action")
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_assign_to_me(self):
        self.ensure_one()
        self.user_id = self.env.user

    def action_reset_priority(self):
        """Go back to the priority the impact × urgency matrix proposes."""
        matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id)
        for ticket in self:
            ticket.with_context(matrix_priority=True).write(
                {"priority": ticket._matrix_priority(matrix), "priority_overridden": False}
            )

    def action_open_ratings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.rating_rating_action_helpdesk")
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id), ("consumed", "=", True)]
        action["context"] = {}
        return action

    def action_preview_portal(self):
        """Open the ticket as the customer sees it in the portal."""
        self.ensure_one()
        return {"type": "ir.actions.act_url", "target": "self", "url": self.get_portal_url()}

    def action_create_article(self):
        """A draft knowledge article from this resolved ticket: its subject as the title, its
        resolution note as the body, its category and team; linked to the ticket."""
        self.ensure_one()
        if self.state not in RESOLUTION_STATES:
            raise UserError(self.env._("Resolve the ticket first: the article is written from its resolution."))
        if not html2plaintext(self.resolution_note or "").strip():
            raise UserError(self.env._("The ticket has no resolution note to turn into an article."))
        if self.article_id:
            raise UserError(
                self.env._("This ticket is already linked to the article “%(article)s”.", article=self.article_id.name)
            )
        article = self.env["helpdesk.article"].create(
            {
                "name": self.name,
                "body": self.resolution_note,
                "category_ids": [Command.set(self.category_id.ids)],
                "team_ids": [Command.set(self.team_id.ids)],
                "owner_id": self.env.user.id,
            }
        )
        self.article_id = article
        article.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": article, "origin": self},
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.article",
            "res_id": article.id,
            "view_mode": "form",
            "target": "current",
        }

    def _action_reply_with_article(self, article):
        """The reply composer of this ticket, prefilled with `article`: a link to its help
        page, or its text when it is internal (the customer could not open it)."""
        self.ensure_one()
        self.check_access("write")
        if not article or article.state != "published":
            raise UserError(self.env._("Pick a published article to send."))
        url = article.get_base_url() + article.help_url
        if article.visibility == "internal":
            # The customer cannot open an internal article: its text goes into the reply.
            body = article.body or Markup()
        else:
            body = Markup('<p>%s</p><p><a href="%s">%s</a></p>') % (
                self.env._("This article explains how to solve it:"),
                url,
                article.name,
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_subtype_xmlid": "mail.mt_comment",
                "default_body": body,
            },
        }

    def action_suggest_improvement(self):
        """A new improvement suggestion raised from this ticket (a dialog)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_improvement_action_new")
        action["context"] = {"default_ticket_id": self.id, "default_team_id": self.team_id.id}
        return action

    def action_find_duplicates(self):
        """Look again for this ticket's possible duplicates (as at creation, with the team's
        current settings); those an agent dismissed stay dismissed."""
        self.ensure_one()
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_user"):
            raise AccessError(self.env._("Only helpdesk users look for duplicate tickets."))
        self.check_access("read")
        self.env["helpdesk.ticket.duplicate"]._detect(self, refresh=True)
        count = len(self.duplicate_pair_ids | self.duplicated_by_pair_ids)
        if count > 1:
            message = self.env._("%(count)s possible duplicates found.", count=count)
        elif count:
            message = self.env._("A possible duplicate found.")
        else:
            message = self.env._("No possible duplicates found.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if count else "info",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_problem(self):
        """Open the problem this incident is caused by."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.problem",
            "res_id": self.problem_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_send_workaround(self):
        """Send the known error's workaround to the customer: a public reply on the ticket
        (the customer and followers are notified as for any reply)."""
        self.ensure_one()
        self.check_access("write")
        # The workaround is meant for customers: whoever works the ticket may send it.
        problem = self.sudo().problem_id
        if (
            not problem
            or problem.state not in ("known_error", "resolved", "closed")
            or is_html_empty(problem.workaround)
        ):
            raise UserError(self.env._("This ticket's problem has no known workaround to send yet."))
        body = Markup("<p>%s</p>%s") % (
            self.env._("This is a known issue; until it is fixed for good, this workaround restores the service:"),
            problem.workaround,
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_comment", message_type="comment")
        self._write_stamps({"workaround_sent_date": fields.Datetime.now()})

    def _portal_workaround(self):
        """The workaround the customer may see on this ticket's portal page: its problem's,
        when the problem publishes it (the problem itself stays internal)."""
        self.ensure_one()
        problem = self.sudo().problem_id
        if problem.workaround_published and problem.state in ("known_error", "resolved", "closed"):
            if not is_html_empty(problem.workaround):
                return problem.workaround
        return False

    def action_add_link(self):
        """Open the Add Link dialog of this ticket."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_link_wizard_action")
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_merge(self):
        """Open the Merge wizard on these tickets (the oldest proposed as destination)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_merge_action")
        action["context"] = {"default_ticket_ids": [Command.set(self.ids)]}
        return action

    def action_unmerge(self):
        """Undo the merge of this ticket (helpdesk managers, see helpdesk.ticket.merge.log)."""
        self.ensure_one()
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            raise AccessError(self.env._("Only a helpdesk manager can unmerge tickets."))
        log = self.env["helpdesk.ticket.merge.log"].search(
            [("source_id", "=", self.id), ("state", "=", "merged")], order="id desc", limit=1
        )
        if not log:
            raise UserError(self.env._("%(ticket)s has no merge that can be undone.", ticket=self.reference))
        return log.action_unmerge()

    def action_create_quotation(self):
        return self._action_open_conversion_wizard(
            "helpdesk_itil.helpdesk_ticket_sale_wizard_action",
            "sales_team.group_sale_salesman",
            "sale.order",
            self.env._("a quotation"),
        )

    def action_create_task(self):
        return self._action_open_conversion_wizard(
            "helpdesk_itil.helpdesk_ticket_task_wizard_action",
            "project.group_project_user",
            "project.task",
            self.env._("a field task"),
        )

    def action_create_credit_note(self):
        return self._action_open_conversion_wizard(
            "helpdesk_itil.helpdesk_ticket_credit_note_wizard_action",
            "account.group_account_invoice",
            "account.move.reversal",
            self.env._("a credit note"),
        )

    def action_view_sale_orders(self):
        return self._action_view_documents("sale.action_orders", self.sale_order_ids, "sale.view_order_form")

    def action_view_tasks(self):
        return self._action_view_documents("project.action_view_all_task", self.task_ids, "project.view_task_form2")

    def action_view_invoices(self):
        return self._action_view_documents(
            "account.action_move_out_invoice_type", self.invoice_ids | self.order_invoice_ids, "account.view_move_form"
        )

    # ------------------------------------------------------------------
    # Lifecycle: states and who speaks
    # ------------------------------------------------------------------

    def _set_state(self, state, vals=None, strict=True):
        """Move the tickets to the stage that stands for ITIL `state` in their team
        (helpdesk.team._get_stage_for_state), with `vals` in the same write, one write per
        team. A team without such a stage: a UserError naming it when `strict`, else its
        tickets stay where they are (logged). Returns the tickets moved."""
        moved = self.browse()
        for team, tickets in self.grouped("team_id").items():
            stage = team._get_stage_for_state(state)
            if not stage:
                message = self.env._(
                    "Team %(team)s has no stage for the state %(state)s: add one to its stages.",
                    team=team.name or self.env._("(none)"),
                    state=dict(TICKET_STATES)[state],
                )
                if strict:
                    raise UserError(message)
                _logger.warning("%s %s stay where they are.", message, ", ".join(tickets.mapped("reference")))
                continue
            tickets.write({**(vals or {}), "stage_id": stage.id})
            moved |= tickets
        return moved

    def _is_system_transition(self):
        """Whether a state change is made by the system rather than a person: timers,
        monitoring and pipeline sources, ERP documents done and merges all run in superuser
        mode; a manager's Close wizard and a customer's confirmation run there too, but say
        who they are (helpdesk_closure)."""
        return self.env.su and self.env.context.get("helpdesk_closure") not in PERSON_CLOSURE_ORIGINS

    def _customer_replied(self):
        """The customer wrote: a pending ticket goes back to work, a resolved one reopens."""
        self.filtered(lambda t: t.state in ("pending", "resolved"))._set_state("in_progress", strict=False)

    @api.model
    def _author_role(self, partner):
        """Who speaks on a ticket: "agent" (an internal user other than OdooBot), "system"
        (OdooBot's automatic messages) or "customer" (anyone else, unknown senders too).
        The one answer for first responses, SLA lines, mail routing and reopening."""
        if partner and partner.id == self.env["ir.model.data"]._xmlid_to_res_id("base.partner_root"):
            return "system"
        if partner and any(not user.share for user in partner.sudo().user_ids):
            return "agent"
        return "customer"

    def _is_first_response(self, message):
        """The first response, for the SLA line and the ticket's date alike: a public
        comment or email by an agent (so never the acknowledgement, posted by OdooBot as an
        automatic comment)."""
        return (
            message.message_type in ("comment", "email")
            and message.subtype_id == self._subtype("mail.mt_comment")
            and self._author_role(message.author_id) == "agent"
        )

    def _is_customer_reply(self, message):
        """A public comment or email by the customer (or an unknown sender) on the ticket."""
        return (
            message.message_type in ("comment", "email")
            and message.subtype_id == self._subtype("mail.mt_comment")
            and self._author_role(message.author_id) == "customer"
        )

    def _subtype(self, xmlid):
        # Through the cached xmlid map: env.ref() would query the subtype's existence
        # for every ticket of a batch (mail checks it once more anyway).
        return self.env["mail.message.subtype"].browse(self.env["ir.model.data"]._xmlid_to_res_id(xmlid))

    # ------------------------------------------------------------------
    # Intake: mail gateway, acknowledgement
    # ------------------------------------------------------------------

    @api.model
    def _intake_find_customer(self, email_from, team):
        """The contact an incoming request belongs to: the one whose address matches,
        else a new contact when the team creates contacts for new senders (or when no
        team is known). Returns an empty recordset when the address stays on the ticket."""
        if not email_normalize(email_from or ""):
            return self.env["res.partner"]
        create = team.email_create_partner if team else True
        return self.env["mail.thread"].sudo()._partner_find_from_emails_single([email_from], no_create=not create)

    @api.model
    def _intake_customer_values(self, email_from, team):
        """Ticket values for the sender of a request: `partner_id`, or the name and
        address kept on the ticket for senders who are not contacts."""
        partner = self._intake_find_customer(email_from, team)
        if partner:
            return {"partner_id": partner.id}
        name, email = parse_contact_from_email(email_from or "")
        return {"partner_name": name or email or False, "partner_email": email or email_from or False}

    @api.model
    def _forwarded_sender(self, message_dict):
        """`Name <address>` of the original sender of a forwarded email, from the first
        "From:" line after a forward marker in the body; "" when there is none or when that
        sender is one of our users (an internal email passed on is not a customer's)."""
        found = forwarded_sender(html2plaintext(message_dict.get("body") or ""))
        if not found:
            return ""
        name, email = found
        sender = self.env["mail.thread"]._partner_find_from_emails_single([email], no_create=True)
        if self._author_role(sender) != "customer":
            return ""
        return formataddr((name, email)) if name else email

    @api.model
    def _mail_gateway_author(self, message_dict):
        if message_dict.get("author_id"):
            return self.env["res.partner"].browse(message_dict["author_id"])
        if not message_dict.get("email_from"):
            return self.env["res.partner"]
        return self.env["mail.thread"]._partner_find_from_emails_single([message_dict["email_from"]], no_create=True)

    @api.model
    def _mail_gateway_find_by_reference(self, message_dict):
        """The ticket whose reference is in the subject of an email without reply
        headers, when the sender is that ticket's customer or one of its followers (so
        that knowing a reference is not enough to write into someone else's ticket)."""
        references = subject_references(message_dict.get("subject"))
        sender = email_normalize(message_dict.get("email_from") or "")
        if not references or not sender:
            return self.browse()
        for ticket in self.sudo().search([("reference", "in", list(references))], order="id desc"):
            known = {email_normalize(ticket.partner_email or ""), ticket.partner_id.email_normalized}
            known.update(ticket.message_partner_ids.mapped("email_normalized"))
            if sender in known:
                return ticket
        return self.browse()

    @api.model
    def _mail_gateway_reroute(self, message, message_dict, routes):
        """Adjust the routes Odoo found for an incoming email (see mail_thread.py).

        * a new email whose subject carries the reference of the sender's ticket is a
          reply to it (for mail clients that drop In-Reply-To/References);
        * a person's reply to a closed or cancelled ticket opens a follow-up ticket
          linked to it instead of touching the closed one.
        """
        automated = is_automated_email(message)
        result = []
        for route in routes:
            model, thread_id, custom_values, user_id, alias = route
            if model == self._name:
                ticket = self.sudo().browse(thread_id).exists() if thread_id else self.browse()
                if not ticket:
                    ticket = self._mail_gateway_find_by_reference(message_dict)
                    if ticket:
                        _logger.info(
                            "Routing mail with Message-Id %s to ticket %s by the reference in its subject",
                            message_dict.get("message_id"),
                            ticket.reference,
                        )
                if ticket.merged_into_id:
                    # A reply to a merged ticket goes where its work goes on (before the
                    # reply-to-closed rule: the merged ticket is closed, its destination not).
                    destination = ticket._merge_destination()
                    _logger.info(
                        "Routing mail with Message-Id %s: %s was merged into %s",
                        message_dict.get("message_id"),
                        ticket.reference,
                        destination.reference,
                    )
                    ticket = destination
                if ticket:
                    thread_id = ticket.id
                    author = self._mail_gateway_author(message_dict)
                    if author and not message_dict.get("author_id"):
                        message_dict["author_id"] = author.id  # as routing does; spares later look-ups
                    if ticket.is_closed and not automated and self._author_role(author) == "customer":
                        _logger.info(
                            "Routing mail with Message-Id %s: reply to closed ticket %s opens a follow-up",
                            message_dict.get("message_id"),
                            ticket.reference,
                        )
                        custom_values = ticket._follow_up_values(custom_values)
                        thread_id = 0
                route = (model, thread_id, custom_values, user_id, alias)
            result.append(route)
        return result

    def _follow_up_values(self, custom_values=None):
        """Values of the ticket that follows up this closed one."""
        self.ensure_one()
        values = dict(custom_values or {})
        values.update(
            {
                "team_id": self.team_id.id,
                "category_id": self.category_id.id,
                FOLLOW_UP_KEY: self.id,
            }
        )
        return values

    def _mail_gateway_subscribe_cc(self, msg_dict):
        """CC'd addresses follow the ticket when its team allows it."""
        cc_emails = email_split_and_format(msg_dict.get("cc") or "")
        if not cc_emails:
            return
        for ticket in self.filtered(lambda t: t.team_id.email_cc_as_followers):
            partners = ticket._partner_find_from_emails_single(
                cc_emails, no_create=not ticket.team_id.email_create_partner
            )
            if partners:
                ticket.message_subscribe(partner_ids=partners.ids)

    def _send_acknowledgement(self):
        """Tell the customer their request is registered: reference and portal link.

        Posted as OdooBot with message type `auto_comment` (so it never counts as the
        first response) and `Auto-Submitted: auto-replied` (RFC 3834, so that well-behaved
        auto-responders do not answer it). Tickets whose team does not acknowledge, other
        channels and customers without an address are skipped.
        """
        tickets = self.filtered(
            lambda t: (
                t.channel in ACKNOWLEDGED_CHANNELS
                and t.team_id.send_acknowledgement
                and (t.partner_id.email if t.partner_id else email_normalize(t.partner_email or ""))
            )
        )
        if not tickets:
            return
        # The xmlids are resolved from the registry's cache (env.ref would also query the rows).
        IrModelData = self.env["ir.model.data"]
        template_id = IrModelData._xmlid_to_res_id("helpdesk_itil.mail_template_ticket_acknowledgement")
        if not template_id:
            return
        template = self.env["mail.template"].browse(template_id)
        tickets = tickets.sudo()
        rendered = (
            template.sudo()
            .with_context(**{REUSE_COMPILED_TEMPLATE: True})
            ._generate_template(tickets.ids, ("subject", "body_html", "email_from"))
        )
        odoobot = self.env["res.partner"].browse(
            IrModelData._xmlid_to_res_id("base.partner_root", raise_if_not_found=True)
        )
        # The template places the intake questions; one edited before they existed gets
        # them after its text.
        asks_questions = "_acknowledgement_intake_questions" in (template.sudo().body_html or "")
        for ticket in tickets:
            values = rendered[ticket.id]
            ticket.message_post(
                author_id=odoobot.id,
                email_from=values.get("email_from") or odoobot.email_formatted,
                subject=values.get("subject"),
                body=Markup(values.get("body_html") or "")
                + (Markup() if asks_questions else ticket._acknowledgement_intake_questions()),
                message_type="auto_comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=ticket.partner_id.ids,
                outgoing_email_to=False if ticket.partner_id else ticket.partner_email,
                notify_skip_followers=True,
                # The light layout, as the resolution request: the template has its own
                # button to the ticket; the full layout would add a second one and the
                # author's (OdooBot's) signature.
                email_layout_xmlid="mail.mail_notification_light",
                mail_auto_delete=template.auto_delete,
                mail_headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
            )

    def _acknowledgement_intake_questions(self):
        """The part of the acknowledgement (called by its template) that asks for the
        answers the category requires and the request did not give (an email cannot answer
        the form's questions): the questions, with their choices, to answer by replying.
        Empty when nothing is missing."""
        self.ensure_one()
        ticket = self.with_context(lang=self.partner_id.lang or self.env.lang)
        missing = ticket._intake_missing_answers()
        if not missing:
            return Markup()
        _ = ticket.env._
        items = []
        for answer in missing:
            question = answer.field_id
            hint = question.help or ""
            if question.field_type == "selection":
                hint = " ".join(
                    filter(None, [hint, _("One of: %(choices)s.", choices=", ".join(question._get_options()))])
                )
            items.append(
                Markup("<li><strong>%s</strong>%s</li>")
                % (question.label or answer.label or answer.name, Markup(" — %s") % hint if hint else "")
            )
        return Markup(
            '<div style="margin: 0px 0px 12px 0px; font-size: 13px;"><p style="margin: 0px 0px 8px 0px;">%s</p>'
            '<ul style="margin: 0px;">%s</ul></div>'
        ) % (
            _(
                "To handle your request about %(category)s we need a few more details. "
                "Please reply to this email with the answers to:",
                category=ticket.sudo().category_id.name,
            ),
            Markup().join(items),
        )

    def _get_acknowledgement_email_from(self):
        """From of the acknowledgement: the team's alias, else the company's address."""
        self.ensure_one()
        if self.team_id.alias_email:
            return formataddr((f"{self.company_id.name} {self.team_id.name}", self.team_id.alias_email))
        return self.company_id.email_formatted or ""

    def _get_acknowledgement_url(self):
        """Link to the ticket for its customer: portal.mixin's share URL (with token)."""
        self.ensure_one()
        return self.get_base_url() + self._get_share_url(redirect=True, pid=self.partner_id.id or None)

    def _send_resolution_request(self):
        """Ask the customer, by email, to confirm the resolution in the portal."""
        template = self.env.ref("helpdesk_itil.mail_template_ticket_resolution_confirmation", raise_if_not_found=False)
        # Machines (monitoring alerts, CI pipelines) are not asked.
        tickets = self.filtered(lambda t: (t.partner_id or t.partner_email) and t.channel not in MACHINE_CHANNELS)
        if not template or not tickets or self.env.context.get("helpdesk_no_resolution_mail"):
            return
        tickets.sudo().with_context(**{REUSE_COMPILED_TEMPLATE: True}).message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_light",
            subtype_xmlid="mail.mt_note",
        )

    def _send_rating_request(self):
        """On closure, ask the customer to rate the service (teams with ratings on)."""
        template = self.env.ref("helpdesk_itil.mail_template_ticket_rating_request", raise_if_not_found=False)
        # A merged ticket is not rated: its work goes on in the ticket it was merged into.
        tickets = self.filtered(lambda t: t.team_id.use_rating and t.partner_id and not t.merged_into_id)
        if not template or not tickets:
            return
        # Sent by the system, not by whoever closed the ticket: a customer confirming in
        # the portal would otherwise author (and so not receive) their own request.
        # Through the mail queue.
        tickets.with_user(SUPERUSER_ID).rating_send_request(template, force_send=False)

    # ------------------------------------------------------------------
    # Customer portal
    # ------------------------------------------------------------------

    @api.model
    def _attachment_max_mb(self):
        """Largest upload a customer may send, in MB (a float: 0.5 is allowed): a file in the
        portal conversation, all files of a web form submission together."""
        value = self.env["ir.config_parameter"].sudo().get_param(ATTACHMENT_MAX_MB_PARAM)
        if not value:
            return ATTACHMENT_MAX_MB_DEFAULT
        try:
            max_mb = float(value)
        except ValueError:
            max_mb = None
        # A typo must not close uploads (0, negative) or open them wide (inf, nan).
        if max_mb is None or not math.isfinite(max_mb) or max_mb <= 0:
            _logger.warning(
                "Ignoring %s=%r: not a positive number of MB; using %s MB",
                ATTACHMENT_MAX_MB_PARAM,
                value,
                ATTACHMENT_MAX_MB_DEFAULT,
            )
            return ATTACHMENT_MAX_MB_DEFAULT
        return max_mb

    def _portal_sla_promise(self):
        """Earliest deadline of the open ticket's running customer (SLA, not OLA)
        resolution targets, or False."""
        self.ensure_one()
        if self.state not in OPEN_STATES:
            return False
        deadlines = [
            line.deadline
            for line in self.sudo().sla_ids
            if line.kind == "sla"
            and line.metric == "resolution"
            and line.status not in ("reached", "failed", "cancelled")
            and line.deadline
        ]
        return min(deadlines) if deadlines else False

    def _portal_rating(self):
        """The customer's submitted rating of this ticket, if any."""
        self.ensure_one()
        return self.sudo().rating_ids.filtered(lambda r: r.consumed and r.partner_id == self.partner_id)[:1]

    # What the customer may do from the portal, given the ticket's state and its team's
    # settings. Who may act for the customer is the portal controller's question; the
    # controller, the ticket page and the _portal_* actions below all ask these.

    def _portal_can_confirm(self):
        """The resolution waits for the customer's confirmation."""
        self.ensure_one()
        return self.state == "resolved"

    def _portal_can_reject(self):
        """The customer may say the resolution did not solve the problem."""
        self.ensure_one()
        return self.state == "resolved"

    def _portal_can_cancel(self):
        """The customer may close the ticket as no longer needed."""
        self.ensure_one()
        return not self.is_closed

    def _portal_can_rate(self):
        """The ticket is closed, its team asks for ratings and the customer has not rated it yet."""
        self.ensure_one()
        return (
            self.state == "closed" and self.team_id.use_rating and not self.merged_into_id and not self._portal_rating()
        )

    def _portal_confirm_resolution(self, partner):
        """The customer confirms the resolution: close the ticket. Runs as sudo after
        the portal checked access; `partner` is who answered."""
        self.ensure_one()
        if not self._portal_can_confirm():
            raise UserError(self.env._("%(ticket)s is not waiting for your confirmation.", ticket=self.reference))
        self.message_post(
            author_id=partner.id,
            body=Markup("<p>%s</p>") % self.env._("Yes, the problem is solved. Thank you!"),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.with_context(helpdesk_closure="customer")._set_state("closed", {"customer_confirmation": "confirmed"})

    def _portal_reject_resolution(self, partner, comment):
        """The customer says the problem is not solved: reopen the ticket (a reopen like
        any other), post their comment as theirs, record the rejection."""
        self.ensure_one()
        if not self._portal_can_reject():
            raise UserError(self.env._("%(ticket)s is not waiting for your confirmation.", ticket=self.reference))
        if not (comment or "").strip():
            raise ValidationError(self.env._("Tell us what is still wrong: the comment is required."))
        self.message_post(
            author_id=partner.id,
            body=Markup("<p><strong>%s</strong></p>%s")
            % (self.env._("The problem is not solved."), plaintext2html(comment.strip())),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.with_context(helpdesk_reopened_by=partner.name)._set_state("in_progress")
        self.customer_confirmation = "rejected"

    def _portal_cancel(self, partner, reason):
        """The customer no longer needs the ticket: cancel it with the closure code
        "cancelled by customer" and a resolution note written from their reason."""
        self.ensure_one()
        if not self._portal_can_cancel():
            raise UserError(self.env._("%(ticket)s is already closed.", ticket=self.reference))
        if not (reason or "").strip():
            raise ValidationError(self.env._("Tell us why you want to close the ticket: the reason is required."))
        reason_html = plaintext2html(reason.strip())
        self.message_post(
            author_id=partner.id,
            body=Markup("<p><strong>%s</strong></p>%s") % (self.env._("Please close this ticket."), reason_html),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self._set_state(
            "cancelled",
            {
                "closure_code_id": self.env.ref("helpdesk_itil.closure_cancelled_by_customer").id,
                "resolution_note": Markup("<p>%s</p>%s")
                % (
                    self.env._("Cancelled by %(customer)s from the customer portal:", customer=partner.name),
                    reason_html,
                ),
            },
        )

    def _portal_rate(self, partner, rate, feedback):
        """The customer rates a closed ticket from the portal (once)."""
        self.ensure_one()
        if not self._portal_can_rate():
            if self._portal_rating():
                raise UserError(self.env._("You already rated %(ticket)s. Thank you!", ticket=self.reference))
            raise UserError(self.env._("%(ticket)s cannot be rated.", ticket=self.reference))
        token = self._rating_get_access_token(self.partner_id or partner)
        return self.rating_apply(rate, token=token, feedback=(feedback or "").strip() or False)

    # ------------------------------------------------------------------
    # ERP: conversions, links, documents done
    # ------------------------------------------------------------------

    def _check_convertible(self, document):
        """Refuse to make `document` (e.g. "a quotation") for a ticket without customer."""
        for ticket in self:
            if not ticket.partner_id:
                raise UserError(
                    self.env._(
                        "Set a customer on %(ticket)s before creating %(document)s from it.",
                        ticket=ticket.reference or ticket.name,
                        document=document,
                    )
                )

    @api.model
    def _check_conversion_rights(self, group, model, document):
        """Refuse, before anything is created, a user without `group` (xml id) or without
        the right to create `model` records, with a message naming what is missing."""
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "Creating %(document)s from a ticket needs the access rights “%(group)s”. "
                    "Ask your administrator for them.",
                    document=document,
                    group=self.env.ref(group).sudo().full_name,
                )
            )
        self.env[model].check_access("create")

    def _action_open_conversion_wizard(self, xmlid, group, model, document):
        """Open the wizard `xmlid` making a `model` record, once the ticket and the user qualify."""
        self.ensure_one()
        self._check_convertible(document)
        self._check_conversion_rights(group, model, document)
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = {"default_ticket_id": self.id}
        return action

    def _action_view_documents(self, xmlid, documents, form_view=None):
        """The action `xmlid` on `documents`: their list, or the form when there is one."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("id", "in", documents.ids)]
        action["context"] = {"create": False}
        if len(documents) == 1:
            action["views"] = [(form_view and self.env.ref(form_view).id, "form")]
            action["res_id"] = documents.id
        return action

    def _action_view_ticket(self):
        """Open this ticket's form (smart buttons of the documents made from it)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action.update({"views": [(False, "form")], "res_id": self.id, "context": {}})
        return action

    def _erp_document_done(self, document, note, resolve_field):
        """`document` (an order, a repair, a task) made from these tickets is done.

        Posts `note` on the tickets and resolves the open ones whose team asks for it
        (`resolve_field`, a boolean of the team; None: never) with the system closure code
        and an automatic resolution note, in one write. Runs as superuser: whoever finishes the document
        (a salesperson, a technician) need not be a helpdesk user.
        """
        tickets = self.sudo()
        for ticket in tickets:
            ticket.message_post(body=note, subtype_xmlid="mail.mt_note")
        to_resolve = tickets.filtered(lambda t: resolve_field and t.state in OPEN_STATES and t.team_id[resolve_field])
        if not to_resolve:
            return
        resolution = Markup("<p>%s</p>") % self.env._(
            "Resolved automatically: %(document)s is done.", document=document.display_name
        )
        to_resolve._set_state(
            "resolved",
            {"resolution_note": resolution, "closure_code_id": self.env.ref("helpdesk_itil.closure_erp_done").id},
            strict=False,
        )

    # ------------------------------------------------------------------
    # Replies: placeholders of canned responses and macros (tools/placeholders.py)
    # ------------------------------------------------------------------

    def _scope_fit(self, teams, categories):
        """How well a reply scoped to `teams` and `categories` (canned response, macro)
        fits this ticket: -1 scoped elsewhere, 0 unscoped, else the number of scopes that
        match (a category matches its sub-categories' tickets)."""
        self.ensure_one()
        if not teams and not categories:
            return 0
        fit = 0
        if teams:
            if self.team_id not in teams:
                return -1
            fit += 1
        if categories:
            lineage = {int(c) for c in (self.category_id.parent_path or "").split("/") if c}
            if not lineage.intersection(categories.ids):
                return -1
            fit += 1
        return fit

    def _placeholder_values(self, html=False):
        """The value of each placeholder (tools.placeholders.PLACEHOLDERS) for this ticket,
        written by the current user: the only data a reply can pull from the ticket."""
        self.ensure_one()
        agent = self.env.user
        customer = self.partner_id
        deadline = self._portal_sla_promise()
        if deadline:
            # In the customer's time zone, else the team's working-hours one.
            tz = customer.tz or self.team_id.resource_calendar_id.tz or "UTC"
            deadline = "{} ({})".format(
                format_datetime(self.env, deadline, tz=tz, dt_format="medium", lang_code=customer.lang or None), tz
            )
        portal_url = self._get_acknowledgement_url()
        signature = agent.signature
        if html:
            # The link signs the customer in; its text is the ticket's plain portal address.
            portal_url = Markup('<a href="%s">%s</a>') % (portal_url, self.get_base_url() + self.access_url)
            signature = signature or ""
        else:
            signature = html2plaintext(signature or "").strip()
        return {
            "reference": self.reference or "",
            "customer_name": customer.name or self.partner_name or "",
            "agent_name": agent.name,
            "agent_signature": signature,
            "sla_deadline": deadline or "",
            "portal_url": portal_url,
            "team": self.team_id.name or "",
        }

    def _render_placeholders(self, text, html=False):
        """`text` with this ticket's placeholders filled in: tools.placeholders.Rendered."""
        self.ensure_one()
        return render_placeholders(text, self._placeholder_values(html=html), html=html)

    def _check_reply_access(self):
        """Rendering replies is for helpdesk users who may read the ticket."""
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_user"):
            raise AccessError(self.env._("Only helpdesk users fill in replies on tickets."))
        self.check_access("read")

    def helpdesk_canned_responses(self, canned_response_ids=None):
        """The current user's canned responses rendered for this ticket, the ones that fit
        it first (called by the composer when "::" is typed on a ticket): a list of
        {id, source, text, unknown, empty, fit}."""
        self.ensure_one()
        self._check_reply_access()
        # The responses the composer offers (mail's /mail/data "mail.canned.response").
        domain = Domain("create_uid", "=", self.env.uid) | Domain("group_ids", "in", self.env.user.all_group_ids.ids)
        if canned_response_ids is not None:
            domain &= Domain("id", "in", [int(i) for i in canned_response_ids])
        responses = self.env["mail.canned.response"].search(domain)
        values = self._placeholder_values()
        result = []
        for response in responses:
            rendered = render_placeholders(response.substitution, values)
            result.append(
                {
                    "id": response.id,
                    "source": response.source,
                    "text": rendered.text,
                    "unknown": rendered.unknown,
                    "empty": rendered.empty,
                    "fit": self._scope_fit(response.helpdesk_team_ids, response.helpdesk_category_ids),
                }
            )
        # Stable: equal fits keep the search order.
        result.sort(key=lambda r: -r["fit"])
        return result

    # ------------------------------------------------------------------
    # Merge: who may merge what (helpdesk.ticket.merge wizard); the moves and their
    # audit are helpdesk.ticket.merge.log's
    # ------------------------------------------------------------------

    @api.model
    def _merge_documents(self):
        """{model: many2one field to the ticket} of the ERP documents made from a ticket, moved
        to the destination of a merge and back by an unmerge. Bridges add theirs (repairs,
        opportunities); invoices, a many2many of the ticket, are moved by the merge itself."""
        return {"sale.order": "helpdesk_ticket_id", "project.task": "helpdesk_ticket_id"}

    def _merge_destination(self):
        """Where a merged ticket's work goes on: the end of its chain of merges (itself if
        not merged)."""
        self.ensure_one()
        ticket = self.sudo()
        for _hop in range(20):
            if not ticket.merged_into_id:
                break
            ticket = ticket.merged_into_id
        return ticket.with_env(self.env)

    def _merge_customer_key(self):
        """What "the same customer" means for a merge: the customer company, else the address."""
        self.ensure_one()
        return self.commercial_partner_id.id or self.partner_email_normalized or False

    def _can_merge(self):
        """The current user may merge this ticket: a manager, an agent (every team), or a
        user of its team."""
        self.ensure_one()
        user = self.env.user
        if user.has_group("helpdesk_itil.group_helpdesk_agent"):
            return True
        return user.has_group("helpdesk_itil.group_helpdesk_user") and user in self.sudo().team_id.member_ids

    def _merge_check(self, sources, confirm_other_customers=False):
        """Refuse, before anything moves, a merge of `sources` into this ticket that the user
        may not make, with a message that says why. Returns True when the customers differ
        (a manager confirmed it)."""
        self.ensure_one()
        _ = self.env._
        is_manager = self.env.user.has_group("helpdesk_itil.group_helpdesk_manager")
        if not sources:
            raise UserError(_("Choose at least one ticket to merge into %(ticket)s.", ticket=self.reference))
        if self in sources:
            raise UserError(_("%(ticket)s cannot be merged into itself.", ticket=self.reference))
        tickets = self | sources
        refused = tickets.filtered(lambda t: not t._can_merge())
        if refused:
            raise AccessError(
                _(
                    "Only the agents of a ticket's team (and helpdesk managers) merge it: not %(tickets)s.",
                    tickets=", ".join(refused.mapped("reference")),
                )
            )
        tickets.check_access("write")
        if len(tickets.company_id) > 1:
            raise UserError(_("Tickets of different companies cannot be merged."))
        merged = tickets.filtered("merged_into_id")
        if merged:
            raise UserError(
                _(
                    "%(tickets)s was already merged into another ticket.",
                    tickets=", ".join(merged.mapped("reference")),
                )
            )
        closed = tickets.filtered("is_closed")
        if closed and not is_manager:
            raise UserError(
                _(
                    "%(tickets)s is closed: only a helpdesk manager can merge a closed ticket.",
                    tickets=", ".join(closed.mapped("reference")),
                )
            )
        other_customers = len({ticket._merge_customer_key() for ticket in tickets}) > 1
        if other_customers:
            if not is_manager:
                raise UserError(
                    _(
                        "These tickets are from different customers: only a helpdesk manager can merge them, "
                        "and must confirm it."
                    )
                )
            if not confirm_other_customers:
                raise UserError(
                    _(
                        "These tickets are from different customers: tick “Merge tickets of different customers” "
                        "to confirm."
                    )
                )
        return other_customers

    # ------------------------------------------------------------------
    # Similar tickets: the one home of subject similarity (duplicates now;
    # problems and triage suggestions later)
    # ------------------------------------------------------------------

    @api.model
    def _find_similar_tickets(self, subject, domain=None, limit=10, threshold=DUPLICATE_SIMILARITY, indexed=True):
        """Tickets whose subject resembles `subject`, the most similar first.

        Subjects are compared normalised (``tools.text.normalize_subject``: without
        Re:/Fwd:/[reference], lower-cased) by PostgreSQL's trigram similarity, through the
        trigram index on ``subject_normalized`` (``%`` with the threshold set for this query
        only); without the pg_trgm extension, by containment (``ilike``) scored by the
        length ratio (see ``_similarity_sql``).

        :param str subject: a subject as typed
        :param domain: which tickets to consider (the current user's record rules apply)
        :param int limit: at most that many tickets
        :param float threshold: least similarity, 0–1
        :param bool indexed: search through the trigram index (the default); False when
            `domain` already narrows the tickets to a few thousand (e.g. the latest ones):
            the similarity is then computed on those only, a cost that does not grow with
            the table
        :return: list of (ticket, similarity) pairs, similarity 0–1 (1: the same normalised subject)
        """
        return similarity.find_similar(
            self,
            "subject_normalized",
            normalize_subject(subject),
            domain=domain,
            limit=limit,
            threshold=threshold,
            indexed=indexed,
        )

    @api.model
    def _similarity_sql(self, left, right):
        """SQL of the similarity (0–1) of two normalised subjects (``tools.similarity``)."""
        return similarity.similarity_sql(self.env.registry, left, right)

    def _trigram_threshold(self, threshold):
        """Within this block, pg_trgm's ``%`` means a similarity of at least `threshold`."""
        return similarity.trigram_threshold(self.env, threshold)

    # ------------------------------------------------------------------
    # Business time and escalation
    # ------------------------------------------------------------------

    def _get_business_calendar(self):
        """The working hours this ticket's clocks run on: its team's, else its company's
        (an SLA policy may name its own, see helpdesk.sla.policy._get_calendar)."""
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

    def _get_clock_key(self):
        """Key of this ticket's business clock in resource.calendar._helpdesk_clocks()."""
        self.ensure_one()
        calendar = self._get_business_calendar()
        return (calendar, self.company_id) if calendar else False

    def _escalate(
        self,
        level,
        reason,
        *,
        rule=None,
        team=None,
        user=None,
        raise_priority=False,
        notes=(),
        details=None,
        attachments=None,
        after=None,
        support_level=None,
    ):
        """Raise this ticket to escalation `level`: the one way to escalate, for the escalation
        rules and the Escalate wizard alike.

        The escalation is logged first (once per ticket, rule and level: a unique index;
        a manual one always); then level, team, assignee and priority change in one write
        (another team reassigns by its own method unless `user` is given, see
        ``_retriage``), the previous assignee keeps access as a follower, `after(ticket)`
        runs (a rule's notifications, returning lines for the note) and one internal note
        says what happened and why.

        :param str reason: why, plain text (a rule) or HTML (a person)
        :param rule: the rule firing; empty for a person (the current user)
        :param team: the team afterwards (default: the same)
        :param user: the assignee afterwards (default: unchanged, or the new team's pick)
        :param notes: more lines for the note (e.g. who is on leave)
        :param details: HTML appended to the note (a rule's instructions, steps already tried)
        :param attachments: files attached to the note (logs, screenshots)
        :param support_level: a higher support level (escalation by complexity): without a
            given `user`, an assignee below it is replaced by the team's pick of that level
        :return: the log, empty when another worker already logged this rule's escalation
        """
        self.ensure_one()
        now = fields.Datetime.now()
        reason_text = html2plaintext(reason or "").strip() if isinstance(reason, Markup) else (reason or "")
        log = self.env["helpdesk.escalation.log"].sudo()._claim(self, level, rule, reason_text, now)
        if not log:
            return log
        team_from, user_from, level_from = self.team_id, self.user_id, self.escalation_level
        team = team_from if team is None else team
        vals = {"escalation_level": level}
        if team != team_from:
            vals["team_id"] = team.id
        if user is not None and user != user_from:
            vals["user_id"] = user.id
        lines = [self.env._("Level: %(old)s → %(new)s.", old=level_from, new=level)]
        labels = dict(PRIORITIES)
        levels = dict(SUPPORT_LEVELS)
        if support_level and support_level != self.support_level:
            vals["support_level"] = support_level
            log.write({"support_level_from": self.support_level, "support_level_to": support_level})
            lines.append(
                self.env._(
                    "Support level: %(old)s → %(new)s (too complex for %(old)s).",
                    old=levels[self.support_level],
                    new=levels[support_level],
                )
            )
        if raise_priority and self.priority > PRIORITIES[0][0]:
            vals["priority"] = str(int(self.priority) - 1)
            lines.append(
                self.env._("Priority: %(old)s → %(new)s.", old=labels[self.priority], new=labels[vals["priority"]])
            )
        elif raise_priority:
            lines.append(self.env._("Priority already %(priority)s.", priority=labels[self.priority]))
        # Earlier handlers keep access to the ticket as followers.
        handlers = user_from.partner_id | (self.env.user.partner_id if not rule else self.env["res.partner"])
        if handlers and (team != team_from or "user_id" in vals or not rule):
            self.sudo().message_subscribe(partner_ids=handlers.ids)
        self._kpi_on_escalated()
        self.write(vals)
        if team != team_from:
            lines.append(self.env._("Team: %(old)s → %(new)s.", old=team_from.name or "-", new=team.name or "-"))
            if user is None and self.user_id != user_from and team.assignment_method != "manual":
                on_leave = team._users_on_leave(team.member_ids, now)
                if on_leave:
                    names = ", ".join(on_leave.sorted("id").mapped("name"))
                    lines.append(self.env._("Skipped (on leave): %(names)s.", names=names))
        if "support_level" in vals and user is None and not self._support_level_covered(self.user_id):
            picked = self.team_id._pick_next_level(self) if self.team_id else self.env["res.users"]
            if picked:
                self.write({"user_id": picked.id})
            else:
                lines.append(
                    self.env._(
                        "No %(level)s agent with the ticket's skills is available in %(team)s: choose an "
                        "assignee or another team.",
                        level=levels[support_level],
                        team=self.team_id.name or "-",
                    )
                )
        if self.user_id != user_from:
            lines.append(
                self.env._("Assignee: %(old)s → %(new)s.", old=user_from.name or "-", new=self.user_id.name or "-")
            )
        lines += notes
        if after:
            lines += after(self)
        who = self.env._("rule “%(rule)s”", rule=rule.name) if rule else self.env._("%(user)s", user=self.env.user.name)
        body = Markup("<p><b>%s</b></p>") % self.env._("Escalated to level %(level)s by %(who)s.", level=level, who=who)
        body += Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % line for line in lines)
        body += Markup("<p><b>%s</b></p>%s") % (
            self.env._("Reason"),
            reason if isinstance(reason, Markup) else plaintext2html(reason_text),
        )
        if details:
            body += Markup("<div>%s</div>") % details
        # Internal, told to the team's followers with "Escalated" (_notify_get_recipients).
        self.message_post(
            body=body,
            subtype_xmlid="helpdesk_itil.mt_ticket_escalated",
            message_type="comment",
            attachment_ids=attachments.ids if attachments else [],
        )
        details_text = html2plaintext(details).strip() if details else ""
        log.write(
            {
                "team_to_id": self.team_id.id,
                "user_to_id": self.user_id.id,
                "reason": "\n".join(filter(None, [reason_text, details_text, "\n".join(lines)])),
            }
        )
        return log

    # ------------------------------------------------------------------
    # Metrics: facts stamped when their event happens (tools/ticket_metrics.py)
    # ------------------------------------------------------------------

    def _kpi_snapshot(self, vals):
        """What the metrics need to know of the tickets before `vals` is written, for
        ``_kpi_stamp``; None when `vals` changes no metric (not the stage, team or assignee)."""
        if not KPI_EVENT_FIELDS.intersection(vals):
            return None
        moved = bool(vals.get("stage_id"))
        return {
            ticket.id: (
                ticket.state if moved else None,
                ticket.last_stage_update,
                ticket.team_id,
                ticket.assign_date,
                ticket.resolved_date,
                ticket.closed_date,
            )
            for ticket in self
        }

    def _kpi_on_create(self, now):
        """New tickets: those assigned at once (0 hours) and those created resolved or
        closed (imports with their dates) get these figures; the others wait for events."""
        self._kpi_stamp({ticket.id: (None, None, ticket.team_id, False, False, False) for ticket in self}, now)

    def _kpi_stamp(self, before, now):
        """Stamp the metrics of what just happened to these tickets, in one pass for the
        batch: the stage they left (requester or agent wait, from its start to `now`), a
        team transfer, the first assignment, a resolution (first and final, one-touch,
        first-contact resolution), a closure, a reopen (which clears the resolution and
        closure figures and the flags: a reopened ticket is neither).

        :param dict before: {ticket id: (state left or None if the stage did not change,
            since when it was in it, team, assign date, resolved date, closed date)};
            None: nothing to stamp (see ``_kpi_snapshot``)
        """
        if before is None:
            return
        values = defaultdict(dict)
        spans = []
        for ticket in self:
            left, since, team, assigned, resolved, closed = before[ticket.id]
            vals = values[ticket]
            party = ticket_metrics.waiting_party(left)
            if party:
                spans.append((ticket, f"kpi_{party}_wait", since, now, True))
            if ticket.team_id != team:
                vals["kpi_team_transfer_count"] = ticket.kpi_team_transfer_count + 1
            if ticket.assign_date and not assigned:
                spans.append((ticket, "kpi_assign", ticket.create_date, ticket.assign_date, False))
            if ticket.resolved_date and ticket.resolved_date != resolved:
                spans.append((ticket, "kpi_resolution", ticket.create_date, ticket.resolved_date, False))
                if not ticket.first_resolved_date:
                    vals["first_resolved_date"] = ticket.resolved_date
                    spans.append((ticket, "kpi_first_resolution", ticket.create_date, ticket.resolved_date, False))
                vals["kpi_one_touch"] = ticket_metrics.is_one_touch(ticket.kpi_reply_count, ticket.reopen_count)
                vals["kpi_first_contact_resolution"] = ticket_metrics.is_first_contact_resolution(
                    vals.get("kpi_team_transfer_count", ticket.kpi_team_transfer_count),
                    ticket.kpi_escalation_count,
                    ticket.reopen_count,
                )
            elif resolved and not ticket.resolved_date:
                vals.update(dict.fromkeys(KPI_RESOLUTION_FIELDS, False))
            if ticket.closed_date and ticket.closed_date != closed:
                spans.append((ticket, "kpi_close", ticket.create_date, ticket.closed_date, False))
            elif closed and not ticket.closed_date:
                vals.update(dict.fromkeys(KPI_CLOSE_FIELDS, False))
        self._kpi_measure(spans, values)
        self._kpi_write(values)

    def _kpi_on_agent_reply(self, when):
        """A public agent reply (``_is_first_response``) posted at `when`: counted, and the
        first one stamps the time to first response. Called before first_response_date is set."""
        values = {}
        spans = []
        for ticket in self.sudo():
            values[ticket] = {"kpi_reply_count": ticket.kpi_reply_count + 1}
            if not ticket.first_response_date:
                spans.append((ticket, "kpi_first_response", ticket.create_date, when, False))
        self._kpi_measure(spans, values)
        self._kpi_write(values)

    def _kpi_on_escalated(self):
        """An escalation (``_escalate``: a rule or a person) is counted."""
        self._kpi_write({ticket: {"kpi_escalation_count": ticket.kpi_escalation_count + 1} for ticket in self})

    @api.model
    def _kpi_measure(self, spans, values):
        """Put in `values` ({ticket: {field: value}}) the calendar and business hours of
        `spans` [(ticket, prefix, start, stop, add)] as `prefix`_hours and
        `prefix`_business_hours, added to the ticket's current figures when `add`. Business
        hours run on the ticket's clock (``_get_clock_key``), the SLA engine's; without a
        calendar they are calendar hours. One fetch of working intervals per calendar,
        declared up to the SLA engine's planning window so that both read the same cached
        working intervals (resource.calendar._helpdesk_work_intervals)."""
        if not spans:
            return
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        horizon = fields.Datetime.now() + PLAN_WINDOW
        for ticket, _prefix, start, stop, _add in spans:
            if start and stop and stop > start:
                clocks.need(ticket._get_clock_key(), start, max(stop, horizon))
        for ticket, prefix, start, stop, add in spans:
            key = ticket._get_clock_key()
            hours, business = ticket_metrics.elapsed(clocks.get(key) if key else None, start, stop)
            fnames = (f"{prefix}_hours", f"{prefix}_business_hours")
            if add:
                hours, business = hours + ticket[fnames[0]], business + ticket[fnames[1]]
            values[ticket].update(zip(fnames, (hours, business), strict=True))

    def _kpi_write(self, values):
        """Write metric values {ticket: {field: value}} as stamps, as superuser (the facts
        of an event whose write or message was checked): one write per set of equal values,
        none for values that did not change."""
        groups = defaultdict(list)
        for ticket, vals in values.items():
            changed = tuple(sorted((fname, value) for fname, value in vals.items() if ticket[fname] != value))
            if changed:
                groups[changed].append(ticket.id)
        for changed, ids in groups.items():
            self.browse(ids).sudo()._write_stamps(dict(changed))

    # ------------------------------------------------------------------
    # Lifecycle timers: the one scheduled action, one batch helper
    # ------------------------------------------------------------------

    @api.model
    def _cron_lifecycle(self):
        """Scheduled action "Helpdesk: SLA watcher and lifecycle timers" (every minute).

        Runs every ticket timer, each through ``_run_timer`` (committed batches, tickets
        locked, safe with two workers at once), in this order:

        1. SLA watcher: lines past their at-risk date or deadline, due escalation rules;
        2. escalation of tickets nobody answered in time;
        3. pending tickets: resolved after the team's days (before any reminder is due);
        4. pending tickets: the customer reminded once;
        5. resolved tickets nobody confirmed: closed after the team's days;
        6. alert tickets resolved by a recovery: closed after their source's quiet period.

        Then it asks to run again at the earliest SLA check (``ir.cron._trigger``), so that
        a breach is handled within a minute of its deadline. Returns False when the cron's
        time ran out (the cron then runs again at once).
        """
        now = fields.Datetime.now()
        timers = (
            self._timer_sla_watch,
            self._timer_no_response,
            self._timer_pending_auto_resolve,
            self._timer_pending_reminder,
            self._timer_close_unconfirmed,
            self._timer_close_recovered_alerts,
        )
        for timer in timers:
            if not timer(now):
                return False
        self.env["helpdesk.ticket.sla"]._schedule_next_watch(now)
        return True

    @api.model
    def _run_timer(self, domain, process, order="id", batch_size=TIMER_BATCH_SIZE):
        """Call `process(tickets)` on the tickets matching `domain`, in committed batches.

        Per batch: search the due tickets (not seen yet in this run), lock them, skipping
        rows another worker holds (so every line of a ticket is handled by one worker, and
        an agent saving a ticket takes its locks in the same order: ticket, then lines),
        keep those still due once locked, process them and commit
        (``ir.cron._commit_progress``). A batch that meets a serialization failure (another
        worker committed a change to one of its tickets since this transaction began) or a
        deadlock is rolled back and left for the next run; the run goes on. Returns False
        when the cron's time is up.
        """
        Ticket = self.with_user(SUPERUSER_ID).sudo()
        seen = []
        while True:
            tickets = Ticket.search(Domain(domain) & Domain("id", "not in", seen), order=order, limit=batch_size)
            if not tickets:
                return True
            seen += tickets.ids
            try:
                with self.env.cr.savepoint():
                    with mute_logger("odoo.sql_db"):  # a failed lock is expected, not an error
                        locked = tickets.try_lock_for_update(allow_referencing=True)
                    due = (
                        Ticket.search(Domain(domain) & Domain("id", "in", locked.ids), order=order)
                        if locked
                        else locked
                    )
                    if due:
                        process(due)
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected) as error:
                _logger.info("Helpdesk timer: %s tickets left for the next run (%s)", len(tickets), error.pgcode)
                self.env.invalidate_all(flush=False)
            if not self.env["ir.cron"]._commit_progress(len(tickets)):
                return False

    @api.model
    def _timer_sla_watch(self, now=None, batch_size=SLA_WATCH_BATCH_SIZE):
        """Tickets with SLA lines due for a check (helpdesk.ticket.sla._watch_tickets)."""
        now = now or fields.Datetime.now()
        Line = self.env["helpdesk.ticket.sla"].sudo()
        return self._run_timer(
            Domain("sla_ids", "any", Line._due_domain(now)),
            lambda tickets: Line._watch_tickets(tickets, now),
            batch_size=batch_size,
        )

    @api.model
    def _timer_no_response(self, now=None, batch_size=TIMER_BATCH_SIZE):
        """Open tickets nobody answered within a no-first-response rule's business hours."""
        now = now or fields.Datetime.now()
        domain = (
            Domain("no_response_escalation_date", "<=", now)
            & Domain("first_response_date", "=", False)
            & Domain("state", "in", OPEN_STATES)
        )
        Rule = self.env["helpdesk.escalation.rule"].sudo()
        return self._run_timer(
            domain,
            lambda tickets: Rule._fire_no_response(tickets, now),
            order="no_response_escalation_date, id",
            batch_size=batch_size,
        )

    @api.model
    def _pending_due_domain(self, days_field, now):
        """Pending tickets in their stage for at least their team's `days_field` days."""
        teams = self.env["helpdesk.team"].sudo().search([(days_field, ">", 0)])
        if not teams:
            return Domain.FALSE
        return Domain("state", "=", "pending") & Domain.OR(
            Domain("team_id", "in", day_teams.ids) & Domain("last_stage_update", "<=", now - timedelta(days=days))
            for days, day_teams in teams.grouped(days_field).items()
        )

    @api.model
    def _timer_pending_auto_resolve(self, now=None, batch_size=TIMER_BATCH_SIZE):
        """Pending tickets the customer left unanswered for the team's days: resolved with
        the closure code "No Customer Response" and a note."""
        now = now or fields.Datetime.now()
        domain = self._pending_due_domain("pending_auto_resolve_days", now)
        if domain.is_false():
            return True
        code = self.env.ref("helpdesk_itil.closure_no_response")

        def resolve(tickets):
            for team, team_tickets in tickets.grouped("team_id").items():
                note = self.env._(
                    "Resolved automatically: the customer did not answer within %(days)s days.",
                    days=team.pending_auto_resolve_days,
                )
                resolved = team_tickets._set_state(
                    "resolved",
                    {"resolution_note": Markup("<p>%s</p>") % note, "closure_code_id": code.id},
                    strict=False,
                )
                resolved._message_log_batch(dict.fromkeys(resolved.ids, Markup("<p>%s</p>") % note))

        return self._run_timer(domain, resolve, order="last_stage_update, id", batch_size=batch_size)

    @api.model
    def _timer_pending_reminder(self, now=None, batch_size=TIMER_BATCH_SIZE):
        """Pending tickets waiting on the customer for the team's days: one reminder email."""
        now = now or fields.Datetime.now()
        domain = self._pending_due_domain("pending_reminder_days", now)
        if domain.is_false():
            return True
        domain &= Domain("pending_reminder_sent", "=", False)
        default_template = self.env.ref("helpdesk_itil.mail_template_ticket_pending_reminder", raise_if_not_found=False)
        odoobot = self.env.ref("base.partner_root")

        def remind(tickets):
            for team, team_tickets in tickets.grouped("team_id").items():
                template = team.pending_reminder_template_id or default_template
                if not template:
                    continue
                for ticket in team_tickets:
                    # Sent by the system: an automatic reminder is not an agent's response.
                    ticket.message_post_with_source(
                        template, message_type="comment", subtype_xmlid="mail.mt_comment", author_id=odoobot.id
                    )
            tickets.write({"pending_reminder_sent": now})

        return self._run_timer(domain, remind, order="last_stage_update, id", batch_size=batch_size)

    @api.model
    def _timer_close_unconfirmed(self, now=None, batch_size=TIMER_BATCH_SIZE):
        """Resolved tickets the customer neither confirmed nor rejected within the team's
        `auto_close_days`: closed without confirmation (a note says so), which asks for a
        rating like any closure."""
        now = now or fields.Datetime.now()
        teams = self.env["helpdesk.team"].sudo().with_context(active_test=False).search([("auto_close_days", ">", 0)])
        if not teams:
            return True
        domain = Domain("state", "=", "resolved") & Domain.OR(
            Domain("team_id", "in", day_teams.ids) & Domain("resolved_date", "<=", now - timedelta(days=days))
            for days, day_teams in teams.grouped("auto_close_days").items()
        )

        def close(tickets):
            for team, team_tickets in tickets.grouped("team_id").items():
                closed = team_tickets.with_context(helpdesk_closure="timer")._set_state(
                    "closed", {"customer_confirmation": "none"}, strict=False
                )
                note = Markup("<p>%s</p>") % self.env._(
                    "Closed without confirmation: the customer did not answer within %(days)s days of the resolution.",
                    days=team.auto_close_days,
                )
                closed._message_log_batch(dict.fromkeys(closed.ids, note))

        return self._run_timer(domain, close, order="resolved_date, id", batch_size=batch_size)

    @api.model
    def _timer_close_recovered_alerts(self, now=None, batch_size=TIMER_BATCH_SIZE):
        """Alert tickets resolved because their alert recovered: closed once their source's
        quiet period is over without the alert firing again."""
        now = now or fields.Datetime.now()
        sources = self.env["helpdesk.alert.source"].sudo().with_context(active_test=False).search([])
        if not sources:
            return True
        domain = (
            Domain("state", "=", "resolved")
            & Domain("closure_code_id", "=", self.env.ref("helpdesk_itil.closure_monitoring_recovered").id)
            & Domain.OR(
                Domain("alert_source_id", "in", period_sources.ids)
                & Domain("resolved_date", "<=", now - timedelta(minutes=minutes))
                for minutes, period_sources in sources.grouped("quiet_period_minutes").items()
            )
        )
        return self._run_timer(
            domain,
            lambda tickets: tickets.with_context(helpdesk_closure="system")._set_state("closed", strict=False),
            order="resolved_date, id",
            batch_size=batch_size,
        )
