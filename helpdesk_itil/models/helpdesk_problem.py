import hashlib
import re

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext, is_html_empty

from ..tools import similarity
from ..tools.text import normalize_subject, plain_text
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
# Least share of a known error's title or symptom found in the ticket's subject and
# description (tools.similarity, measure "within"; same category).
KNOWN_ERROR_WITHIN_SIMILARITY = 0.6
KNOWN_ERROR_MATCH_LIMIT = 3
# How much of a ticket's description the known-error match reads.
KNOWN_ERROR_TEXT_LIMIT = 2000
# States whose problem keeps its knowledge article's text (see _sync_article).
ARTICLE_STATES = ("known_error", "resolved", "closed")
# What the article's text is written from.
ARTICLE_FIELDS = {"symptom", "root_cause", "workaround", "permanent_fix", "error_code"}
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
    article_id = fields.Many2one("helpdesk.article", string="Knowledge Article", tracking=True, copy=False)
    article_digest = fields.Char(
        copy=False,
        readonly=True,
        help="The digest of the text this problem last wrote in its article; empty when the article is not "
        "(or no longer) written by the problem: chosen by hand, or edited in the knowledge base since.",
    )
    article_follows = fields.Boolean(
        string="Article Follows the Problem",
        compute="_compute_article_follows",
        help="The article's text is rewritten when the symptom, root cause, workaround, permanent fix or "
        "error code change; editing the article in the knowledge base stops it.",
    )
    symptom_normalized = fields.Char(
        compute="_compute_symptom_normalized",
        store=True,
        precompute=True,
        help="The symptom's words, lower-cased (tools.similarity.query_words): the known-error match.",
    )
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

    @api.depends("article_id", "article_digest")
    def _compute_article_follows(self):
        for problem in self:
            problem.article_follows = bool(problem.article_id and problem.article_digest)

    @api.depends("symptom")
    def _compute_symptom_normalized(self):
        for problem in self:
            problem.symptom_normalized = similarity.query_words(html2plaintext(problem.symptom or "")) or False

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
        if "article_id" in vals and "article_digest" not in vals:
            # An article chosen by hand is the agent's: the problem never writes it.
            vals = dict(vals, article_digest=False)
        entering = self.filtered(lambda p: p.state != state) if state else self.browse()
        result = super().write(vals)
        if entering:
            entering._on_state_entered(state, fields.Datetime.now())
        if ARTICLE_FIELDS.intersection(vals):
            (self - entering).filtered(lambda p: p.state in ARTICLE_STATES)._sync_article()
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
            self._sync_article(create=True)
            for problem in self:
                problem._post_workaround_note(problem._open_incidents().sudo())
        elif state in ("resolved", "closed"):
            self.filtered(lambda p: not p.resolved_date).write({"resolved_date": now})
            if state == "closed":
                self.write({"closed_date": now})
            self._sync_article()
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

    def action_update_article(self):
        """Write the knowledge article's text from the problem now (creating the article if
        it has none), replacing edits made in the knowledge base: from then on it follows
        the problem again."""
        self.ensure_one()
        if self.state not in ARTICLE_STATES:
            raise UserError(
                self.env._(
                    "%(problem)s is not a known error yet: its article is written from its workaround.",
                    problem=self.reference,
                )
            )
        self._sync_article(create=True, force=True)

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

    @api.model
    def _article_digest(self, body):
        """A digest of an article body's text (not its markup: the editor may reformat
        what nobody changed)."""
        text = " ".join(html2plaintext(body or "").split())
        return hashlib.sha256(text.encode()).hexdigest()

    def _article_body(self):
        """The article's text as the problem writes it: error code, symptom, root cause,
        workaround, and the permanent fix once resolved."""
        self.ensure_one()
        sections = []
        if self.error_code:
            sections.append((self.env._("Error Code"), Markup("<p><code>%s</code></p>") % self.error_code))
        sections.append((self.env._("Symptom"), self.symptom or Markup("<p>%s</p>") % self.name))
        if not is_html_empty(self.root_cause):
            sections.append((self.env._("Root Cause"), self.root_cause))
        sections.append((self.env._("Workaround"), self.workaround))
        if self.state in ("resolved", "closed") and not is_html_empty(self.permanent_fix):
            sections.append((self.env._("Permanent Fix"), self.permanent_fix))
        return Markup().join(Markup("<h3>%s</h3>%s") % (title, text or Markup()) for title, text in sections)

    def _article_link(self):
        return Markup("<a href='/odoo/helpdesk.article/%s'>%s</a>") % (self.article_id.id, self.article_id.name)

    def _sync_article(self, create=False, force=False):
        """The one rule of a problem's knowledge article, called when the problem becomes a
        known error, is resolved or closed, or changes what the article says while it is one:

        - no article: one is drafted from the problem (`create`: on becoming a known error);
        - an article the problem wrote and nobody edited since (its text's digest is the one
          the problem stored): its text is rewritten and keeps its state and visibility;
        - an article edited in the knowledge base since: kept as it is, and no longer
          written by the problem (a note on the problem says so); an article chosen by hand
          is never written.

        `force` (Update Article) rewrites the text whatever happened to it. The chatter of
        the problem and of the article tells what was done."""
        for problem in self:
            article = problem.article_id
            body = problem._article_body()
            if not article:
                if create:
                    problem._create_article(body)
                continue
            if not force and not problem.article_digest:
                continue
            if not force and problem._article_digest(article.body) != problem.article_digest:
                problem.article_digest = False
                problem.message_post(
                    body=Markup("<p>%s</p>")
                    % self.env._(
                        "The knowledge article %(article)s was edited since this problem last wrote it: "
                        "it keeps its text and no longer follows the problem. Use Update Article to "
                        "rewrite it from the problem.",
                        article=problem._article_link(),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            if problem._article_digest(body) == problem._article_digest(article.body):
                if problem.article_digest != problem._article_digest(body):
                    problem.article_digest = problem._article_digest(body)
                continue
            article.write({"body": body})
            problem.article_digest = problem._article_digest(article.body)
            problem.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "The knowledge article %(article)s was updated from the problem.",
                    article=problem._article_link(),
                ),
                subtype_xmlid="mail.mt_note",
            )
            article.message_post_with_source(
                "mail.message_origin_link",
                render_values={"self": article, "origin": problem, "edit": True},
                subtype_xmlid="mail.mt_note",
            )

    def _create_article(self, body):
        """Draft the problem's knowledge article, for the owner to review and publish."""
        self.ensure_one()
        article = self.env["helpdesk.article"].create(
            {
                "name": self.name,
                "body": body,
                "category_ids": [Command.set(self.category_id.ids)],
                "team_ids": [Command.set(self.team_id.ids)],
                "owner_id": (self.user_id or self.env.user).id,
            }
        )
        self.write({"article_id": article.id, "article_digest": self._article_digest(article.body)})
        article.message_post_with_source(
            "mail.message_origin_link",
            render_values={"self": article, "origin": self},
            subtype_xmlid="mail.mt_note",
        )
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "The knowledge article %(article)s was drafted from the known error: it follows the problem "
                "until it is edited in the knowledge base.",
                article=self._article_link(),
            ),
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
        """Known errors a ticket looks like, the closest first, in one query whatever the
        number of known errors:

        - its subject or description contains the error code (whole words, punctuation
          aside: ``VPN-IKE-619`` matches "vpn ike 619", ``E42`` does not match ``E420``);
        - or, in the ticket's category, the problem's title resembles its subject, or the
          title or symptom appears in its subject and description (tools.similarity).

        Resolved, closed and cancelled problems never match. The current user's record rules
        apply."""
        description = plain_text(ticket.description)[:KNOWN_ERROR_TEXT_LIMIT]
        text = f"{ticket.name or ''} {description}"
        code_text = " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())
        if not code_text:
            return self.browse()
        base = Domain("state", "=", "known_error") & Domain(
            "company_id", "in", (ticket.company_id | self.env.company).ids
        )
        # The columns compared below in SQL (the domain's are flushed by _search).
        self.flush_model(["error_code", "category_id", "title_normalized", "symptom_normalized"])
        query = self._search(base)

        def column(name):
            return SQL.identifier(query.table, name)

        code = SQL("btrim(regexp_replace(lower(%s), '[^[:alnum:]]+', ' ', 'g'))", column("error_code"))
        code_hit = SQL(
            "(%(code)s <> '' AND position(' ' || %(code)s || ' ' IN %(text)s) > 0)",
            code=code,
            text=f" {code_text} ",
        )
        if ticket.category_id:
            registry = self.env.registry
            words = SQL("%s", similarity.query_words(text))
            title = SQL(
                "COALESCE(%s, 0.0)",
                similarity.similarity_sql(
                    registry, column("title_normalized"), SQL("%s", normalize_subject(ticket.name or ""))
                ),
            )
            within = SQL(
                "GREATEST(COALESCE(%s, 0.0), COALESCE(%s, 0.0))",
                similarity.similarity_sql(registry, column("title_normalized"), words, "within"),
                similarity.similarity_sql(registry, column("symptom_normalized"), words, "within"),
            )
            similar = SQL(
                "(%s = %s AND (%s >= %s OR %s >= %s))",
                column("category_id"),
                ticket.category_id.id,
                title,
                KNOWN_ERROR_SIMILARITY,
                within,
                KNOWN_ERROR_WITHIN_SIMILARITY,
            )
            score = SQL("GREATEST(%s, %s)", title, within)
        else:
            similar = score = None
        query.add_where(SQL("(%s OR %s)", code_hit, similar) if similar else code_hit)
        if ticket.category_id:
            query.order = SQL("%s DESC, %s DESC, %s DESC", code_hit, score, column("id"))
        else:
            query.order = SQL("%s DESC", column("id"))
        query.limit = KNOWN_ERROR_MATCH_LIMIT
        return self.browse(row[0] for row in self.env.execute_query(query.select(column("id"))))
