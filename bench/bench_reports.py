#!/usr/bin/env python3
"""The Ticket Analysis pivot on generated tickets: time, queries and query plan.

Generates N tickets with SQL (spread over the last months, across teams, categories,
customers, agents and priorities, most of them resolved, with their metric stamps), then
asks the Ticket Analysis what its pivot asks when grouped by team × creation month with the
mean, median and P90 of the time to resolution in business hours: one
``formatted_read_grouping_sets`` call (the (team, month), team, month and total groups in
one query), as the superuser and as a helpdesk user of one team (record rules applied).
Prints the times, the query counts and the plan (EXPLAIN ANALYZE) of the aggregate query.
Everything runs in one transaction that is rolled back (``--commit`` keeps the tickets), so
any database with helpdesk_itil installed can be used.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_reports.py \\
        --tickets 5000 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...). The data is
generated with SQL so that the same script scales to 1,000,000 tickets (``--tickets 1000000``).
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager


def import_odoo():
    try:
        import odoo
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)
        import odoo  # noqa: F401


AGGREGATES = [
    "__count",
    "kpi_resolution_business_hours:avg",
    "kpi_resolution_business_hours_median:median",
    "kpi_resolution_business_hours_p90:p90",
]
GROUPING_SETS = [["team_id", "create_date:month"], ["team_id"], ["create_date:month"], []]


def make_reference_data(env, args):
    """Teams, categories, customers and agents of the generated tickets (ORM, a few records)."""
    tag = f"bench-{os.getpid()}"
    company = env.company
    agents = env["res.users"].create(
        [
            {
                "name": f"Bench agent {i}",
                "login": f"{tag}-agent-{i}",
                "group_ids": [(4, env.ref("helpdesk_itil.group_helpdesk_user").id)],
            }
            for i in range(args.agents)
        ]
    )
    per_team = max(1, len(agents) // args.teams)
    teams = env["helpdesk.team"].create(
        [
            {
                "name": f"Bench team {i}",
                "company_id": company.id,
                "member_ids": [(6, 0, agents[i * per_team : (i + 1) * per_team].ids)],
            }
            for i in range(args.teams)
        ]
    )
    categories = env["helpdesk.category"].create([{"name": f"Bench category {i}"} for i in range(args.categories)])
    customers = env["res.partner"].create(
        [{"name": f"Bench customer {i}", "is_company": True} for i in range(args.customers)]
    )
    return tag, company, agents, teams, categories, customers


def generate_tickets(env, args, tag, company, agents, teams, categories, customers):
    """INSERT … SELECT generate_series: N tickets created over the last `months` months, 2 %
    without team, 85 % resolved (`args.resolve_share` if given; resolution and first response
    times drawn from exponential laws), resolved tickets closed two days later. References
    start with `args.reference_prefix` if given (several batches in one run)."""
    from odoo.tools import SQL

    stage = {
        state: env.ref(f"helpdesk_itil.stage_{state}").id for state in ("new", "in_progress", "resolved", "closed")
    }
    types = env["helpdesk.ticket.type"].search([]).ids
    env.cr.execute(SQL("SELECT setseed(%s)", args.seed))
    env.cr.execute(
        SQL(
            """
            WITH drawn AS (
                SELECT i,
                       now() AT TIME ZONE 'UTC' - random() * %(days)s * interval '1 day' AS created,
                       (%(teams)s::int[])[1 + floor(random() * %(n_teams)s)::int] AS team_id,
                       random() < 0.02 AS no_team,
                       (%(categories)s::int[])[1 + floor(random() * %(n_categories)s)::int] AS category_id,
                       (%(customers)s::int[])[1 + floor(random() * %(n_customers)s)::int] AS partner_id,
                       (%(agents)s::int[])[1 + floor(random() * %(n_agents)s)::int] AS user_id,
                       (%(types)s::int[])[1 + floor(random() * %(n_types)s)::int] AS type_id,
                       (1 + floor(random() * 4))::int::varchar AS priority,
                       -ln(1 - random()) * 2 AS response_hours,
                       -ln(1 - random()) * 30 AS resolution_hours,
                       random() < %(resolve_share)s AS resolves,
                       (1 + floor(random() * 4))::int AS replies,
                       random() < 0.1 AS reopened,
                       random() < 0.15 AS escalated
                  FROM generate_series(1, %(n)s) AS i
            ), timed AS (
                SELECT drawn.*,
                       created + response_hours * interval '1 hour' AS responded,
                       CASE WHEN resolves AND created + (response_hours + resolution_hours) * interval '1 hour'
                                              < now() AT TIME ZONE 'UTC'
                            THEN created + (response_hours + resolution_hours) * interval '1 hour' END AS resolved
                  FROM drawn
            ), final AS (
                SELECT timed.*,
                       CASE WHEN resolved + interval '2 days' < now() AT TIME ZONE 'UTC'
                            THEN resolved + interval '2 days' END AS closed
                  FROM timed
            )
            INSERT INTO helpdesk_ticket (
                reference, name, company_id, team_id, category_id, type_id, partner_id, commercial_partner_id,
                user_id, channel, impact, urgency, priority, is_urgent, stage_id, state, is_closed,
                customer_confirmation, active, create_date, write_date, create_uid, write_uid, last_stage_update,
                escalation_level, reopen_count, kpi_reply_count, kpi_escalation_count, kpi_team_transfer_count,
                kpi_one_touch, kpi_first_contact_resolution, assign_date, first_response_date,
                first_resolved_date, resolved_date, closed_date,
                kpi_assign_hours, kpi_assign_business_hours,
                kpi_first_response_hours, kpi_first_response_business_hours,
                kpi_first_resolution_hours, kpi_first_resolution_business_hours,
                kpi_resolution_hours, kpi_resolution_business_hours,
                kpi_close_hours, kpi_close_business_hours,
                kpi_requester_wait_hours, kpi_requester_wait_business_hours,
                kpi_agent_wait_hours, kpi_agent_wait_business_hours
            )
            SELECT %(tag)s || '-' || i, 'Benchmark ticket ' || i, %(company)s,
                   CASE WHEN no_team THEN NULL ELSE team_id END, category_id, type_id, partner_id, partner_id,
                   user_id, 'email', 'medium', 'medium', priority, priority IN ('1', '2'),
                   CASE WHEN closed IS NOT NULL THEN %(closed)s WHEN resolved IS NOT NULL THEN %(resolved)s
                        ELSE %(in_progress)s END,
                   CASE WHEN closed IS NOT NULL THEN 'closed' WHEN resolved IS NOT NULL THEN 'resolved'
                        ELSE 'in_progress' END,
                   closed IS NOT NULL, 'none', TRUE, created, created, 1, 1, COALESCE(closed, resolved, created),
                   escalated::int, reopened::int, replies, escalated::int, 0,
                   resolved IS NOT NULL AND replies <= 1 AND NOT reopened,
                   resolved IS NOT NULL AND NOT escalated AND NOT reopened,
                   created + interval '12 minutes', responded, resolved, resolved, closed,
                   0.2, 0.1,
                   response_hours, response_hours * 0.35,
                   CASE WHEN resolved IS NOT NULL THEN response_hours + resolution_hours ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.3 ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN response_hours + resolution_hours ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.3 ELSE 0 END,
                   CASE WHEN closed IS NOT NULL THEN response_hours + resolution_hours + 48 ELSE 0 END,
                   CASE WHEN closed IS NOT NULL THEN (response_hours + resolution_hours) * 0.3 + 16 ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.7 ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.2 ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.3 ELSE 0 END,
                   CASE WHEN resolved IS NOT NULL THEN (response_hours + resolution_hours) * 0.1 ELSE 0 END
              FROM final
            """,
            tag=getattr(args, "reference_prefix", None) or tag,
            resolve_share=getattr(args, "resolve_share", 0.85),
            company=company.id,
            days=args.months * 30.44,
            n=args.tickets,
            teams=teams.ids,
            n_teams=len(teams),
            categories=categories.ids,
            n_categories=len(categories),
            customers=customers.ids,
            n_customers=len(customers),
            agents=agents.ids,
            n_agents=len(agents),
            types=types,
            n_types=len(types),
            closed=stage["closed"],
            resolved=stage["resolved"],
            in_progress=stage["in_progress"],
        )
    )
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.invalidate_all()


@contextmanager
def capture_queries(cr):
    """Collect the (query, params) the cursor runs."""
    queries = []
    execute = cr.execute

    def recording(query, params=None, log_exceptions=True):
        queries.append((query, params))
        return execute(query, params, log_exceptions)

    cr.execute = recording
    try:
        yield queries
    finally:
        cr.execute = execute


def measure(env, label, repeat):
    """Run the pivot's call `repeat` times; print times and queries; return the aggregate query."""
    from odoo.tools import SQL

    Analysis = env["helpdesk.ticket.analysis"]
    domain = [("state", "!=", "cancelled"), ("channel", "!=", "alert")]
    times = []
    for _run in range(repeat):
        env.invalidate_all()
        env.flush_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        with capture_queries(env.cr) as queries:
            result = Analysis.formatted_read_grouping_sets(domain, GROUPING_SETS, AGGREGATES)
        times.append(time.perf_counter() - start)
        count = env.cr.sql_log_count - before
    cells, teams, months, total = (len(groups) for groups in result)
    print(
        f"{label}: {min(times) * 1000:.0f} ms best of {repeat} ({', '.join(f'{t * 1000:.0f}' for t in times)} ms), "
        f"{count} queries; {total} total row, {teams} teams, {months} months, {cells} team × month cells"
    )
    total_row = result[3][0]
    print(
        f"  total: {total_row['__count']} tickets, resolution (business h) mean "
        f"{total_row['kpi_resolution_business_hours:avg']:.2f}, median "
        f"{total_row['kpi_resolution_business_hours_median:median']:.2f}, P90 "
        f"{total_row['kpi_resolution_business_hours_p90:p90']:.2f}"
    )
    for query, params in queries:
        text = query.code if isinstance(query, SQL) else query
        if "percentile_cont" in str(text):
            return query, params
    return None, None


def explain(env, query, params):
    from odoo.tools import SQL

    if isinstance(query, SQL):
        query, params = query.code, query.params
    env.cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
    print("\n".join(row[0] for row in env.cr.fetchall()))
    env.cr.execute(SQL("SELECT 1"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=5000, help="tickets to generate, default 5,000")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--months", type=int, default=36, help="creation dates over the last months, default 36")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement, default 3")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed(), default 0.42")
    parser.add_argument("--commit", action="store_true", help="keep the generated tickets (default: roll back)")
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
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT version()")
        postgres = cr.fetchone()[0].split(",")[0]
        start = time.perf_counter()
        reference = make_reference_data(env, args)
        generate_tickets(env, args, *reference)
        env.cr.execute("SELECT count(*) FROM helpdesk_ticket")
        in_table = env.cr.fetchone()[0]
        print(
            f"database: {dbname} ({postgres}); generated {args.tickets:,} tickets over {args.months} months, "
            f"{args.teams} teams, {args.categories} categories in {time.perf_counter() - start:.1f} s "
            f"({in_table:,} tickets in the table)"
        )
        print(f"pivot: rows team, columns creation month; measures {', '.join(AGGREGATES)}")
        query, params = measure(env, "superuser", args.repeat)
        _tag, _company, agents, teams, _categories, _customers = reference
        user = agents[:1]
        measure(env(user=user.id), f"helpdesk user of one team ({teams[0].name}, record rules)", args.repeat)
        if query is not None:
            print("\nplan of the aggregate query (superuser):")
            explain(env, query, params)
        if args.commit:
            cr.commit()
            print("committed")
        else:
            cr.rollback()


if __name__ == "__main__":
    main()
