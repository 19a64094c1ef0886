from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import html2plaintext, is_html_empty

from ..tools import similarity
from ..tools.text import normalize_subject
from .helpdesk_priority_matrix import IMPACTS, PRIORITIES, URGENCIES
from .helpdesk_stage import OPEN_STATES

PROBLEM_STATES = [
    ("new", "New"),
    ("investigating", "Investigating"),
    ("known_error", "Known Error"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
# Problems incidents may still be linked to (the link wizard offers these).
OPEN_PROBLEM_STATES = ("new", "investigating", "known_error")
# Least trigram similarity of a ticket's subject to a known error's title for the
# known-error match (same category); lower than the duplicates' 0.6: a title names the
# symptom in general terms, a subject in the customer's.
KNOWN_ERROR_SIMILARITY = 0.4
KNOWN_ERROR_MATCH_LIMIT = 3
# The closure code of incidents resolved with their problem.
SOLVED_BY_PROBLEM_CODE = "solved_by_problem"


class HelpdeskProblem(models.Model):
    """ITIL problem: the unknown (then known) cause of one or more incidents.

    Incidents link to it with `helpdesk.ticket.problem_id` (*caused by*). Once its cause
    and a workaround are known it is a *known error*: the workaround reaches its open
    incidents as an internal note and new incidents that look alike show it (Assist area).
    Once fixed, its open incidents can be resolved at once (action_resolve_incidents).
    """

    _name = "helpdesk.problem"
    _description = "Helpdesk Problem"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority, id desc"
    _rec_names_search = ["reference", "name", "error_code"]
    _check_company_auto = True

    reference = fields.Char(readonly=True, copy=False, index="trigram")
    name = fields.Char(string="Title", required=True, tracking=True)
    title_normalized = fields.Char(
        compute="_compute_title_normalized",
        store=True,
        precompute=True,
        index="trigram",
        help="The title as ticket subjects are compared (tools.text.normalize_subject): the known-error match.",
    )
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one("helpdesk.team", tracking=True, index=True, check_company=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="The problem manager who drives the investigation.",
    )
    category_id = fields.Many2one("helpdesk.category", tracking=True, index=True)
    impact = fields.Selection(IMPACTS, default="medium", required=True, tracking=True)
    urgency = fields.Selection(URGENCIES, default="medium", required=True, tracking=True)
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        index=True,
        tracking=True,
        help="From impact × urgency through the priority matrix the tickets use.",
    )
    state = fields.Selection(PROBLEM_STATES, default="new", required=True, tracking=True, index=True, copy=False)
    symptom = fields.Html(help="What the users see: the incidents' common symptom.")
    root_cause = fields.Html()
    workaround = fields.Html(help="How to restore the service until the permanent fix; required for a known error.")
    workaround_published = fields.Boolean(
        string="Publish Workaround to the Portal",
        help="Customers see the workaround on their own tickets linked to this problem (never the problem itself).",
    )
    permanent_fix = fields.Html(help="What removed the cause; required to resolve the problem.")
    error_code = fields.Char(
        index="btree_not_null",
        tracking=True,
        help="An error code or message that identifies the error: a new ticket whose subject or description "
        "contains it is matched to this known error.",
    )
    change_reference = fields.Char(string="Change", tracking=True, help="The change (request) that fixes it.")
    article_id = fields.Many2one("helpdesk.article", string="Knowledge Article", tracking=True)
    known_error_date = fields.Datetime(string="Known Error On", readonly=True, copy=False)
    resolved_date = fields.Datetime(string="Resolved On", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed On", readonly=True, copy=False)
    incident_ids = fields.One2many("helpdesk.ticket", "problem_id", string="Incidents")
    incident_count = fields.Integer(compute="_compute_incident_count")
    open_incident_count = fields.Integer(compute="_compute_incident_count")
    workaround_summary = fields.Char(compute="_compute_workaround_summary")

    _reference_uniq = models.Constraint("unique (reference)", "A problem with this reference already exists.")

    @api.depends("name")
    def _compute_title_normalized(self):
        for problem in self:
            problem.title_normalized = normalize_subject(problem.name) or False

    @api.depends("impact", "urgency", "company_id")
    def _compute_priority(self):
        matrix = self.env["helpdesk.priority.matrix"]._get_priority_map(self.company_id | self.env.company)
        for problem in self:
            company_map = matrix.get(problem.company_id.id) or matrix[self.env.company.id]
            problem.priority = company_map[(problem.impact or "medium", problem.urgency or "medium")]

    def _compute_incident_count(self):
        counts = {
            (problem.id, state): count
            for problem, state, count in self.env["helpdesk.ticket"]._read_group(
                [("problem_id", "in", self.ids)], ["problem_id", "state"], ["__count"]
            )
        }
        for problem in self:
            problem.incident_count = sum(c for (pid, _s), c in counts.items() if pid == problem.id)
            problem.open_incident_count = sum(counts.get((problem.id, state), 0) for state in OPEN_STATES)

    @api.depends("workaround")
    def _compute_workaround_summary(self):
        for problem in self:
            text = " ".join(html2plaintext(problem.workaround or "").split())
            problem.workaround_summary = text[:200] + ("…" if len(text) > 200 else "") if text else False

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("reference"):
                vals["reference"] = self.env["ir.sequence"].sudo().next_by_code("helpdesk.problem")
        self._check_state_requirements(vals_list)
        problems = super().create(vals_list)
        now = fields.Datetime.now()
        for state in ("known_error", "resolved", "closed"):
            born = problems.filtered(lambda p, state=state: p.state == state)
            if born:
                born._on_state_entered(state, now)
        return problems

    def write(self, vals):
        state = vals.get("state")
        if state or {"workaround", "permanent_fix"}.intersection(vals):
            self._check_state_requirements([vals], records=self)
        entering = self.filtered(lambda p: p.state != state) if state else self.browse()
        result = super().write(vals)
        if entering:
            entering._on_state_entered(state, fields.Datetime.now())
        return result

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for problem in self:
            problem.display_name = f"{problem.reference} - {problem.name}" if problem.reference else problem.name

    # ------------------------------------------------------------------
    # State guards and stamps
    # ------------------------------------------------------------------

    def _check_state_requirements(self, vals_list, records=None):
        """A known error needs a workaround; resolving (and closing) needs a permanent fix.
        Checked on the values about to be written, so that a refused change writes nothing."""
        pairs = (
            [(problem, vals_list[0]) for problem in records] if records is not None else [(None, v) for v in vals_list]
        )
        for problem, vals in pairs:
            state = vals.get("state") or (problem.state if problem else "new")
            workaround = vals["workaround"] if "workaround" in vals else (problem.workaround if problem else False)
            fix = vals["permanent_fix"] if "permanent_fix" in vals else (problem.permanent_fix if problem else False)
            label = (problem.reference if problem else None) or vals.get("name") or self.env._("The problem")
            if state == "known_error" and is_html_empty(workaround):
                raise UserError(
                    self.env._(
                        "%(problem)s: a known error needs a workaround. Describe how users get the service "
                        "back until the permanent fix.",
                        problem=label,
                    )
                )
            if state in ("resolved", "closed") and is_html_empty(fix):
                raise UserError(
                    self.env._(
                        "%(problem)s: describe the permanent fix before resolving the problem.",
                        problem=label,
                    )
                )

    def _on_state_entered(self, state, now):
        """Stamp when it happened; a known error's workaround reaches its open incidents."""
        if state == "known_error":
            self.filtered(lambda p: not p.known_error_date).write({"known_error_date": now})
            for problem in self:
                problem._ensure_article()
                problem._post_workaround_note(problem._open_incidents().sudo())
        elif state in ("resolved", "closed"):
            self.filtered(lambda p: not p.resolved_date).write({"resolved_date": now})
            if state == "closed":
                self.write({"closed_date": now})
        elif state in ("new", "investigating"):
            self.write({"resolved_date": False, "closed_date": False})

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_investigate(self):
        self.write({"state": "investigating"})

    def action_known_error(self):
        self.write({"state": "known_error"})

    def action_resolve(self):
        self.write({"state": "resolved"})

    def action_close(self):
        self.write({"state": "closed"})

    def action_cancel(self):
        self.write({"state": "cancelled"})

    def action_reopen(self):
        self.write({"state": "investigating"})

    def action_view_incidents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action.update(
            domain=[("problem_id", "=", self.id)],
            context={"default_problem_id": self.id, "default_team_id": self.team_id.id},
        )
        return action

    def action_resolve_incidents(self):
        """Resolve every open incident of this resolved problem at once: closure code
        *solved by problem*, the permanent fix as resolution note, through the tickets' own
        state change (helpdesk.ticket._set_state: the customer gets the usual resolution
        request). The current user's rights apply to every incident, checked before
        anything is written: all of them or none."""
        self.ensure_one()
        self.check_access("read")
        if self.state not in ("resolved", "closed"):
            raise UserError(self.env._("Resolve the problem first: its incidents are resolved with its permanent fix."))
        incidents = self._open_incidents()
        if not incidents:
            raise UserError(self.env._("%(problem)s has no open incidents.", problem=self.reference))
        incidents.check_access("write")
        missing = incidents.team_id.filtered(lambda team: not team._get_stage_for_state("resolved"))
        if missing:
            raise UserError(
                self.env._(
                    "Team %(team)s has no resolved stage: add one to its stages.",
                    team=", ".join(missing.mapped("name")),
                )
            )
        code = self.env["helpdesk.closure.code"].search([("code", "=", SOLVED_BY_PROBLEM_CODE)], limit=1)
        if not code:
            raise UserError(self.env._("The closure code “solved by problem” is missing (archived or deleted)."))
        note = Markup("<p>%s</p>%s") % (
            self.env._("Solved with problem %(problem)s (%(title)s):", problem=self.reference, title=self.name),
            self.permanent_fix,
        )
        incidents._set_state("resolved", {"resolution_note": note, "closure_code_id": code.id})
        # A helpdesk user may resolve their tickets without writing the problem: the log is the system's.
        self.sudo().message_post(
            body=self.env._(
                "%(count)s incidents resolved with the permanent fix: %(tickets)s",
                count=len(incidents),
                tickets=", ".join(incidents.mapped("reference")),
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%(count)s incidents resolved.", count=len(incidents)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _open_incidents(self):
        """Every open incident of the problem, whoever may read them (the caller's rights
        are checked on what it does with them)."""
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            .search([("problem_id", "in", self.ids), ("state", "in", OPEN_STATES)])
            .with_env(self.env)
        )

    def _link_incidents(self, tickets):
        """Link `tickets` to this problem (*caused by*) with the current user's rights on
        them; a known error's workaround reaches those still open."""
        self.ensure_one()
        self.check_access("read")
        if self.state not in OPEN_PROBLEM_STATES:
            raise UserError(
                self.env._(
                    "%(problem)s is %(state)s: link incidents to an open problem.",
                    problem=self.reference,
                    state=dict(PROBLEM_STATES)[self.state],
                )
            )
        tickets.check_access("write")
        tickets.write({"problem_id": self.id})

    def _on_incidents_linked(self, tickets):
        """`tickets` were just linked to this problem: if it is a known error, its
        workaround reaches those still open."""
        if self.state == "known_error":
            self._post_workaround_note(tickets.filtered(lambda t: t.state in OPEN_STATES).sudo())

    def _ensure_article(self):
        """The known error's knowledge article: a draft written from its symptom and
        workaround, for the owner to review and publish, unless it has one."""
        self.ensure_one()
        if self.article_id:
            return
        body = Markup("<h3>%s</h3>%s<h3>%s</h3>%s") % (
            self.env._("Symptom"),
            self.symptom or Markup("<p>%s</p>") % self.name,
            self.env._("Workaround"),
            self.workaround,
        )
        article = self.env["helpdesk.article"].create(
            {
                "name": self.name,
                "body": body,
                "category_ids": [Command.set(self.category_id.ids)],
                "team_ids": [Command.set(self.team_id.ids)],
                "owner_id": (self.user_id or self.env.user).id,
            }
        )
        self.article_id = article
        article.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": article, "origin": self},
            subtype_xmlid="mail.mt_note",
        )

    def _post_workaround_note(self, tickets):
        """An internal note with the workaround on `tickets` (incidents of this known
        error); the agent sends it to the customer with the ticket's Send Workaround."""
        self.ensure_one()
        if not tickets:
            return
        article = self.sudo().article_id
        article_line = (
            Markup("<p>%s <a href='/odoo/helpdesk.article/%s'>%s</a></p>")
            % (self.env._("Knowledge article:"), article.id, article.name)
            if article
            else Markup()
        )
        body = Markup("<p><strong>%s</strong></p>%s%s<p><em>%s</em></p>") % (
            self.env._("Known error %(problem)s: %(title)s — workaround:", problem=self.reference, title=self.name),
            self.workaround,
            article_line,
            self.env._("Use “Send Workaround” on the ticket to send it to the customer."),
        )
        for ticket in tickets:
            ticket.message_post(body=body, subtype_xmlid="mail.mt_note", message_type="comment")

    @api.model
    def _match_known_errors(self, ticket):
        """Known errors a ticket looks like: one whose error code its subject or
        description contains, or one of its category whose title resembles its subject
        (tools.similarity, as similar tickets). The current user's record rules apply."""
        base = Domain("state", "=", "known_error") & Domain(
            "company_id", "in", (ticket.company_id | self.env.company).ids
        )
        text = f"{ticket.name or ''} {html2plaintext(ticket.description or '')}".lower()
        matches = self.browse()
        for problem in self.search_fetch(base & Domain("error_code", "!=", False), ["error_code"]):
            if problem.error_code.strip().lower() in text:
                matches |= problem
        if ticket.category_id and ticket.name:
            found = similarity.find_similar(
                self,
                "title_normalized",
                normalize_subject(ticket.name),
                domain=base & Domain("category_id", "=", ticket.category_id.id),
                limit=KNOWN_ERROR_MATCH_LIMIT,
                threshold=KNOWN_ERROR_SIMILARITY,
            )
            matches |= self.browse(problem.id for problem, _score in found)
        return matches[:KNOWN_ERROR_MATCH_LIMIT]
