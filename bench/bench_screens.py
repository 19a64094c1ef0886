#!/usr/bin/env python3
"""The main ticket screens on a large desk, ours or OCA's helpdesk_mgmt, as one agent sees them.

Generates N tickets with SQL (spread over `--months`, 10 teams, 1,000 customer companies of
which one has `--big-customer` tickets, most of them closed), then replays, as a helpdesk user
of one team (record rules applied, not the superuser), the calls the web client makes with
the views' default filters and orders:

- kanban grouped by stage (one ``web_read_group`` with auto-unfold, 40 cards per column, the
  kanban arch's fields);
- list, first page (``web_search_read``, 80 rows, the list arch's fields, count limit 10,001);
- the search for a reference and for a customer name (list first page with that domain);
- the portal's ticket list of the big customer's portal user (count + first page of 20);
- the team overview (the team kanban's records).

Each is run `--repeat` times (best kept) after one warm-up; the script prints the times, the
query counts and the plan of each call's slowest query. The same script runs on the peer's
database (``--side peer``): both sides get the same shape of data from the same seed.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_screens.py \\
        --side ours --tickets 100000 -- -c .odoo/odoo.conf -d hd_screens_ours

Generated data is committed once per database (a second run with the same --tickets reuses
it: generating 1,000,000 tickets takes minutes), so use a database of its own.
``bench/screens.sh`` installs both sides and runs them one after the other.
"""

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager

TAG = "bench-screens"
KANBAN_LIMIT = 40
LIST_LIMIT = 80
PORTAL_LIMIT = 20


def import_odoo():
    try:
        import odoo  # noqa: F401
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)


class Side:
    """What differs between the two products: group names, stages, columns, filters."""

    def __init__(self, env, name):
        self.env = env
        self.name = name
        self.ours = name == "ours"
        self.team_model = "helpdesk.team" if self.ours else "helpdesk.ticket.team"
        self.user_group = "helpdesk_itil.group_helpdesk_user" if self.ours else "helpdesk_mgmt.group_helpdesk_user_team"

    # Default filter of the Tickets action: ours opens on "Open", the peer on everything
    # (its action has no default filter; closed tickets fold into the Done column).
    def default_domain(self):
        return [("state", "in", ["new", "in_progress", "pending"])] if self.ours else []

    def order(self):
        return "priority, id desc" if self.ours else self.env["helpdesk.ticket"]._order

    def stages(self):
        if self.ours:
            states = ("new", "in_progress", "pending", "resolved", "closed")
            return {state: self.env.ref(f"helpdesk_itil.stage_{state}").id for state in states}
        Stage = self.env["helpdesk.ticket.stage"]
        open_stages = Stage.search([("closed", "=", False)], order="sequence")
        closed = Stage.search([("closed", "=", True)], order="sequence", limit=1)
        ids = open_stages.ids + [closed.id] * (5 - len(open_stages))
        return dict(zip(("new", "in_progress", "pending", "resolved", "closed"), ids[:5], strict=True))

    def reference_of(self, ticket_id):
        column = "reference" if self.ours else "number"
        self.env.cr.execute(f"SELECT {column} FROM helpdesk_ticket WHERE id = %s", [ticket_id])  # noqa: S608
        return self.env.cr.fetchone()[0]

    def reference_domain(self, reference):
        return [("reference" if self.ours else "number", "ilike", reference)]

    @staticmethod
    def count_open(env, side):
        if side.ours:
            env.cr.execute("SELECT count(*) FROM helpdesk_ticket WHERE state IN ('new', 'in_progress', 'pending')")
        else:
            env.cr.execute(
                "SELECT count(*) FROM helpdesk_ticket t JOIN helpdesk_ticket_stage s ON s.id = t.stage_id"
                " WHERE NOT s.closed"
            )
        return env.cr.fetchone()[0]

    def portal_order(self):
        return "create_date desc, id desc"


def make_reference_data(env, side, args):
    company = env.company
    group = env.ref(side.user_group)
    agents = env["res.users"].create(
        [{"name": f"Screens agent {i}", "login": f"{TAG}-agent-{i}", "group_ids": [(4, group.id)]} for i in range(30)]
    )
    member_field = "member_ids" if side.ours else "user_ids"
    teams = env[side.team_model].create(
        [
            {
                "name": f"Screens team {i}",
                "company_id": company.id,
                member_field: [(6, 0, agents[i * 3 : i * 3 + 3].ids)],
            }
            for i in range(args.teams)
        ]
    )
    customers = env["res.partner"].create(
        [{"name": f"Screens customer {i:04d}", "is_company": True} for i in range(1000)]
    )
    big = customers[0]
    big_contact = env["res.partner"].create({"name": "Screens big customer contact", "parent_id": big.id})
    portal = env["res.users"].create(
        {
            "name": "Screens portal user",
            "login": f"{TAG}-portal",
            "partner_id": big_contact.id,
            "group_ids": [(6, 0, [env.ref("base.group_portal").id])],
        }
    )
    return {"agents": agents, "teams": teams, "customers": customers, "big": big_contact, "portal": portal}


def generate_tickets(env, side, args, ref):
    """INSERT … SELECT generate_series: `--tickets` tickets created evenly over `--months`
    months; the big customer gets `--big-customer` of them."""
    from odoo.tools import SQL

    stage = side.stages()
    teams, customers, agents = ref["teams"], ref["customers"][1:], ref["agents"]
    env.cr.execute(SQL("SELECT setseed(%s)", args.seed))
    drawn = SQL(
        """
        SELECT i, CASE WHEN big_customer THEN %(big)s ELSE customer END AS partner_id,
               CASE WHEN big_customer THEN %(big_company)s END AS big_company, created, team_id, user_id, prio, r, r2
          FROM (SELECT i,
               now() AT TIME ZONE 'UTC' - random() * %(days)s * interval '1 day' AS created,
               (%(teams)s::int[])[1 + floor(random() * %(n_teams)s)::int] AS team_id,
               random() < %(big_share)s AS big_customer,
               (%(customers)s::int[])[1 + floor(random() * %(n_customers)s)::int] AS customer,
               (%(agents)s::int[])[1 + floor(random() * %(n_agents)s)::int] AS user_id,
               (1 + floor(random() * 4))::int AS prio,
               random() AS r,
               random() AS r2
          FROM generate_series(1, %(n)s) AS i) AS raw
        """,
        days=args.months * 30.44,
        n=args.tickets,
        teams=teams.ids,
        n_teams=len(teams),
        customers=customers.ids,
        n_customers=len(customers),
        agents=agents.ids,
        n_agents=len(agents),
        big=ref["big"].id,
        big_company=ref["big"].commercial_partner_id.id,
        big_share=args.big_customer / args.tickets,
    )
    # A desk that keeps up: tickets of the last `--open-days` days are open (30 % new, 50 % in
    # progress, 20 % pending), older ones closed (3 % only resolved) except a stale backlog of
    # `--stale-share` of them, still open.
    state = SQL(
        """CASE WHEN created >= now() AT TIME ZONE 'UTC' - %(open_days)s * interval '1 day' OR r2 < %(stale)s THEN
                     CASE WHEN r < 0.3 THEN 'new' WHEN r < 0.8 THEN 'in_progress' ELSE 'pending' END
                WHEN r < 0.97 THEN 'closed' ELSE 'resolved' END""",
        open_days=args.open_days,
        stale=args.stale_share,
    )
    if side.ours:
        insert = SQL(
            """
            WITH drawn AS (%(drawn)s), staged AS (SELECT drawn.*, %(state)s AS state FROM drawn)
            INSERT INTO helpdesk_ticket (
                reference, name, company_id, team_id, partner_id, commercial_partner_id, user_id, channel,
                impact, urgency, priority, is_urgent, stage_id, state, is_closed, customer_confirmation, active,
                create_date, write_date, create_uid, write_uid, last_stage_update, escalation_level, reopen_count,
                kpi_reply_count, kpi_escalation_count, kpi_team_transfer_count, kpi_one_touch,
                kpi_first_contact_resolution, resolved_date, closed_date)
            SELECT 'HD-' || lpad(i::text, 7, '0'), 'Screens ticket ' || i || ': printer queue stuck', %(company)s,
                   team_id, partner_id, COALESCE(big_company, partner_id), user_id, 'email', 'medium', 'medium',
                   prio::varchar, prio <= 2, (%(stage)s::jsonb ->> state)::int, state, state = 'closed', 'none', TRUE,
                   created, created, 1, 1, created, 0, 0, 1, 0, 0, FALSE, FALSE,
                   CASE WHEN state IN ('resolved', 'closed') THEN created + interval '1 day' END,
                   CASE WHEN state = 'closed' THEN created + interval '3 days' END
              FROM staged
            """,
            drawn=drawn,
            state=state,
            company=env.company.id,
            stage=json.dumps(stage),
        )
    else:
        insert = SQL(
            """
            WITH drawn AS (%(drawn)s), staged AS (SELECT drawn.*, %(state)s AS state FROM drawn)
            INSERT INTO helpdesk_ticket (
                number, name, description, company_id, team_id, partner_id, commercial_partner_id, user_id,
                priority, stage_id, unattended, kanban_state, sequence, active, create_date, write_date, create_uid,
                write_uid, last_stage_update, closed_date)
            SELECT 'HT' || lpad(i::text, 7, '0'), 'Screens ticket ' || i || ': printer queue stuck',
                   '<p>Screens ticket</p>', %(company)s, team_id, partner_id, COALESCE(big_company, partner_id),
                   user_id, (4 - prio)::varchar, (%(stage)s::jsonb ->> state)::int, state = 'new', 'normal', 10, TRUE,
                   created, created, 1, 1, created,
                   CASE WHEN state = 'closed' THEN created + interval '3 days' END
              FROM staged
            """,
            drawn=drawn,
            state=state,
            company=env.company.id,
            stage=json.dumps(stage),
        )
    env.cr.execute(insert)
    env.invalidate_all()


@contextmanager
def capture_queries(cr):
    queries = []
    execute = cr.execute

    def recording(query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return execute(query, params, log_exceptions)
        finally:
            queries.append((time.perf_counter() - start, query, params))

    cr.execute = recording
    try:
        yield queries
    finally:
        cr.execute = execute


def view_specification(Model, view_type):
    """The read specification of the default view's fields, as the web client builds it."""
    from lxml import etree

    arch = etree.fromstring(Model.get_view(view_type=view_type)["arch"])
    spec = {}
    for node in arch.iter("field"):
        # fields of sub-views (x2many lists inside a form) are not ours to read here
        if any(parent.tag == "field" for parent in node.iterancestors()):
            continue
        name = node.get("name")
        field = Model._fields.get(name)
        if field is None:
            continue
        if field.type in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def kanban_progressbar(Model):
    """The kanban's <progressbar> as the web client sends it to read_progress_bar, if any."""
    from lxml import etree

    node = etree.fromstring(Model.get_view(view_type="kanban")["arch"]).find(".//progressbar")
    if node is None:
        return None
    return {"field": node.get("field"), "colors": json.loads(node.get("colors"))}


def measure(env, label, call, repeat, plans):
    """Run `call` once to warm up, then `repeat` times; print the best time and the queries."""
    call()
    times = []
    for _ in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        start = time.perf_counter()
        with capture_queries(env.cr) as queries:
            call()
        times.append(time.perf_counter() - start)
        count = env.cr.sql_log_count - before
    slowest = max(queries, key=lambda q: q[0])
    print(f"  {label:<44} {min(times) * 1000:8.1f} ms  {count:3d} queries  (slowest query {slowest[0] * 1000:.1f} ms)")
    plans.append((label, slowest))
    return {"ms": round(min(times) * 1000, 1), "queries": count}


def explain(env, label, query, params):
    from odoo.tools import SQL

    if isinstance(query, SQL):
        query, params = query.code, query.params
    env.cr.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {query}", params)
    print(f"\n  plan of the slowest query of '{label}':")
    print("\n".join("    " + row[0] for row in env.cr.fetchall()))


def screens(env, side, ref, args):
    results, plans = {}, []
    agent = ref["agents"][:1]
    aenv = env(user=agent.id, context={"lang": "en_US", "tz": "UTC"})
    Ticket = aenv["helpdesk.ticket"]
    domain = side.default_domain()
    order = side.order()
    kanban_spec = view_specification(Ticket, "kanban")
    list_spec = view_specification(Ticket, "list")
    print(f"\n{side.name}: as {agent.login} (one team of {len(ref['teams'])}), default filter {domain or 'none'}")

    progressbar = kanban_progressbar(Ticket)

    def kanban():
        Ticket.web_read_group(
            domain,
            ["stage_id"],
            order=order,
            auto_unfold=True,
            unfold_read_specification=kanban_spec,
            unfold_read_default_limit=KANBAN_LIMIT,
        )
        if progressbar:
            Ticket.read_progress_bar(domain, "stage_id", progressbar)

    results["kanban"] = measure(aenv, "kanban grouped by stage", kanban, args.repeat, plans)
    results["list"] = measure(
        aenv,
        "list, first page",
        lambda: Ticket.web_search_read(domain, list_spec, limit=LIST_LIMIT, order=order, count_limit=10001),
        args.repeat,
        plans,
    )
    # a ticket of the agent's team, a customer of the agent's team
    visible = Ticket.search(domain + [("team_id", "=", ref["teams"][0].id)], limit=1, order="id")
    reference = side.reference_of(visible.id)
    results["search_reference"] = measure(
        aenv,
        f"search reference {reference}",
        lambda: Ticket.web_search_read(
            domain + side.reference_domain(reference), list_spec, limit=LIST_LIMIT, order=order, count_limit=10001
        ),
        args.repeat,
        plans,
    )
    customer = "Screens customer 0421"
    results["search_customer"] = measure(
        aenv,
        f"search customer '{customer}'",
        lambda: Ticket.web_search_read(
            domain + [("partner_id", "ilike", customer)], list_spec, limit=LIST_LIMIT, order=order, count_limit=10001
        ),
        args.repeat,
        plans,
    )
    penv = env(user=ref["portal"].id, context={"lang": "en_US", "tz": "UTC"})
    PortalTicket = penv["helpdesk.ticket"]

    def portal_list():
        PortalTicket.search_count([])
        tickets = PortalTicket.search([], order=side.portal_order(), limit=PORTAL_LIMIT)
        tickets.sudo().read(["name", "stage_id", "create_date", "write_date"])

    results["portal"] = measure(
        penv, f"portal list ({args.big_customer:,} tickets of the customer)", portal_list, args.repeat, plans
    )
    Team = aenv[side.team_model]
    team_spec = view_specification(Team, "kanban")
    results["overview"] = measure(
        aenv,
        "team overview",
        lambda: Team.web_search_read([], team_spec, limit=80),
        args.repeat,
        plans,
    )
    if args.plans:
        for label, (_duration, query, params) in plans:
            explain(env, label, query, params)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", choices=("ours", "peer"), required=True)
    parser.add_argument("--tickets", type=int, default=100000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--big-customer", type=int, default=5000, help="tickets of the portal customer")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--open-days", type=int, default=14, help="tickets of the last N days are open, default 14")
    parser.add_argument(
        "--stale-share", type=float, default=0.02, help="share of older tickets still open, default 0.02"
    )
    parser.add_argument("--regenerate", action="store_true", help="delete the generated tickets and generate again")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--plans", action="store_true", help="print the plan of each call's slowest query")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("odoo_args", nargs="*")
    args = parser.parse_args()

    import_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(args.odoo_args)
    dbname = config["db_name"]
    dbname = dbname[0] if isinstance(dbname, list) else dbname
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        side = Side(env, args.side)
        portal = env["res.users"].search([("login", "=", f"{TAG}-portal")])
        if not portal or args.regenerate:
            start = time.perf_counter()
            if portal:
                cr.execute("DELETE FROM helpdesk_ticket")  # the cascades make it slow: a new database is quicker
                customers = env["res.partner"].search([("name", "like", "Screens customer 0%")], order="name")
                ref = {
                    "agents": env["res.users"].search([("login", "like", f"{TAG}-agent-%")], order="id"),
                    "teams": env[side.team_model].search([("name", "like", "Screens team %")], order="id"),
                    "customers": customers,
                    "big": portal.partner_id,
                }
            else:
                ref = make_reference_data(env, side, args)
            generate_tickets(env, side, args, ref)
            cr.commit()
            # what autovacuum does on a live database: statistics and the visibility map
            # (index-only scans skip the table only for pages marked all-visible)
            with registry.cursor() as vacuum_cr:
                vacuum_cr._cnx.autocommit = True
                vacuum_cr.execute("VACUUM ANALYZE helpdesk_ticket")
            print(f"generated {args.tickets:,} tickets in {time.perf_counter() - start:.0f} s (committed, vacuumed)")
        cr.execute("SELECT count(*) FROM helpdesk_ticket")
        total = cr.fetchone()[0]
        ref = {
            "agents": env["res.users"].search([("login", "like", f"{TAG}-agent-%")], order="id"),
            "teams": env[side.team_model].search([("name", "like", "Screens team %")], order="id"),
            "portal": env["res.users"].search([("login", "=", f"{TAG}-portal")]),
        }
        print(f"database {dbname}: {total:,} tickets, {Side.count_open(env, side):,} open")
        results = screens(env, side, ref, args)
        cr.rollback()
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"side": args.side, "tickets": total, "results": results}, out, indent=1)


if __name__ == "__main__":
    main()
