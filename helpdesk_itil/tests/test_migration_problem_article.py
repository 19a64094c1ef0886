from odoo.tests import tagged

from .common import HelpdeskCommon
from .common_migration import load_migration
from .common_problem import ProblemFixtures


@tagged("post_install", "-at_install")
class TestMigrationProblemArticle(ProblemFixtures, HelpdeskCommon):
    """19.0.1.15.0 on known errors whose article 19.0.1.14.0 drafted (no digest yet)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_problem_fixtures()

    def old_article(self, body=None):
        """A known error as the old code left it: its article drafted once, no digest."""
        self.make_known_error()
        article = self.problem.article_id
        article.body = body or (f"<h3>Symptom</h3>{self.problem.symptom}<h3>Workaround</h3>{self.problem.workaround}")
        self.problem.article_digest = False
        self.assertFalse(self.problem.article_follows)
        return article

    def test_untouched_article_follows_its_problem(self):
        article = self.old_article()
        load_migration("19.0.1.15.0").migrate(self.env.cr, "19.0.1.12.0")
        self.assertTrue(self.problem.article_follows)
        self.problem.workaround = "<p>WORKAROUND-V2</p>"
        self.assertIn("WORKAROUND-V2", article.body)

    def test_edited_or_chosen_article_stays_the_agents(self):
        article = self.old_article("<p>AGENT-TEXT</p>")
        load_migration("19.0.1.15.0").migrate(self.env.cr, "19.0.1.12.0")
        self.assertFalse(self.problem.article_follows)
        self.problem.workaround = "<p>WORKAROUND-V2</p>"
        self.assertEqual(article.body, "<p>AGENT-TEXT</p>")
