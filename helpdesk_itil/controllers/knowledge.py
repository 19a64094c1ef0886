"""Help pages: the knowledge base for customers and visitors.

- ``/help`` (anyone) and ``/my/help`` (portal): search the articles, typo-tolerant;
- ``/help/<id>``: an article, with "Did this solve your problem?";
- ``/help/suggest?q=``: the articles the new-ticket forms suggest as the subject is typed.

Every read goes through the visitor's own environment, never sudo: the record rules of
``helpdesk.article`` (published, and portal or public) decide what a visitor may read, on
every route. Only counters and visits are written in sudo, after that check.
"""

import uuid

from markupsafe import Markup

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from ..models.helpdesk_article import SUGGESTION_LIMIT

# The visitor's session: which articles were viewed and voted on (each counted once per
# session), and the key of their suggestion visits (helpdesk.article.visit).
VISITOR_KEY = "helpdesk_kb_visitor"
VIEWED_KEY = "helpdesk_kb_viewed"
VOTED_KEY = "helpdesk_kb_voted"
SEARCH_LIMIT = 20
QUERY_MAX_LENGTH = 200


def visitor_key(create=False):
    """This visitor's key (session), made on first use when `create`."""
    key = request.session.get(VISITOR_KEY)
    if not key and create:
        key = request.session[VISITOR_KEY] = uuid.uuid4().hex
    return key


class HelpdeskKnowledge(http.Controller):
    # ------------------------------------------------------------
    # Search
    # ------------------------------------------------------------

    @http.route("/help", type="http", auth="public", methods=["GET"], website=True)
    def help_home(self, search="", **kwargs):
        return self._render_search(search, portal=False)

    @http.route("/my/help", type="http", auth="user", methods=["GET"], website=True)
    def portal_help(self, search="", **kwargs):
        return self._render_search(search, portal=True)

    def _render_search(self, search, portal):
        Article = request.env["helpdesk.article"]
        search = (search or "").strip()[:QUERY_MAX_LENGTH]
        if search:
            articles = Article.browse([a.id for a, _s in Article._find_articles(search, limit=SEARCH_LIMIT)])
            if not articles:
                request.env["helpdesk.knowledge.gap"].sudo()._record(search)
        else:
            articles = Article.search([("state", "=", "published")], limit=SEARCH_LIMIT)
        return request.render(
            "helpdesk_itil.helpdesk_help_page",
            {
                "articles": articles,
                "search": search,
                "is_portal_page": portal,
                "page_name": "help",
                "action_url": "/my/help" if portal else "/help",
            },
        )

    # ------------------------------------------------------------
    # Article
    # ------------------------------------------------------------

    def _get_article(self, article_id):
        """The article if this visitor may read it and it is published, else None."""
        article = request.env["helpdesk.article"].browse(article_id)
        try:
            if not article.exists() or article.state != "published":
                return None
            article.check_access("read")
        except (AccessError, MissingError):
            return None
        return article

    @http.route("/help/<int:article_id>", type="http", auth="public", methods=["GET"], website=True)
    def help_article(self, article_id, origin=None, voted=None, **kwargs):
        article = self._get_article(article_id)
        if not article:
            raise request.not_found()
        viewed = request.session.get(VIEWED_KEY) or []
        if article.id not in viewed:
            article.sudo()._increment("view_count")
            request.session[VIEWED_KEY] = [*viewed[-199:], article.id]
        suggested = origin == "suggestion"
        if suggested:
            partner = request.env.user.partner_id if not request.env.user._is_public() else None
            request.env["helpdesk.article.visit"].sudo()._record_visit(article, visitor_key(create=True), partner)
        # Attachments are handed out with access tokens, only for an article the visitor
        # may read (Odoo 19 gives portal and public users no direct access to attachments).
        attachments = (
            request.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", article._name), ("res_id", "=", article.id), ("res_field", "=", False)])
        )
        attachments.generate_access_token()
        return request.render(
            "helpdesk_itil.helpdesk_help_article_page",
            {
                "article": article,
                "body": Markup(article.body or ""),
                "attachments": attachments,
                "suggested": suggested,
                "voted": voted or (article.id in (request.session.get(VOTED_KEY) or []) and "done"),
                "page_name": "help",
            },
        )

    @http.route("/help/<int:article_id>/feedback", type="http", auth="public", methods=["POST"], website=True)
    def help_article_feedback(self, article_id, helpful=None, origin=None, **kwargs):
        """ "Did this solve your problem?": one vote per session and article; a "yes" on an
        article opened from a suggestion is a confirmed deflection (once per visit)."""
        article = self._get_article(article_id)
        if not article or helpful not in ("yes", "no"):
            raise request.not_found()
        voted = request.session.get(VOTED_KEY) or []
        if article.id not in voted:
            article.sudo()._increment("helpful_yes_count" if helpful == "yes" else "helpful_no_count")
            request.session[VOTED_KEY] = [*voted[-199:], article.id]
        if helpful == "yes" and visitor_key():
            request.env["helpdesk.article.visit"].sudo()._confirm(article, visitor_key())
        query = f"?voted={helpful}" + ("&origin=suggestion" if origin == "suggestion" else "")
        return request.redirect(f"/help/{article.id}{query}")

    # ------------------------------------------------------------
    # Suggestions for the new-ticket forms
    # ------------------------------------------------------------

    @http.route("/help/suggest", type="http", auth="public", methods=["GET"], readonly=True)
    def help_suggest(self, q="", **kwargs):
        """At most 5 published articles this visitor may read whose title resembles `q`."""
        Article = request.env["helpdesk.article"]
        found = Article._find_articles((q or "")[:QUERY_MAX_LENGTH], limit=SUGGESTION_LIMIT)
        return request.make_json_response(
            [
                {
                    "id": article.id,
                    "name": article.name,
                    "summary": article.summary,
                    "url": f"/help/{article.id}?origin=suggestion",
                }
                for article, _score in found
            ]
        )
