#!/usr/bin/env python3
"""Problem detection on generated incidents: time, queries, proposals and query plans.

Generates, with bench_reports.py's SQL generator, N tickets created over the last 30 days
(most of them older than the detection window of 7 days) across 10 teams and 50 categories,
then gives them subjects with SQL (``name`` and ``subject_normalized``): mostly distinct
subjects drawn from a vocabulary plus a random token, and a few recurring subjects, each
repeated 5–20 times within the last 5 days in one team and category, so that the detector
has groups to propose. Then runs ``helpdesk.problem.proposal._detect_team`` for each team
(what ``_cron_detect`` does, without its commit per team), twice: the first pass creates the
proposals, the second finds them known. Prints the time and queries per team and in all, the
proposals created, and the plans (EXPLAIN ANALYZE) of the candidate search and of one
similarity query. Everything runs in one transaction that is rolled back, so any database
with helpdesk_itil installed can be used.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_problems.py \\
        --tickets 100000 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_reports import capture_queries, generate_tickets, import_odoo, make_reference_data  # noqa: E402

# Vocabulary of the distinct subjects: problem × object × place, and a random token.
PROBLEMS = [
    "cannot open", "error when saving", "slow", "crashes on", "no access to", "request for", "question about",
    "cannot print from", "lost data in", "update failed for", "license expired for", "sync broken in",
]  # fmt: skip
OBJECTS = [
    "invoice", "timesheet", "shared drive", "badge reader", "laptop dock", "conference room screen",
    "expense report", "payroll export", "intranet page", "mobile app", "scanner", "wiki", "calendar invite",
    "purchase order", "customer portal", "label printer",
]  # fmt: skip
PLACES = ["Paris office", "Lyon warehouse", "home office", "building B", "floor 3", "the plant", "the shop", "HQ"]
# Recurring subjects: proposals to find.
RECURRING = [
    "Outlook keeps asking for my password",
    "VPN disconnects every hour",
    "Printer on floor 2 is offline",
    "Cannot log in to the ERP",
    "Wi-Fi drops in meeting rooms",
    "Teams calls have no sound",
    "Shared mailbox not updating",
    "Password reset link expired",
    "SAP report times out",
    "Badge does not open the garage",
    "Email attachments are blocked",
    "Laptop battery drains overnight",
]


def set_subjects(env, args, tag, teams, categories):
    """Distinct subjects for every generated ticket, then RECURRING subjects on 5–20 tickets
    each, moved into one team and category and within the last 5 days (inside the window and
    among the newest DETECTION_LIMIT of their team)."""
    from odoo.tools import SQL

    prefix = getattr(args, "reference_prefix", None) or tag
    env.cr.execute(
        SQL(
            """
            UPDATE helpdesk_ticket
               SET name = subject, subject_normalized = lower(subject)
              FROM (SELECT id AS ticket_id,
                           initcap((%(problems)s::varchar[])[1 + floor(random() * %(n_problems)s)::int]) || ' '
                           || (%(objects)s::varchar[])[1 + floor(random() * %(n_objects)s)::int] || ' ('
                           || (%(places)s::varchar[])[1 + floor(random() * %(n_places)s)::int] || ') '
                           || substr(md5(id::text), 1, 6) AS subject
                      FROM helpdesk_ticket WHERE reference LIKE %(like)s) AS drawn
             WHERE id = ticket_id
            """,
            problems=PROBLEMS,
            n_problems=len(PROBLEMS),
            objects=OBJECTS,
            n_objects=len(OBJECTS),
            places=PLACES,
            n_places=len(PLACES),
            like=f"{prefix}-%",
        )
    )
    recurring = 0
    for index, subject in enumerate(RECURRING):
        env.cr.execute(
            SQL(
                """
                UPDATE helpdesk_ticket
                   SET name = CASE WHEN random() < 0.3 THEN 'Re: ' || %(subject)s ELSE %(subject)s END,
                       subject_normalized = lower(%(subject)s),
                       team_id = %(team)s, category_id = %(category)s,
                       create_date = now() AT TIME ZONE 'UTC' - random() * interval '5 days',
                       state = 'in_progress', stage_id = %(stage)s, is_closed = FALSE
                 WHERE id IN (SELECT id FROM helpdesk_ticket
                               WHERE reference LIKE %(like)s AND subject_normalized NOT IN %(recurring)s
                               ORDER BY random() LIMIT 5 + floor(random() * 16)::int)
                """,
                subject=subject,
                team=teams[index % len(teams)].id,
                category=categories[index % len(categories)].id,
                stage=env.ref("helpdesk_itil.stage_in_progress").id,
                like=f"{prefix}-%",
                recurring=tuple(s.lower() for s in RECURRING),
            )
        )
        recurring += env.cr.rowcount
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.invalidate_all()
    return recurring


def detect(env, teams, label):
    """_detect_team for each team, timed; return the captured queries of the first team."""
    Proposal = env["helpdesk.problem.proposal"].sudo()
    proposals_before = Proposal.search_count([])
    env.flush_all()
    env.invalidate_all()
    total_start, total_before = time.perf_counter(), env.cr.sql_log_count
    per_team, first_queries = [], None
    for team in teams:
        start, before = time.perf_counter(), env.cr.sql_log_count
        with capture_queries(env.cr) as queries:
            Proposal._detect_team(team)
            env.flush_all()
        per_team.append((team.name, time.perf_counter() - start, env.cr.sql_log_count - before))
        if first_queries is None:
            first_queries = queries
    elapsed, count = time.perf_counter() - total_start, env.cr.sql_log_count - total_before
    created = Proposal.search_count([]) - proposals_before
    times = [t for _name, t, _q in per_team]
    print(
        f"{label}: {elapsed * 1000:.0f} ms for {len(teams)} teams, {count} queries, {created} proposals created; "
        f"per team {min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms (mean {sum(times) / len(times) * 1000:.0f})"
    )
    for name, seconds, queries in per_team:
        print(f"  {name}: {seconds * 1000:.0f} ms, {queries} queries")
    return first_queries


def find_query(queries, *needles, without=()):
    """The captured query containing `needles` and none of `without` with the longest
    parameters (the similarity query over the most candidates)."""
    from odoo.tools import SQL

    found = [
        (query, params)
        for query, params in queries
        if all(n in str(query.code if isinstance(query, SQL) else query) for n in needles)
        and not any(w in str(query.code if isinstance(query, SQL) else query) for w in without)
    ]
    if not found:
        return None, None
    return max(found, key=lambda qp: len(str(qp[0].params if isinstance(qp[0], SQL) else qp[1])))


def explain(env, title, query, params, threshold=None):
    from odoo.tools import SQL

    from odoo.addons.helpdesk_itil.tools import similarity

    if query is None:
        print(f"\n{title}: not captured")
        return
    if isinstance(query, SQL):
        query, params = query.code, query.params
    print(f"\n{title}:")
    with similarity.trigram_threshold(env, threshold or 0.3):
        env.cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        print("\n".join(row[0] for row in env.cr.fetchall()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100000, help="tickets to generate, default 100,000")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed(), default 0.42")
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()
    args.months = 30 / 30.44  # bench_reports' generator spreads creation dates over months × 30.44 days

    import_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(args.odoo_args)
    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0] if dbname else None
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)
    from odoo.addons.helpdesk_itil.models.helpdesk_problem_proposal import DETECTION_LIMIT, PROPOSAL_SIMILARITY

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT version()")
        postgres = cr.fetchone()[0].split(",")[0]
        start = time.perf_counter()
        tag, company, agents, teams, categories, customers = make_reference_data(env, args)
        generate_tickets(env, args, tag, company, agents, teams, categories, customers)
        recurring = set_subjects(env, args, tag, teams, categories)
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE create_date >= now() AT TIME ZONE 'UTC' - interval '7 days') "
            "FROM helpdesk_ticket WHERE reference LIKE %s",
            [f"{tag}-%"],
        )
        generated, in_window = cr.fetchone()
        print(
            f"database: {dbname} ({postgres}), pg_trgm: {registry.has_trigram}; generated {generated:,} tickets "
            f"over 30 days in {time.perf_counter() - start:.1f} s: {in_window:,} in the 7-day window "
            f"(~{in_window // len(teams):,} per team, DETECTION_LIMIT {DETECTION_LIMIT}), {recurring} of them on "
            f"{len(RECURRING)} recurring subjects"
        )
        queries = detect(env, teams, "first pass (proposals created)")
        detect(env, teams, "second pass (proposals known)")
        proposals = env["helpdesk.problem.proposal"].sudo().search([("team_id", "in", teams.ids)])
        print(f"proposals: {', '.join(f'{p.name!r} ({p.incident_count})' for p in proposals)}")
        explain(env, "plan of the candidate search", *find_query(queries, '"create_date" DESC', "LIMIT"))
        explain(
            env,
            "plan of one similarity query",
            *find_query(queries, '"subject_normalized"', "ORDER BY", without=('"create_date" DESC',)),
            threshold=PROPOSAL_SIMILARITY,
        )
        cr.rollback()


if __name__ == "__main__":
    main()
