from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html2plaintext

from .helpdesk_priority_matrix import IMPACTS, PRIORITIES, URGENCIES, URGENT_PRIORITIES
from .helpdesk_stage import DONE_STATES, FINAL_STATES, OPEN_STATES
from .res_partner import PRIORITY_BOOST_TIERS

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
}
# Many2one fields checked explicitly so that API and form callers get a ValidationError
# naming the field rather than a foreign-key error from the database.
CHECKED_RELATIONS = ("team_id", "category_id", "type_id", "user_id", "partner_id", "stage_id", "closure_code_id")
# Who may read the ERP documents a ticket links to (their models' access rights).
SALE_READERS = "sales_team.group_sale_salesman,account.group_account_invoice,account.group_account_readonly"
INVOICE_READERS = "account.group_account_invoice,account.group_account_readonly"
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")


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

    def _default_stage_id(self):
        team = self.env["helpdesk.team"].browse(self.env.context.get("default_team_id"))
        return team.exists()._get_first_stage() if team.exists() else False

    # Identification
    reference = fields.Char(string="Reference", readonly=True, copy=False, index=True)
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
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id", store=True, index=True)
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
        string="Team",
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
    category_id = fields.Many2one("helpdesk.category", string="Category", tracking=True, index=True)
    type_id = fields.Many2one("helpdesk.ticket.type", string="Type", tracking=True, index=True)
    tag_ids = fields.Many2many("helpdesk.tag", string="Tags")
    channel = fields.Selection(CHANNELS, default="internal", required=True, index=True, tracking=True)

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
    invoice_count = fields.Integer(string="Invoice Count", compute="_compute_invoice_count", groups=INVOICE_READERS)

    # Lifecycle
    stage_id = fields.Many2one(
        "helpdesk.stage",
        string="Stage",
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
    state = fields.Selection(related="stage_id.state", store=True, index=True)
    is_closed = fields.Boolean(compute="_compute_is_closed", store=True, index=True)
    is_locked = fields.Boolean(
        compute="_compute_is_locked", help="Closed ticket the current user may not edit."
    )
    assign_date = fields.Datetime(string="Assigned On", copy=False, readonly=True)
    first_response_date = fields.Datetime(string="First Response On", copy=False, readonly=True)
    resolved_date = fields.Datetime(string="Resolved On", copy=False, readonly=True, index=True)
    closed_date = fields.Datetime(string="Closed On", copy=False, readonly=True, index=True)
    last_stage_update = fields.Datetime(copy=False, readonly=True, default=fields.Datetime.now)
    reopen_count = fields.Integer(string="Reopened", copy=False, readonly=True)
    resolution_note = fields.Html(
        copy=False, help="What was done to solve the ticket; required to resolve it."
    )
    closure_code_id = fields.Many2one(
        "helpdesk.closure.code", string="Closure Code", copy=False, tracking=True, index=True
    )
    customer_confirmation = fields.Selection(
        CONFIRMATIONS,
        default="none",
        required=True,
        copy=False,
        tracking=True,
        help="Whether the customer confirmed the resolution.",
    )
    age_display = fields.Char(string="Age", compute="_compute_age_display")

    _reference_uniq = models.Constraint("unique (reference)", "Ticket references must be unique.")

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
        for ticket in self:
            if not ticket.team_id and ticket.category_id:
                ticket.team_id = ticket.category_id._get_default_team()

    @api.depends("impact", "urgency", "company_id", "partner_id")
    def _compute_priority(self):
        matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id | self.env.company)
        for ticket in self:
            if ticket.priority_overridden and ticket.priority:
                continue
            ticket.priority = ticket._matrix_priority(matrix)

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
            ticket.order_invoice_ids = ticket.sudo().sale_order_ids.invoice_ids.filtered(
                lambda move: move.move_type in CUSTOMER_INVOICE_TYPES
            ).ids

    @api.depends("invoice_ids", "order_invoice_ids")
    def _compute_invoice_count(self):
        for ticket in self:
            ticket.invoice_count = len(ticket.invoice_ids | ticket.order_invoice_ids)

    @api.depends("team_id")
    def _compute_stage_id(self):
        for ticket in self:
            if not ticket.team_id:
                if not ticket.stage_id:
                    ticket.stage_id = self.env["helpdesk.stage"].search([("state", "=", "new")], limit=1)
            elif not ticket.stage_id or ticket.stage_id not in ticket.team_id.stage_ids:
                ticket.stage_id = ticket.team_id._get_first_stage()

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

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        team_id = self.env.context.get("default_team_id")
        if team_id:
            return self.env["helpdesk.team"].browse(team_id).stage_ids | stages
        return stages.search([]) | stages

    def _matrix_priority(self, matrix, impact=None, urgency=None, partner=None):
        """The priority proposed for the ticket: the impact × urgency cell, one level higher
        for customers of a gold or platinum tier. `impact`, `urgency` and `partner` stand
        for values about to be written."""
        company_map = matrix.get(self.company_id.id) or matrix[self.env.company.id]
        priority = company_map[(impact or self.impact or "medium", urgency or self.urgency or "medium")]
        partner = self.partner_id if partner is None else partner
        if partner.commercial_partner_id.helpdesk_tier in PRIORITY_BOOST_TIERS:
            priority = str(max(int(priority) - 1, int(PRIORITIES[0][0])))
        return priority

    @api.constrains("invoice_ids")
    def _check_invoice_ids(self):
        for ticket in self.sudo():
            wrong = ticket.invoice_ids.filtered(
                lambda move, ticket=ticket: move.move_type not in CUSTOMER_INVOICE_TYPES
                or move.commercial_partner_id != ticket.commercial_partner_id
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

    @api.model
    def _check_input(self, vals, creating):
        """Reject bad values with a message that names the field (forms, API, mail)."""
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
        for fname in CHECKED_RELATIONS:
            value = vals.get(fname)
            if not value:
                continue
            if not isinstance(value, int) or not self.env[self._fields[fname].comodel_name].sudo().browse(value).exists():
                raise ValidationError(
                    self.env._(
                        "%(field)s %(value)s does not exist.", field=self._fields[fname].string, value=value
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            self._check_input(vals, creating=True)
            if vals.get("user_id"):
                vals["assign_date"] = now
            if not vals.get("reference"):
                vals["reference"] = self.env["ir.sequence"].sudo().next_by_code("helpdesk.ticket")
        tickets = super().create(vals_list)
        for ticket, vals in zip(tickets, vals_list, strict=True):
            if "priority" in vals and not vals.get("priority_overridden"):
                matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(ticket.company_id)
                if vals["priority"] != ticket._matrix_priority(matrix):
                    ticket.priority_overridden = True
        tickets._check_resolution_requirements()
        tickets._auto_assign()
        tickets._apply_state_dates(now)
        if tickets.partner_id:
            tickets._message_subscribe(partner_ids=tickets.partner_id.ids)
        return tickets

    def write(self, vals):
        self._check_input(vals, creating=False)
        self._check_closed_lock(vals)
        if {"stage_id", "resolution_note", "closure_code_id"}.intersection(vals):
            self._check_resolution_requirements(vals)
        now = fields.Datetime.now()
        if "priority" in vals and "priority_overridden" not in vals and not self.env.context.get("matrix_priority"):
            matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id)
            impact, urgency = vals.get("impact"), vals.get("urgency")
            partner = self.env["res.partner"].browse(vals["partner_id"]) if "partner_id" in vals else None
            overridden = {
                ticket: vals["priority"] != ticket._matrix_priority(matrix, impact, urgency, partner)
                for ticket in self
            }
        else:
            overridden = None
        if vals.get("stage_id"):
            vals["last_stage_update"] = now
            new_state = self.env["helpdesk.stage"].browse(vals["stage_id"]).state
            reopened = self.filtered(lambda t: t.state in DONE_STATES) if new_state in OPEN_STATES else self.browse()
            previous_states = {ticket: ticket.stage_id for ticket in reopened}
        else:
            reopened, previous_states = self.browse(), {}
        if vals.get("user_id"):
            unassigned = self.filtered(lambda t: not t.user_id)
        else:
            unassigned = self.browse()

        result = super().write(vals)

        if overridden is not None:
            for flag in (True, False):
                tickets = self.filtered(lambda t, flag=flag: overridden[t] is flag)
                if tickets:
                    super(HelpdeskTicket, tickets).write({"priority_overridden": flag})
        if unassigned:
            super(HelpdeskTicket, unassigned).write({"assign_date": now})
        if "stage_id" in vals:
            self._apply_state_dates(now)
            if reopened:
                reopened._register_reopen(previous_states)
        if vals.get("partner_id"):
            self._message_subscribe(partner_ids=[vals["partner_id"]])
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if self.filtered("is_closed") and not self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            raise UserError(self.env._("Closed tickets are kept for history; only a helpdesk manager can delete them."))

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

    def _check_resolution_requirements(self, vals=None):
        """Resolving needs a resolution note and a closure code.

        With `vals`, checks the tickets as they would be after writing them, so that a
        refused write changes nothing.
        """
        vals = vals or {}
        stage = self.env["helpdesk.stage"].browse(vals["stage_id"]) if vals.get("stage_id") else None
        for ticket in self:
            state = stage.state if stage else ticket.state
            if state not in ("resolved", "closed"):
                continue
            note = vals["resolution_note"] if "resolution_note" in vals else ticket.resolution_note
            code = vals["closure_code_id"] if "closure_code_id" in vals else ticket.closure_code_id
            missing = []
            if not html2plaintext(note or "").strip():
                missing.append(self._fields["resolution_note"].string)
            if not code:
                missing.append(self._fields["closure_code_id"].string)
            if missing:
                raise ValidationError(
                    self.env._(
                        "To resolve %(ticket)s, fill in: %(fields)s.",
                        ticket=ticket.reference or ticket.name,
                        fields=", ".join(missing),
                    )
                )

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
                    super(HelpdeskTicket, unresolved).write({"resolved_date": now})
            if tickets:
                super(HelpdeskTicket, tickets).write(values)
        reopened = self.filtered(lambda t: t.state in OPEN_STATES and (t.resolved_date or t.closed_date))
        if reopened:
            super(HelpdeskTicket, reopened).write({"resolved_date": False, "closed_date": False})

    def _register_reopen(self, previous_stages):
        for ticket in self:
            super(HelpdeskTicket, ticket).write(
                {"reopen_count": ticket.reopen_count + 1, "customer_confirmation": "none"}
            )
            ticket.message_post(
                body=self.env._(
                    "Ticket reopened by %(user)s (was %(stage)s).",
                    user=self.env.user.name,
                    stage=previous_stages[ticket].name,
                ),
                subtype_xmlid="helpdesk_itil.mt_ticket_reopened",
            )

    def _auto_assign(self):
        """Give unassigned tickets an assignee by their team's assignment method."""
        unassigned = self.filtered(lambda t: not t.user_id and t.team_id and t.team_id.assignment_method != "manual")
        now = fields.Datetime.now()
        for team in unassigned.team_id:
            team_tickets = unassigned.filtered(lambda t, team=team: t.team_id == team)
            for ticket, user in zip(team_tickets, team._pick_assignees(len(team_tickets)), strict=True):
                if user:
                    super(HelpdeskTicket, ticket).write({"user_id": user.id, "assign_date": now})

    def _compute_access_url(self):
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.reference} - {ticket.name}" if ticket.reference else ticket.name

    def _creation_subtype(self):
        return self.env.ref("helpdesk_itil.mt_ticket_new")

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("helpdesk_itil.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _message_post_after_hook(self, message, msg_values):
        # The first public reply written by an agent is the first response.
        if message.message_type in ("comment", "email") and message.subtype_id == self.env.ref("mail.mt_comment"):
            author = message.author_id
            author_users = author.sudo().user_ids
            is_agent = author_users and not all(author_users.mapped("share"))
            if is_agent and author != self.env.ref("base.partner_root"):
                pending = self.filtered(lambda t: not t.first_response_date)
                if pending:
                    super(HelpdeskTicket, pending.sudo()).write({"first_response_date": message.date})
        return super()._message_post_after_hook(message, msg_values)

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
        code = self.env.ref("helpdesk_itil.closure_erp_done")
        resolution = Markup("<p>%s</p>") % self.env._(
            "Resolved automatically: %(document)s is done.", document=document.display_name
        )
        for team in to_resolve.team_id:
            stage = team._get_resolved_stage()
            if stage:
                to_resolve.filtered(lambda t, team=team: t.team_id == team).write(
                    {"stage_id": stage.id, "resolution_note": resolution, "closure_code_id": code.id}
                )

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

    def action_view_sale_orders(self):
        return self._action_view_documents("sale.action_orders", self.sale_order_ids, "sale.view_order_form")

    def action_view_tasks(self):
        return self._action_view_documents("project.action_view_all_task", self.task_ids, "project.view_task_form2")

    def action_view_invoices(self):
        return self._action_view_documents(
            "account.action_move_out_invoice_type", self.invoice_ids | self.order_invoice_ids, "account.view_move_form"
        )

    def _action_view_ticket(self):
        """Open this ticket's form (smart buttons of the documents made from it)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action.update({"views": [(False, "form")], "res_id": self.id, "context": {}})
        return action
