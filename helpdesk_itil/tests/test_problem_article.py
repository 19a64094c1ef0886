from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HelpdeskCommon
from .common_problem import ProblemFixtures


@tagged("post_install", "-at_install")
class TestProblemArticle(ProblemFixtures, HelpdeskCommon):
    """A known error's knowledge article follows the problem (helpdesk.problem._sync_article):
    drafted when it becomes a known error, rewritten when what it says changes, never over
    an edit made in the knowledge base, the permanent fix added once resolved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_problem_fixtures()
        cls.problem.root_cause = "<p>ROOT-IDLE-TIMER set to 600 s on the gateway.</p>"

    def notes(self, record, marker):
        return record.message_ids.filtered(lambda m: marker in (m.body or ""))

    def test_created_on_known_error(self):
        self.make_known_error()
        article = self.problem.article_id
        self.assertTrue(article)
        self.assertTrue(self.problem.article_follows)
        self.assertEqual((article.state, article.visibility), ("draft", "internal"))
        self.assertEqual(article.name, self.problem.name)
        for text in ("VPN-IKE-619", "Tunnels drop after 10 idle minutes", "ROOT-IDLE-TIMER", "WORKAROUND-KEEPALIVE"):
            self.assertIn(text, article.body)
        self.assertNotIn("Permanent Fix", article.body)
        self.assertEqual(len(self.notes(self.problem, "was drafted from the known error")), 1)
        self.assertEqual(len(self.notes(article, "has been created from")), 1)

    def test_updated_when_its_text_changes(self):
        self.make_known_error()
        article = self.problem.article_id
        self.problem.with_user(self.agent).workaround = "<p>WORKAROUND-V2: lower the idle timer.</p>"
        self.assertIn("WORKAROUND-V2", article.body)
        self.assertNotIn("WORKAROUND-KEEPALIVE", article.body)
        self.problem.with_user(self.agent).error_code = "VPN-IKE-620"
        self.assertIn("VPN-IKE-620", article.body)
        self.assertTrue(self.problem.article_follows)
        self.assertEqual(len(self.notes(self.problem, "was updated from the problem")), 2)
        self.assertEqual(len(self.notes(article, "has been modified from")), 2)
        # What the article does not say (the title, the impact) changes nothing; nor does an
        # unchanged text written again.
        self.problem.with_user(self.agent).write({"impact": "high", "name": "VPN tunnels drop"})
        self.problem.with_user(self.agent).workaround = "<p>WORKAROUND-V2: lower the idle timer.</p>"
        self.assertEqual(len(self.notes(self.problem, "was updated from the problem")), 2)
        self.assertEqual(article.name, "VPN gateway drops idle tunnels", "the title is the article's own")

    def test_not_overwritten_after_an_edit_in_the_knowledge_base(self):
        self.make_known_error()
        article = self.problem.article_id
        article.with_user(self.agent).body = article.body + "<p>AGENT-EDIT: also check the firewall.</p>"
        self.problem.with_user(self.agent).workaround = "<p>WORKAROUND-V2: lower the idle timer.</p>"
        self.assertIn("AGENT-EDIT", article.body)
        self.assertNotIn("WORKAROUND-V2", article.body)
        self.assertFalse(self.problem.article_follows)
        self.assertEqual(len(self.notes(self.problem, "no longer follows the problem")), 1)
        # Said once: later changes leave the article alone without another note.
        self.problem.with_user(self.agent).symptom = "<p>Tunnels drop after 5 idle minutes.</p>"
        self.problem.with_user(self.agent).write({"state": "investigating"})
        self.problem.with_user(self.agent).write({"state": "known_error"})
        self.assertIn("AGENT-EDIT", article.body)
        self.assertEqual(self.problem.article_id, article, "no second article")
        self.assertEqual(len(self.notes(self.problem, "no longer follows the problem")), 1)
        # Update Article rewrites it on request, and it follows the problem again.
        self.problem.with_user(self.agent).action_update_article()
        self.assertNotIn("AGENT-EDIT", article.body)
        self.assertIn("WORKAROUND-V2", article.body)
        self.assertIn("5 idle minutes", article.body)
        self.assertTrue(self.problem.article_follows)

    def test_markup_only_change_is_not_an_edit(self):
        self.make_known_error()
        article = self.problem.article_id
        article.body = article.body.replace("<p>", '<p class="mb-2">')
        self.problem.workaround = "<p>WORKAROUND-V2: lower the idle timer.</p>"
        self.assertIn("WORKAROUND-V2", article.body)
        self.assertTrue(self.problem.article_follows)

    def test_article_chosen_by_hand_is_never_written(self):
        article = self.env["helpdesk.article"].create({"name": "VPN keep-alive", "body": "<p>HAND-WRITTEN</p>"})
        self.problem.article_id = article
        self.make_known_error()
        self.problem.workaround = "<p>WORKAROUND-V2: lower the idle timer.</p>"
        self.problem.write({"permanent_fix": "<p>FIX-FIRMWARE-4.3</p>", "state": "resolved"})
        self.assertEqual(article.body, "<p>HAND-WRITTEN</p>")
        self.assertFalse(self.problem.article_follows)
        self.assertFalse(self.notes(self.problem, "no longer follows the problem"))

    def test_resolved_adds_the_permanent_fix(self):
        self.make_known_error()
        article = self.problem.article_id
        self.problem.with_user(self.agent).write({"permanent_fix": "<p>FIX-FIRMWARE-4.3</p>", "state": "resolved"})
        self.assertIn("Permanent Fix", article.body)
        self.assertIn("FIX-FIRMWARE-4.3", article.body)
        self.assertIn("WORKAROUND-KEEPALIVE", article.body)
        # Closing says nothing new; reopened the fix did not hold: it leaves the article.
        updates = len(self.notes(self.problem, "was updated from the problem"))
        self.problem.with_user(self.agent).action_close()
        self.assertEqual(len(self.notes(self.problem, "was updated from the problem")), updates)
        self.problem.with_user(self.agent).action_reopen()
        self.problem.with_user(self.agent).action_known_error()
        self.assertNotIn("FIX-FIRMWARE-4.3", article.body)

    def test_resolved_without_known_error_drafts_no_article(self):
        self.problem.write({"workaround": "<p>w</p>", "permanent_fix": "<p>FIX</p>", "state": "resolved"})
        self.assertFalse(self.problem.article_id)
        # Asked for, it is drafted with the fix.
        self.problem.action_update_article()
        self.assertIn("FIX", self.problem.article_id.body)
        self.problem.action_reopen()
        with self.assertRaises(UserError):
            self.problem.action_update_article()

    def test_update_keeps_state_and_visibility(self):
        self.make_known_error()
        article = self.problem.article_id
        article.with_user(self.agent).write({"visibility": "portal", "state": "published"})
        self.problem.with_user(self.agent).write({"permanent_fix": "<p>FIX-FIRMWARE-4.3</p>", "state": "resolved"})
        self.assertEqual((article.state, article.visibility), ("published", "portal"))
        self.assertTrue(self.problem.article_follows, "publishing is not editing the text")
        Article = self.env["helpdesk.article"].with_user(self.portal_user)
        self.assertEqual(Article.search([("id", "=", article.id)]), article)
        self.assertIn("FIX-FIRMWARE-4.3", Article.browse(article.id).body)
        # An internal article stays out of the portal's reach after an update too.
        article.with_user(self.agent).visibility = "internal"
        self.problem.with_user(self.agent).permanent_fix = "<p>FIX-FIRMWARE-4.4</p>"
        self.assertIn("FIX-FIRMWARE-4.4", article.body)
        self.assertEqual(article.visibility, "internal")
        self.assertFalse(Article.search([("id", "=", article.id)]))
