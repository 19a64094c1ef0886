#!/usr/bin/env python3
"""The team overview (Helpdesk → Overview) on generated tickets: time and queries.

Generates, with bench_reports.py's SQL generator, `--open` open tickets spread over the last
`--months` months (the backlog) and `--recent` tickets of the last 30 days, most of them
resolved (created vs resolved, ratings); marks 5 % of the open tickets' SLA at risk and 3 %
failed; rates 60 % of the recent resolved tickets. Then asks what the overview screen asks:
the kanban's ``web_search_read`` of every team with every figure of its card (counters, SLA at
risk and failed, oldest open age, CSAT of 30 days, the 7-day sparkline), and the My performance
strip (``helpdesk.team.get_my_performance``), as an agent (every team) and as a helpdesk user of
one team (record rules applied), with warm caches as a running server has them. Prints the
times (best of `--repeat`) and the query counts, and the plan of the slowest query.

The generated data is committed and the tables vacuumed before measuring, as a live database
is (measuring inside the generating transaction reads every row version the generator wrote):
run it on a scratch copy of a database with helpdesk_itil installed.

    createdb -T helpdesk helpdesk_bench
    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_overview.py \\
        --open 100000 -- -c .odoo/odoo.conf -d helpdesk_bench

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_reports import capture_queries, generate_tickets, import_odoo, make_reference_data  # noqa: E402

CARD_SPEC = {
    "name": {},
    "color": {},
    "assignment_method": {},
    "open_ticket_count": {},
    "unassigned_ticket_count": {},
    "urgent_ticket_count": {},
    "my_ticket_count": {},
    "sla_at_risk_ticket_count": {},
    "sla_failed_ticket_count": {},
    "oldest_open_age": {},
    "rating_recent_avg": {},
    "rating_recent_count": {},
    "created_recent_count": {},
    "resolved_recent_count": {},
    "activity_sparkline": {},
}


def decorate(env, args, tag, teams):
    """SLA statuses on the open tickets, ratings on the recent resolved ones (SQL)."""
    from odoo.tools import SQL

    env.cr.execute(SQL("SELECT setseed(%s)", args.seed))
    env.cr.execute(
        SQL(
            """UPDATE helpdesk_ticket t
                  SET sla_status = CASE WHEN r < 0.03 THEN 'failed' WHEN r < 0.08 THEN 'at_risk' ELSE 'ongoing' END,
                      sla_failed = r < 0.03
                 FROM (SELECT id, random() AS r FROM helpdesk_ticket
                        WHERE reference LIKE %s AND state IN ('new', 'in_progress', 'pending')) drawn
                WHERE t.id = drawn.id""",
            f"{tag}%",
        )
    )
    model_id = env["ir.model"]._get_id("helpdesk.ticket")
    team_model_id = env["ir.model"]._get_id("helpdesk.team")
    env.cr.execute(
        SQL(
            """INSERT INTO rating_rating (res_model_id, res_model, res_id, parent_res_model_id, parent_res_model,
                                          parent_res_id, partner_id, rated_partner_id, rating, consumed, rated_on,
                                          access_token, create_date, write_date, create_uid, write_uid)
               SELECT %s, 'helpdesk.ticket', t.id, %s, 'helpdesk.team', t.team_id, t.partner_id, NULL,
                      (1 + floor(random() * 5))::int, TRUE, t.closed_date, md5(random()::text), t.closed_date,
                      t.closed_date, 1, 1
                 FROM helpdesk_ticket t
                WHERE t.reference LIKE %s AND t.closed_date IS NOT NULL AND t.team_id IS NOT NULL
                  AND random() < 0.6""",
            model_id,
            team_model_id,
            f"{args.recent_prefix}%",
        )
    )
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.cr.execute("ANALYZE rating_rating")
    env.invalidate_all()


def generate(env, args):
    """The reference data and the tickets; returns (agent id, user id, team name) to measure as."""
    tag, company, agents, teams, categories, customers = make_reference_data(env, args)
    agents[-1].group_ids += env.ref("helpdesk_itil.group_helpdesk_agent")
    # The backlog: open tickets (never resolved) over the last months.
    backlog = argparse.Namespace(**vars(args), tickets=args.open, resolve_share=0.0, reference_prefix=f"{tag}-o")
    generate_tickets(env, backlog, tag, company, agents, teams, categories, customers)
    # The last 30 days: created, resolved, closed, rated.
    args.recent_prefix = f"{tag}-r"
    recent = argparse.Namespace(**{**vars(args), "months": 1}, tickets=args.recent, reference_prefix=args.recent_prefix)
    generate_tickets(env, recent, tag, company, agents, teams, categories, customers)
    decorate(env, args, f"{tag}-o", teams)
    return agents[-1].id, agents[0].id, teams[0].name


def last_run_users(env):
    """(agent id, user id, team name) of the last run's data (--measure-only)."""
    users = env["res.users"].search([("login", "=like", "bench-%-agent-%")], order="id desc")
    if not users:
        raise SystemExit("no generated data in this database: run without --measure-only first")
    tag = users[0].login.rsplit("-agent-", 1)[0]
    users = users.filtered(lambda user: user.login.startswith(f"{tag}-agent-")).sorted("id")
    team = env["helpdesk.team"].search([("member_ids", "in", users[0].ids)], limit=1)
    return users[-1].id, users[0].id, team.name


def measure(env, label, call, repeat):
    call()  # warm the caches of access rules and views, as a running server has them
    times, counts = [], []
    for _run in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        with capture_queries(env.cr) as queries:
            result = call()
        times.append(time.perf_counter() - start)
        counts.append(env.cr.sql_log_count - before)
    print(
        f"{label}: {min(times) * 1000:.0f} ms best of {repeat} ({', '.join(f'{t * 1000:.0f}' for t in times)} ms), "
        f"{counts[-1]} queries"
    )
    return result, queries


def slowest(env, queries):
    """(milliseconds, query) of the slowest of `queries`, re-run with EXPLAIN ANALYZE."""
    from odoo.tools import SQL

    worst = None
    for query, params in queries:
        if isinstance(query, SQL):
            query, params = query.code, query.params
        if not str(query).lstrip().upper().startswith("SELECT"):
            continue
        start = time.perf_counter()
        env.cr.execute(query, params)
        elapsed = time.perf_counter() - start
        if worst is None or elapsed > worst[0]:
            worst = (elapsed, query, params)
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100000, help="open tickets, default 100,000")
    parser.add_argument("--recent", type=int, default=5000, help="tickets of the last 30 days, default 5,000")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--months", type=int, default=12, help="the open tickets' creation dates, default 12")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--explain", action="store_true", help="print the plan of the slowest query")
    parser.add_argument(
        "--measure-only", action="store_true", help="measure the data of the last run again, generate nothing"
    )
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()

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

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        start = time.perf_counter()
        if args.measure_only:
            agent_id, user_id, team_name = last_run_users(env)
        else:
            agent_id, user_id, team_name = generate(env, args)
        cr.commit()
        generated = time.perf_counter() - start
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE helpdesk_ticket")
        cr.execute("VACUUM ANALYZE rating_rating")
        cr._cnx.autocommit = False
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        cr.execute("SELECT version()")
        postgres = cr.fetchone()[0].split(",")[0]
        cr.execute("SELECT state IN ('new', 'in_progress', 'pending'), count(*) FROM helpdesk_ticket GROUP BY 1")
        counts = dict(cr.fetchall())
        cr.execute("SELECT pg_size_pretty(pg_table_size('helpdesk_ticket'))")
        size = cr.fetchone()[0]
        print(
            f"database: {dbname} ({postgres}); {counts.get(True, 0):,} open and {counts.get(False, 0):,} other "
            f"tickets in the table ({size}); generated in {generated:.1f} s, committed, vacuumed"
        )
        all_teams = env["helpdesk.team"].search([]).ids
        print(f"overview: web_search_read of {len(all_teams)} team cards, every figure; then My performance")
        for uid, label in ((agent_id, "agent (every team)"), (user_id, f"helpdesk user of one team ({team_name})")):
            uenv = env(user=uid)
            cards, queries = measure(
                uenv,
                f"  cards as {label}",
                lambda uenv=uenv: uenv["helpdesk.team"].web_search_read([], CARD_SPEC),
                args.repeat,
            )
            first = cards["records"][0]
            print(
                f"    e.g. {first['name']}: {first['open_ticket_count']} open, {first['sla_at_risk_ticket_count']} "
                f"at risk, {first['sla_failed_ticket_count']} failed, oldest {first['oldest_open_age']} business "
                f"days, CSAT {first['rating_recent_avg']:.2f} ({first['rating_recent_count']}), 7 days "
                f"{first['created_recent_count']} created / {first['resolved_recent_count']} resolved"
            )
            worst = slowest(uenv, queries)
            if worst:
                print(f"    slowest query {worst[0] * 1000:.0f} ms: {' '.join(str(worst[1]).split())[:160]}…")
                if args.explain:
                    uenv.cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {worst[1]}", worst[2])
                    print("\n".join("      " + row[0] for row in uenv.cr.fetchall()))
            performance, _queries = measure(
                uenv,
                f"  My performance as {label}",
                lambda uenv=uenv: uenv["helpdesk.team"].get_my_performance(),
                args.repeat,
            )
            print(f"    {performance}")
        cr.rollback()


if __name__ == "__main__":
    main()
