#!/usr/bin/env python3
"""Article suggestions on a knowledge base of 10,000 articles.

Inserts N articles (default 10,000) by SQL: titles drawn from everyday IT questions with
numbers and details, 80 % published, a third each internal, portal and public. Then
measures what the new-ticket forms call as the subject is typed
(`helpdesk.article._find_articles`, the `/help/suggest` route), as a portal user and as
the public user (their record rules apply), with pg_trgm: the time for 200 subjects
(median, 95th percentile, max) and the query plan (EXPLAIN ANALYZE) of one search.

Everything runs in one transaction that is rolled back, so any database with helpdesk_itil
installed can be used.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_articles.py \\
        --articles 10000 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import os
import random
import statistics
import sys
import time

QUESTIONS = [
    "how to reset your vpn password",
    "configure the vpn client on {os}",
    "printer {n} jams on double-sided jobs",
    "outlook keeps asking for the password",
    "connect to the wi-fi in warehouse {n}",
    "set up two-factor authentication on {os}",
    "request access to the sales folder",
    "export the payroll report",
    "install the cad software licence",
    "sync the calendar on {os}",
    "replace the toner of printer {n}",
    "map the shared drive on {os}",
    "download an invoice pdf from the portal",
    "change the quotation template logo",
    "fix a frozen pos terminal {n}",
    "use the barcode scanner {n}",
    "book meeting room {n} and its projector",
    "restore a deleted file from backup",
    "order a new laptop for a new employee",
    "remove the access of a leaver",
]
SYSTEMS = ["windows", "macos", "linux", "android", "ios"]
DETAILS = ["", " (step by step)", " after the update", " for the night shift", " in the new office"]
TYPED = [
    "reset vpn pasword",
    "vpn client windows",
    "printer jams",
    "outlook password",
    "wifi warehouse",
    "two factor",
    "toner printer",
    "invoice pdf",
    "pos terminal frozen",
    "new laptop",
]


def import_odoo():
    try:
        import odoo  # noqa: F401
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)


def say(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def title(rng):
    return rng.choice(QUESTIONS).format(n=rng.randrange(1, 40), os=rng.choice(SYSTEMS)) + rng.choice(DETAILS)


def summary(times):
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {1000 * statistics.median(ordered):.2f} ms, p95 {1000 * p95:.2f} ms, max {1000 * ordered[-1]:.2f} ms"
    )


def insert_articles(env, count, rng):
    from odoo.addons.helpdesk_itil.tools.similarity import query_words

    names = [title(rng).capitalize() for _ in range(count)]
    env.cr.execute(
        """
        INSERT INTO helpdesk_article (name, title_normalized, body, visibility, state, state_sequence, view_count,
                                      helpful_yes_count, helpful_no_count, ticket_solved_count,
                                      create_date, write_date)
        SELECT t.name, t.normalized, '<p>' || t.name || ': the steps.</p>',
               (ARRAY['internal', 'portal', 'public'])[1 + t.n %% 3],
               CASE WHEN t.n %% 5 = 0 THEN 'draft' ELSE 'published' END,
               CASE WHEN t.n %% 5 = 0 THEN 1 ELSE 0 END,
               (t.n * 7919) %% 500, 0, 0, 0,
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM unnest(%(names)s::varchar[], %(normalized)s::varchar[]) WITH ORDINALITY AS t(name, normalized, n)
        """,
        {"names": names, "normalized": [query_words(name) for name in names]},
    )
    env.cr.execute("ANALYZE helpdesk_article")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()
    import_odoo()

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import SQL, config

    config.parse_config([*args.odoo_args, "--log-level=warn"])
    from odoo.addons.helpdesk_itil.models.helpdesk_article import SEARCH_SIMILARITY, SUGGESTION_LIMIT
    from odoo.addons.helpdesk_itil.tools.similarity import query_words, similar_query, trigram_threshold

    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0] if dbname else None
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)
    rng = random.Random(args.seed)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.perf_counter()
        insert_articles(env, args.articles, rng)
        say(f"{args.articles} articles inserted in {time.perf_counter() - start:.1f} s")
        portal = env["res.users"].create(
            {
                "name": "Bench portal",
                "login": "bench_kb_portal",
                "group_ids": [(6, 0, [env.ref("base.group_portal").id])],
            }
        )
        public = env.ref("base.public_user")
        env.flush_all()
        results = {}
        for label, user in (("portal user", portal), ("public user", public)):
            Article = env["helpdesk.article"].with_user(user)
            times, found = [], 0
            for i in range(args.samples):
                typed = TYPED[i % len(TYPED)]
                begin = time.perf_counter()
                found += len(Article._find_articles(typed))
                times.append(time.perf_counter() - begin)
            results[label] = (summary(times), found / args.samples)
        Article = env["helpdesk.article"].with_user(public)
        typed = query_words("Cannot reset my VPN pasword")
        query = similar_query(
            Article,
            "title_normalized",
            typed,
            domain=[("state", "=", "published")],
            limit=SUGGESTION_LIMIT,
            threshold=SEARCH_SIMILARITY,
            measure="word",
        )
        with trigram_threshold(env, SEARCH_SIMILARITY, "word"):
            plan = "\n".join(row[0] for row in env.execute_query(SQL("EXPLAIN (ANALYZE, COSTS OFF) %s", query)))
        print(f"database: {dbname}, {args.articles:,} articles inserted (80 % published, 1/3 public); seed {args.seed}")
        for label, (times, mean_found) in results.items():
            print(
                f"suggestion for one typed subject as the {label}, {args.samples} subjects: {times}"
                f" ({mean_found:.1f} articles found on average)"
            )
        print(f"\nplan of one suggestion (public user):\n{plan}")
        cr.rollback()


if __name__ == "__main__":
    main()
