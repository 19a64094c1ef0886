"""19.0.1.15.0: a problem's knowledge article follows the problem (helpdesk.problem._sync_article).

The problem stores the digest of the text it last wrote in its article
(``article_digest``); without one the article is the agent's and never written. Articles
drafted by 19.0.1.14.0 and earlier (symptom and workaround under two headings) that nobody
edited since get their digest here, so they follow their problem from now on; edited ones,
and articles chosen by hand, stay the agent's.
"""

from markupsafe import Markup

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    adopt_generated_articles(api.Environment(cr, SUPERUSER_ID, {}))


def adopt_generated_articles(env):
    problems = (
        env["helpdesk.problem"]
        .with_context(active_test=False)
        .search(
            [
                ("article_id", "!=", False),
                ("article_digest", "=", False),
                ("state", "in", ("known_error", "resolved", "closed")),
            ]
        )
    )
    langs = [code for code, _name in env["res.lang"].get_installed()]
    for problem in problems:
        current = problem._article_digest(problem.article_id.body)
        for lang in langs:
            translated = problem.with_context(lang=lang)
            body = Markup("<h3>%s</h3>%s<h3>%s</h3>%s") % (
                translated.env._("Symptom"),
                problem.symptom or Markup("<p>%s</p>") % problem.name,
                translated.env._("Workaround"),
                problem.workaround,
            )
            if problem._article_digest(body) == current:
                problem.article_digest = current
                break
