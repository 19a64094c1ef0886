import base64
from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged
from odoo.tools import SQL

from .common import HelpdeskCommon
from .common_knowledge import KnowledgeFixtures


@tagged("post_install", "-at_install")
class TestKnowledgeArticle(KnowledgeFixtures, HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_knowledge_fixtures()
        cls.code_kb = cls.env.ref("helpdesk_itil.closure_knowledge_article")

    # ------------------------------------------------------------
    # Rights: Users draft, Agents publish
    # ------------------------------------------------------------

    def test_user_drafts_agent_publishes(self):
        Article = self.Article.with_user(self.user_a)
        article = Article.create({"name": "Printer jams", "body": "<p>Open tray 2.</p>"})
        self.assertEqual((article.state, article.owner_id), ("draft", self.user_a))
        article.action_submit_review()
        self.assertEqual(article.state, "review")
        with self.assertRaisesRegex(UserError, "Only a helpdesk agent can publish"):
            article.action_publish()
        with self.assertRaisesRegex(UserError, "Only a helpdesk agent can publish"):
            Article.create({"name": "Sneaky", "state": "published"})
        self.assertEqual(article.state, "review")
        article.with_user(self.agent).action_publish()
        self.assertEqual(article.state, "published")
        self.assertTrue(article.published_date)
        # What an agent published stays as published: a user cannot edit it any more.
        with self.assertRaisesRegex(UserError, "only a helpdesk agent can change it"):
            article.with_user(self.user_a).name = "Printer jams (edited)"
        article.with_user(self.agent).action_archive_article()
        self.assertEqual(article.state, "archived")
        # Users cannot delete; managers can.
        with self.assertRaises(AccessError):
            article.with_user(self.agent).unlink()
        article.with_user(self.manager).unlink()

    def test_bad_input(self):
        with self.assertRaisesRegex(UserError, "not an article state"):
            self.Article.create({"name": "Wrong", "state": "live"})
        empty = self.Article.create({"name": "Empty"})
        with self.assertRaisesRegex(UserError, "has no body"):
            empty.with_user(self.agent).action_publish()
        self.assertEqual(empty.state, "draft")

    # ------------------------------------------------------------
    # Visibility: ORM, RPC-equivalent calls, attachments
    # ------------------------------------------------------------

    def test_portal_and_public_read_published_articles_of_their_visibility(self):
        portal = self.Article.with_user(self.portal_kb)
        public = self.Article.with_user(self.public_user)
        self.assertEqual(
            set(portal.search([("name", "ilike", "vpn")]).ids), {self.article_public.id, self.article_portal.id}
        )
        self.assertEqual(public.search([("name", "ilike", "vpn")]), self.article_public)
        for user in (self.portal_kb, self.public_user):
            for article in (self.article_internal, self.article_draft):
                with self.assertRaises(AccessError):
                    article.with_user(user).read(["name", "body"])
            with self.assertRaises(AccessError):
                self.article_internal.with_user(user).write({"name": "x"})
        with self.assertRaises(AccessError):
            self.article_portal.with_user(self.public_user).read(["body"])
        # search_read (what RPC calls) filters the same way.
        names = {r["name"] for r in portal.search_read([], ["name"])}
        self.assertNotIn(self.article_internal.name, names)
        # Internal users outside the helpdesk have no access at all.
        employee = self.env["res.users"].create(
            {"name": "Emp", "login": "kb_emp", "group_ids": [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        with self.assertRaises(AccessError):
            self.article_public.with_user(employee).read(["name"])

    def test_attachments_follow_the_article(self):
        Attachment = self.env["ir.attachment"]
        values = {"name": "steps.txt", "datas": base64.b64encode(b"secret steps"), "res_model": "helpdesk.article"}
        internal = Attachment.create(dict(values, res_id=self.article_internal.id))
        public = Attachment.create(dict(values, res_id=self.article_public.id))
        for user in (self.portal_kb, self.public_user):
            with self.assertRaises(AccessError):
                internal.with_user(user).read(["datas"])
            self.assertEqual(internal.with_user(user).has_access("read"), False)
        # Odoo 19 gives portal and public users no direct access to attachments: the help
        # page hands out access tokens for the articles the visitor may read (HTTP tests).
        self.assertFalse(public.with_user(self.portal_kb).has_access("read"))

    # ------------------------------------------------------------
    # Search: trigram with typo tolerance, the fallback without pg_trgm
    # ------------------------------------------------------------

    def test_find_articles_typo_tolerant_and_visible_only(self):
        found = self.Article._find_articles("how to reset vpn pasword")
        self.assertEqual(found[0][0], self.article_public)
        # A subject longer than the title finds it too (word similarity both ways).
        found = self.Article._find_articles("Re: cannot reset my VPN pasword since this morning")
        self.assertEqual(found[0][0], self.article_public)
        # Drafts are never found; the visitor's rules decide the rest.
        for user, expected in (
            (self.portal_kb, {self.article_public, self.article_portal}),
            (self.public_user, {self.article_public}),
            (self.agent, {self.article_public, self.article_portal, self.article_internal}),
        ):
            articles = {a for a, _s in self.Article.with_user(user)._find_articles("vpn", limit=10)}
            self.assertEqual(articles, expected, user.login)
        # The thresholds hold for the query only.
        settings = SQL(
            "SELECT current_setting('pg_trgm.similarity_threshold', true),"
            " current_setting('pg_trgm.word_similarity_threshold', true)"
        )
        before = self.env.execute_query(settings)
        self.Article._find_articles("vpn")
        self.assertEqual(self.env.execute_query(settings), before)
        self.assertFalse(self.Article._find_articles("   "))
        self.assertFalse(self.Article._find_articles("photocopier toner"))
        # At most `limit` (5 by default).
        self.Article.create([{"name": f"VPN tip {i}", "body": "<p>tip</p>", "state": "published"} for i in range(8)])
        self.assertEqual(len(self.Article._find_articles("vpn tip")), 5)

    def test_fallback_gives_the_same_first_result(self):
        self.Article.create(
            [
                {"name": "Printer offline on floor 2", "body": "<p>x</p>", "state": "published"},
                {"name": "Printer toner replacement", "body": "<p>x</p>", "state": "published"},
                {"name": "Outlook asks for the password again", "body": "<p>x</p>", "state": "published"},
            ]
        )
        samples = [
            "reset vpn password",
            "VPN client configuration",
            "printer offline",
            "printer toner",
            "outlook password",
            "vpn gateway restart",
        ]
        trigram = {query: self.Article._find_articles(query) for query in samples}
        with patch.object(self.registry, "has_trigram", False):
            fallback = {query: self.Article._find_articles(query) for query in samples}
        for query in samples:
            self.assertTrue(trigram[query], query)
            self.assertTrue(fallback[query], query)
            self.assertEqual(trigram[query][0][0], fallback[query][0][0], query)
        # Without pg_trgm the score is the share of the query's words the title holds.
        with patch.object(self.registry, "has_trigram", False):
            [(article, score)] = self.Article._find_articles("gateway restart", limit=1)
            self.assertEqual((article, score), (self.article_internal, 1.0))
            # "%" and "_" are no wildcards.
            self.assertFalse(self.Article._find_articles("v_n"))

    # ------------------------------------------------------------
    # Counters and review reminders
    # ------------------------------------------------------------

    def test_summary_is_plain_text(self):
        article = self.Article.create(
            {"name": "Steps", "body": "<p>Open <b>tray</b> 2.</p><ol><li>Pull</li><li>Push</li></ol>"}
        )
        self.assertEqual(article.summary, "Open tray 2. Pull Push")
        article.body = "<p>%s</p>" % ("word " * 60)
        self.assertEqual(len(article.summary), 201)
        self.assertTrue(article.summary.endswith("…"))

    def test_counters(self):
        article = self.article_public
        article._increment("view_count")
        article._increment("view_count")
        article._increment("helpful_yes_count")
        self.assertEqual((article.view_count, article.helpful_yes_count, article.helpful_no_count), (2, 1, 0))
        with self.assertRaises(ValueError):
            article._increment("name")

    def test_review_cron_creates_one_activity_for_the_owner(self):
        self.article_public.write({"owner_id": self.agent.id, "review_date": date(2026, 3, 1)})
        self.article_portal.write({"owner_id": self.agent.id, "review_date": date(2026, 9, 1)})
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_article_review")
        for _run in range(2):
            with freeze_time("2026-03-02 08:00:00"), self.enter_registry_test_mode():
                cron.method_direct_trigger()
        self.env.invalidate_all()
        activities = self.article_public.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertEqual((activities.user_id, activities.date_deadline), (self.agent, date(2026, 3, 1)))
        self.assertFalse(self.article_portal.activity_ids)
        # A new review date asks again when it comes.
        self.article_public.review_date = date(2026, 6, 1)
        self.assertFalse(self.article_public.review_requested)

    # ------------------------------------------------------------
    # From a resolution; the closure code "Solved with Knowledge Article"
    # ------------------------------------------------------------

    def test_create_article_from_resolution(self):
        ticket = self.create_ticket(name="Outlook keeps asking for the password", category_id=self.category_network.id)
        with self.assertRaisesRegex(UserError, "Resolve the ticket first"):
            ticket.with_user(self.user_a).action_create_article()
        self.resolve(ticket)
        action = ticket.with_user(self.user_a).action_create_article()
        article = self.Article.browse(action["res_id"])
        self.assertEqual(ticket.article_id, article)
        self.assertEqual(article.ticket_ids, ticket)
        self.assertEqual(
            (article.name, article.state, article.visibility, article.owner_id),
            ("Outlook keeps asking for the password", "draft", "internal", self.user_a),
        )
        self.assertIn("Reseated the RAM module", article.body)
        self.assertEqual((article.category_ids, article.team_ids), (self.category_network, self.team_a))
        with self.assertRaisesRegex(UserError, "already linked"):
            ticket.with_user(self.user_a).action_create_article()
        self.assertEqual(self.Article.search_count([("name", "=", article.name)]), 1)

    def test_create_article_needs_a_resolution_note(self):
        ticket = self.create_ticket()
        self.resolve(ticket)
        ticket._write_stamps({"resolution_note": False})
        with self.assertRaisesRegex(UserError, "no resolution note"):
            ticket.action_create_article()
        self.assertFalse(ticket.article_id)

    def test_closure_code_knowledge_article(self):
        ticket = self.create_ticket()
        values = {
            "stage_id": self.stage_resolved.id,
            "resolution_note": "<p>Sent the article.</p>",
            "closure_code_id": self.code_kb.id,
        }
        with self.assertRaisesRegex(ValidationError, "Knowledge Article"):
            ticket.write(values)
        self.assertEqual(ticket.state, "new")
        ticket.write(dict(values, article_id=self.article_public.id))
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(self.article_public.ticket_solved_count, 1)
        other = self.create_ticket(name="VPN password forgotten")
        other.write(dict(values, article_id=self.article_public.id))
        self.assertEqual(self.article_public.ticket_solved_count, 2)
        # Another article after all: both counters follow.
        other.write({"article_id": self.article_portal.id})
        self.assertEqual((self.article_public.ticket_solved_count, self.article_portal.ticket_solved_count), (1, 1))
        with self.assertRaisesRegex(ValidationError, "does not exist"):
            other.write({"article_id": 999999})

    def test_portal_customer_does_not_learn_the_article_of_their_ticket(self):
        """Reading a many2one gives its title in sudo: the ticket's article is not a portal field."""
        ticket = self.create_ticket(partner_id=self.portal_user.partner_id.id, article_id=self.article_internal.id)
        ticket = ticket.with_user(self.portal_user)
        self.assertTrue(ticket.read(["name"]))
        with self.assertRaises(AccessError):
            ticket.read(["article_id"])
        self.assertNotIn("article_id", ticket.fields_get())
        self.assertNotIn("article_id", ticket.read()[0])

    def test_agent_suggestions_and_reply(self):
        ticket = self.create_ticket(name="VPN password expired", category_id=self.category_network.id)
        suggested = ticket.with_user(self.user_a).suggested_article_ids
        self.assertEqual(suggested[:1], self.article_public)
        self.assertNotIn(self.article_draft, suggested)
        action = (
            self.article_public.with_user(self.user_a).with_context(helpdesk_ticket_id=ticket.id).action_send_in_reply()
        )
        self.assertEqual(action["res_model"], "mail.compose.message")
        self.assertIn("/help/%d" % self.article_public.id, action["context"]["default_body"])
        # An internal article goes as its text: the customer could not open a link.
        action = self.article_internal.with_context(helpdesk_ticket_id=ticket.id).action_send_in_reply()
        self.assertIn("restart the daemon", action["context"]["default_body"])
        with self.assertRaisesRegex(UserError, "published article"):
            self.article_draft.with_context(helpdesk_ticket_id=ticket.id).action_send_in_reply()
        with self.assertRaisesRegex(UserError, "from a ticket"):
            self.article_public.action_send_in_reply()
        # An agent of another team cannot reply on this ticket.
        with self.assertRaises(AccessError):
            self.article_public.with_user(self.user_b).with_context(helpdesk_ticket_id=ticket.id).action_send_in_reply()
