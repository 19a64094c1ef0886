import html
import re

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext

from ..tools import similarity

VISIBILITIES = [("internal", "Internal"), ("portal", "Portal"), ("public", "Public")]
ARTICLE_STATES = [("draft", "Draft"), ("review", "In Review"), ("published", "Published"), ("archived", "Archived")]
# States only an agent may give an article, and in which only an agent may change it.
AGENT_STATES = ("published", "archived")
# What a search or a subject needs to match a title (tools.similarity, word measure).
SEARCH_SIMILARITY = 0.45
SUGGESTION_LIMIT = 5
# Incremented in SQL (a view or a vote is not an edit: no write date, no tracking, no lock
# held on the article while other visitors read it).
COUNTERS = ("view_count", "helpful_yes_count", "helpful_no_count")
REVIEW_BATCH_SIZE = 100


class HelpdeskArticle(models.Model):
    _name = "helpdesk.article"
    _description = "Knowledge Article"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, view_count desc, id desc"
    _rec_name = "name"

    name = fields.Char(string="Title", required=True, tracking=True)
    title_normalized = fields.Char(
        compute="_compute_title_normalized",
        store=True,
        precompute=True,
        index="trigram",
        help="The title's words, lower-cased: what searches and suggestions are compared on.",
    )
    body = fields.Html(sanitize_attributes=True)
    summary = fields.Char(compute="_compute_summary", help="The beginning of the body as plain text.")
    category_ids = fields.Many2many("helpdesk.category", string="Categories")
    team_ids = fields.Many2many("helpdesk.team", string="Teams")
    tag_ids = fields.Many2many("helpdesk.tag", string="Tags")
    lang = fields.Selection(selection="_get_languages", string="Language", default=lambda self: self.env.lang)
    visibility = fields.Selection(
        VISIBILITIES,
        required=True,
        default="internal",
        tracking=True,
        help="Internal: helpdesk users only. Portal: also customers signed in to the portal. "
        "Public: anyone on the help pages. Only published articles leave the helpdesk.",
    )
    # No btree index on state or visibility: a few values each, they would only lure the
    # planner away from the title's trigram index (bench/bench_articles.py).
    state = fields.Selection(ARTICLE_STATES, required=True, default="draft", tracking=True)
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    owner_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        tracking=True,
        domain=[("share", "=", False)],
        help="Keeps the article true; gets the review reminders.",
    )
    review_date = fields.Date(tracking=True, help="When the owner gets an activity to review the article.")
    review_requested = fields.Boolean(copy=False, help="The review activity for the current review date exists.")
    published_date = fields.Datetime(readonly=True, copy=False)
    view_count = fields.Integer(default=0, string="Views", readonly=True, copy=False)
    helpful_yes_count = fields.Integer(default=0, string="Helpful", readonly=True, copy=False)
    helpful_no_count = fields.Integer(default=0, string="Not Helpful", readonly=True, copy=False)
    ticket_solved_count = fields.Integer(
        default=0,
        string="Tickets Solved",
        readonly=True,
        copy=False,
        help="Tickets resolved with the closure code “Solved with Knowledge Article” and this article.",
    )
    ticket_ids = fields.One2many("helpdesk.ticket", "article_id", string="Tickets")
    ticket_count = fields.Integer(compute="_compute_ticket_count")
    help_url = fields.Char(compute="_compute_help_url", help="The article's page on the help pages.")

    @api.model
    def _get_languages(self):
        return self.env["res.lang"].get_installed()

    @api.depends("name")
    def _compute_title_normalized(self):
        for article in self:
            article.title_normalized = similarity.query_words(article.name) or False

    @api.depends("body")
    def _compute_summary(self):
        for article in self:
            # Plain words, without the *bold* and [links] of html2plaintext.
            text = html.unescape(re.sub(r"<[^>]*>", " ", str(article.body or "")))
            text = re.sub(r"\s+", " ", text).strip()
            text = re.sub(r" ([.,;:!?])", r"\1", text)
            article.summary = text[:200] + ("…" if len(text) > 200 else "")

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {state: index for index, (state, _label) in enumerate(ARTICLE_STATES)}
        for article in self:
            # Published first in lists and searches.
            article.state_sequence = 0 if article.state == "published" else order[article.state] + 1

    def _compute_ticket_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group([("article_id", "in", self.ids)], ["article_id"], ["__count"])
        )
        for article in self:
            article.ticket_count = counts.get(article, 0)

    def _compute_help_url(self):
        for article in self:
            article.help_url = f"/help/{article.id}" if article.id else False

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_state_change(vals.get("state"))
            if vals.get("state") == "published":
                vals.setdefault("published_date", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        # Who may not write at all (portal, public) hears it first, not the state rules.
        self.check_access("write")
        self._check_state_change(vals.get("state"))
        if not self._is_agent() and set(vals) - {"message_main_attachment_id"}:
            # Users draft: what an agent published stays as the agent published it.
            locked = self.filtered(lambda a: a.state in AGENT_STATES)
            if locked:
                raise UserError(
                    self.env._(
                        "%(articles)s is published or archived: only a helpdesk agent can change it.",
                        articles=", ".join(locked.mapped("name")),
                    )
                )
        if vals.get("state") == "published":
            vals.setdefault("published_date", fields.Datetime.now())
        if "review_date" in vals:
            vals["review_requested"] = False
        return super().write(vals)

    def _is_agent(self):
        return self.env.su or self.env.user.has_group("helpdesk_itil.group_helpdesk_agent")

    def _check_state_change(self, state):
        if state and state not in dict(ARTICLE_STATES):
            raise UserError(
                self.env._(
                    "“%(state)s” is not an article state. Use one of: %(states)s.",
                    state=state,
                    states=", ".join(key for key, _label in ARTICLE_STATES),
                )
            )
        if state in AGENT_STATES and not self._is_agent():
            raise UserError(self.env._("Only a helpdesk agent can publish or archive an article."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_submit_review(self):
        self.write({"state": "review"})

    def action_publish(self):
        empty = self.filtered(lambda a: not html2plaintext(a.body or "").strip())
        if empty:
            raise UserError(self.env._("%(articles)s has no body: write it before publishing.", articles=empty[0].name))
        self.write({"state": "published"})

    def action_archive_article(self):
        self.write({"state": "archived"})

    def action_reset_draft(self):
        self.write({"state": "draft"})

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action.update({"domain": [("article_id", "=", self.id)], "context": {"default_article_id": self.id}})
        return action

    def action_send_in_reply(self):
        """From the ticket form's suggestions: reply to the ticket in the context
        (``helpdesk_ticket_id``) with this article."""
        self.ensure_one()
        ticket = self.env["helpdesk.ticket"].browse(self.env.context.get("helpdesk_ticket_id")).exists()
        if not ticket:
            raise UserError(self.env._("Open the article's suggestion from a ticket to send it in a reply."))
        return ticket._action_reply_with_article(self)

    def action_open_help_page(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.help_url, "target": "new"}

    # ------------------------------------------------------------------
    # Search and suggestions
    # ------------------------------------------------------------------

    @api.model
    def _find_articles(self, text, domain=None, limit=SUGGESTION_LIMIT, threshold=SEARCH_SIMILARITY):
        """Published articles whose title resembles the search or subject `text`, the closest
        first (then the most viewed): ``tools.similarity.find_similar`` with the word measure
        (typo-tolerant with pg_trgm, word containment without it).

        The current user's record rules decide what may be found: call it as the visitor
        (portal or public user), never in sudo, so internal articles cannot be suggested.

        :return: list of (article, similarity) pairs
        """
        table = SQL.identifier(self._table)
        return similarity.find_similar(
            self,
            "title_normalized",
            similarity.query_words(text),
            domain=Domain("state", "=", "published") & Domain(domain or Domain.TRUE),
            limit=limit,
            threshold=threshold,
            measure="word",
            tiebreak=SQL("%s.view_count DESC, %s.id DESC", table, table),
        )

    def _increment(self, counter):
        """Add one to `counter` (a view or a vote) for these articles, in SQL."""
        if counter not in COUNTERS:
            raise ValueError(counter)
        if not self:
            return
        self.flush_recordset([counter])
        self.env.execute_query(
            SQL(
                "UPDATE helpdesk_article SET %s = COALESCE(%s, 0) + 1 WHERE id IN %s",
                SQL.identifier(counter),
                SQL.identifier(counter),
                tuple(self.ids),
            )
        )
        self.invalidate_recordset([counter], flush=False)

    def _stamp_ticket_solved_count(self):
        """Stamp how many tickets each article solved (closure code “Solved with Knowledge
        Article”, resolved or closed): called when such a ticket is resolved."""
        if not self:
            return
        code = self.env.ref("helpdesk_itil.closure_knowledge_article")
        counts = dict(
            self.env["helpdesk.ticket"]
            .sudo()
            ._read_group(
                [
                    ("article_id", "in", self.ids),
                    ("closure_code_id", "=", code.id),
                    ("state", "in", ("resolved", "closed")),
                ],
                ["article_id"],
                ["__count"],
            )
        )
        for article in self.sudo():
            article.with_context(tracking_disable=True).ticket_solved_count = counts.get(article, 0)

    # ------------------------------------------------------------------
    # Review reminders (their own scheduled action)
    # ------------------------------------------------------------------

    @api.model
    def _review_due_domain(self, today):
        return (
            Domain("state", "in", ("published", "review"))
            & Domain("review_date", "<=", today)
            & Domain("review_requested", "=", False)
            & Domain("owner_id", "!=", False)
        )

    @api.model
    def _cron_review_due(self, batch_size=REVIEW_BATCH_SIZE):
        """Give the owner of each article whose review date has come a review activity, once
        per review date (changing the date asks again), in committed batches; rows another
        worker holds are skipped."""
        today = fields.Date.context_today(self)
        Article = self.with_user(SUPERUSER_ID).sudo()
        seen = []
        while True:
            articles = Article.search(self._review_due_domain(today) & Domain("id", "not in", seen), limit=batch_size)
            if not articles:
                return
            seen += articles.ids
            locked = articles.try_lock_for_update(allow_referencing=True)
            due = Article.search(self._review_due_domain(today) & Domain("id", "in", locked.ids)) if locked else locked
            for article in due:
                article.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=article.review_date,
                    summary=self.env._("Review the article"),
                    note=self.env._(
                        "Check that “%(title)s” is still right, then set its next review date.", title=article.name
                    ),
                    user_id=article.owner_id.id,
                )
            due.with_context(tracking_disable=True).write({"review_requested": True})
            if not self.env["ir.cron"]._commit_progress(len(articles)):
                return
