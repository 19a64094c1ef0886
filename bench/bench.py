"""Run the SLA benchmark scenarios in one database and write the figures as JSON.

Usage (bench/run.sh does this)::

    PYTHONPATH=$ODOO_SRC python bench/bench.py --side ours|peer --db DB --config .odoo/odoo.conf \
        --addons-path PATHS --out bench/out/ours.json [--seed 42] [--tickets 1000] \
        [--watch 10000:0.01,100000:0.001,100000:0.01] [--skip-stages] [--log-sql KEY,...]

The database must have helpdesk_itil (ours) or helpdesk_mgmt_sla (peer) installed and no
data of a previous run (the generator creates users with fixed logins).

Every measured operation runs as the administrator (a helpdesk manager on both sides,
access rules apply) and includes its commit: the ORM flush, the mail tracking done in the
pre-commit hooks and the SQL ``COMMIT``, like an HTTP request would. Time is wall-clock
(``time.perf_counter``), queries are the cursor's ``sql_log_count``. Notification emails
are queued (``mail_notify_force_send=False``) rather than sent over SMTP at commit.
"""

import argparse
import json
import logging
import os
import sys
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402


def say(message, *args):
    """Progress on stderr (Odoo's own logging is set to warnings only)."""
    print(f"[bench] {message % args if args else message}", file=sys.stderr, flush=True)


def bootstrap(config_file, addons_path, db):
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        ["-c", config_file, "--addons-path", addons_path, "-d", db, "--log-level", "warn", "--no-database-list"],
        setup_logging=True,
    )
    from odoo.modules.registry import Registry  # noqa: PLC0415

    return Registry(db)


class Recorder:
    def __init__(self, env, side, log_sql=()):
        self.env = env
        self.side = side
        self.log_sql = log_sql
        self.results = {"side": side, "rows": {}, "checks": {}}

    def measure(self, key, fn, count, env=None, **extra):
        """Run `fn` and commit; record seconds and queries for `count` tickets.

        Returns what `fn` returned."""
        env = env or self.env
        cr = env.cr
        env.flush_all()
        cr.commit()
        sql_logger = logging.getLogger("odoo.sql_db")
        level = sql_logger.level
        if key in self.log_sql:
            sql_logger.setLevel(logging.DEBUG)
        q0 = cr.sql_log_count
        t0 = time.perf_counter()
        try:
            result = fn()
            cr.commit()
        finally:
            sql_logger.setLevel(level)
        seconds = time.perf_counter() - t0
        queries = cr.sql_log_count - q0
        row = {"seconds": seconds, "queries": queries, "count": count, **extra}
        self.results["rows"][key] = row
        say(
            "%s %-28s %8.3f s %7d queries (%d tickets: %.2f ms, %.1f queries per ticket)",
            self.side,
            key,
            seconds,
            queries,
            count,
            1000 * seconds / count,
            queries / count,
        )
        return result


def _lines_of(env, tickets):
    return env["helpdesk.ticket.sla"].sudo().search_count([("ticket_id", "in", tickets.ids)])


def _move_bulk(tickets, stage):
    return lambda: tickets.write({"stage_id": stage})


def _move_single(tickets, stage):
    def run():
        for ticket in tickets:
            ticket.write({"stage_id": stage})

    return run


def _one_request_each(env, calls):
    """Each call in a transaction of its own, committed, then the record cache emptied."""

    def run():
        for call in calls:
            call()
            env.cr.commit()
            env.invalidate_all()

    return run


def _send_notices(env, rec, key, count):
    """Ours only: the agent notices the tickets just created queued (new tickets of manual
    teams, assignees), sent as the scheduled action does once their minute is over. The
    peer's create() emails each assignee itself, inside the figures above; ours does it
    here, grouped per agent and minute, outside the create() call."""
    Notice, Message = env["helpdesk.notice"].sudo(), env["mail.message"].sudo()
    queued = Notice.search_count([])
    env.cr.execute("UPDATE helpdesk_notice SET minute = minute - interval '1 minute'")
    env.invalidate_all()
    last_message = Message.search([], order="id desc", limit=1).id
    rec.measure(key, Notice._cron_send, count, notices=queued)
    rec.results["checks"][f"{key}_messages"] = Message.search_count([("id", ">", last_message)])


def analyze(env):
    """ANALYZE the whole database, committed (bench_alternate.py too): the planner's
    statistics, as autovacuum would keep them."""
    env.flush_all()
    env.cr.commit()
    env.cr.execute("ANALYZE")
    env.cr.commit()


def stage_scenarios(env, rec, ids, side):
    """Creation and stage moves, the same on both sides."""
    Ticket = env["helpdesk.ticket"]
    vals = ids["vals"]
    stages = ids["stages"]

    # Warm-up: fill the registry's caches (views, xml ids, ormcaches) on both sides alike.
    warm = Ticket.create(vals["warmup"])
    warm.write({"stage_id": stages["in_progress"]})
    warm[:10].write({"stage_id": stages["pending"]})
    _move_single(warm[10:], stages["pending"])()
    if side == "ours":
        env["helpdesk.notice"].sudo().search([]).unlink()
    env.cr.commit()

    # 1. 1,000 tickets (--tickets) with two matching SLA policies, one create() call.
    created = rec.measure("create_batch", lambda: Ticket.create(vals["create"]), len(vals["create"]))
    rec.results["checks"]["create_batch_lines"] = _lines_of(env, created)
    if side == "ours":
        _send_notices(env, rec, "notices_batch", len(vals["create"]))

    # Statistics for the planner, as autovacuum would gather them after such a batch (it is
    # off on some machines, and then every plan is made on default estimates).
    analyze(env)

    # 1b. 100 tickets created one by one (forms, mail gateway, API: one record per call).
    # bench_alternate.py runs its rounds on tickets of their own (generate.alternate_key).
    rec.results["alternate"] = {
        "vals": {key: tickets for key, tickets in vals.items() if key.startswith("alternate_")},
        "stages": stages,
    }
    rec.measure("create_100_single", lambda: [Ticket.create([v]) for v in vals["single"]], len(vals["single"]))
    if side == "ours":
        _send_notices(env, rec, "notices_100_single", len(vals["single"]))

    # 1c. 100 other tickets, each in a transaction of its own with an empty record cache, as
    # HTTP requests are: the COMMIT (a WAL flush) and the cold cache weigh alike on both sides.
    rec.measure(
        "create_100_request",
        _one_request_each(env, [lambda v=v: Ticket.create([v]) for v in vals["request"]]),
        len(vals["request"]),
    )
    if side == "ours":
        env["helpdesk.notice"].sudo().search([]).unlink()
        env.cr.commit()

    if side == "ours":
        # Our teams can acknowledge every new ticket by email (reference and portal link);
        # the peer cannot, so this is measured apart: 100 other tickets in one call, with the
        # acknowledgement on (sent for the email, portal and web form channels).
        teams = env["helpdesk.team"].browse(list(ids["teams"].values()))
        teams.send_acknowledgement = True
        env.cr.commit()
        created_ack = rec.measure(
            "create_100_ack",
            lambda: Ticket.create(vals["ack"]),
            len(vals["ack"]),
        )
        rec.results["checks"]["create_100_ack_sent"] = env["mail.message"].search_count(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "in", created_ack.ids),
                ("message_type", "=", "auto_comment"),
            ]
        )
        teams.send_acknowledgement = False
        env.cr.commit()

    # 2. Stage moves: in progress -> pending/waiting, on tickets of the 1,000. As shipped
    # (with Odoo's mail tracking of the stage: one chatter message per ticket, and on our
    # side notifications to the followers), then with tracking_disable, which leaves the
    # SLA engine and the ORM write alone.
    groups = [created[i * 100 : (i + 1) * 100] for i in range(4)]
    created[:400].write({"stage_id": stages["in_progress"]})
    env.cr.commit()
    rec.measure("move_100_bulk", _move_bulk(groups[0], stages["pending"]), 100)
    rec.measure("move_100_single", _move_single(groups[1], stages["pending"]), 100)
    quiet = [group.with_context(tracking_disable=True) for group in groups]
    rec.measure("move_100_bulk_notrack", _move_bulk(quiet[2], stages["pending"]), 100)
    rec.measure("move_100_single_notrack", _move_single(quiet[3], stages["pending"]), 100)
    # One move per request (own transaction, cold record cache), as 1c.
    requests = created[500:600]
    if len(requests) == 100:
        requests.write({"stage_id": stages["in_progress"]})
        env.cr.commit()
        env.invalidate_all()
        rec.measure(
            "move_100_request",
            # Each ticket browsed alone, as a request browses the id it is given (not with
            # the batch's tickets as prefetch set: a cold read would fetch hundreds of rows).
            _one_request_each(
                env, [lambda i=i: Ticket.browse(i).write({"stage_id": stages["pending"]}) for i in requests.ids]
            ),
            100,
        )
    # The same bulk move on 10 tickets: the engine's query count must not follow the size.
    ten = created[400:410].with_context(tracking_disable=True)
    ten.write({"stage_id": stages["in_progress"]})
    env.cr.commit()
    rec.measure("move_10_bulk_notrack", _move_bulk(ten, stages["pending"]), 10)
    rec.results["checks"]["move_lines_per_ticket"] = _lines_of(env, created[:400]) / 400


def line_count_scenarios(env, rec, ids, side):
    """The SLA engine alone (tracking_disable) with 1, 2 and 3 SLA lines per ticket."""
    vals = ids["vals"]
    stages = ids["stages"]
    line_fname, status_fname = ("sla_ids", "status") if side == "ours" else ("ticket_sla_ids", "state")
    QuietTicket = env["helpdesk.ticket"].with_context(tracking_disable=True)
    for n_lines in (1, 2, 3):
        key = f"lines_{n_lines}"
        tickets = rec.measure(
            f"create_200_{n_lines}_lines", lambda key=key: QuietTicket.create(vals[key]), len(vals[key]), lines=n_lines
        )
        rec.results["checks"][f"{key}_lines_per_ticket"] = _lines_of(env, tickets) / len(tickets)
        tickets.write({"stage_id": stages["in_progress"]})
        env.cr.commit()
        bulk, single = tickets[:100], tickets[100:200]
        rec.measure(f"move_100_bulk_{n_lines}_lines", _move_bulk(bulk, stages["pending"]), 100, lines=n_lines)
        rec.measure(f"move_100_single_{n_lines}_lines", _move_single(single, stages["pending"]), 100, lines=n_lines)
        env.invalidate_all()
        lines = tickets[line_fname]
        rec.results["checks"][f"{key}_paused"] = len(
            lines.filtered(lambda line: line[status_fname] in ("paused", "on_hold"))
        )


# ----------------------------------------------------------------------------------
# Watcher (ours only): open tickets inserted with SQL
# ----------------------------------------------------------------------------------


def _columns(cr, table, skip=("id",)):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [c for (c,) in cr.fetchall() if c not in skip]


def _copy_rows(cr, table, source_sql, overrides, params):
    """INSERT INTO table (every column but id) SELECT them from `source_sql` aliased s,
    with `overrides` {column: SQL expression, "id" included if given}; robust to columns
    added to the models."""
    cols = (["id"] if "id" in overrides else []) + _columns(cr, table)
    select = ", ".join(overrides.get(c, f's."{c}"') for c in cols)
    names = ", ".join(f'"{c}"' for c in cols)
    cr.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {source_sql}", params)  # noqa: S608
    return cr.rowcount


def add_open_tickets(env, template, total, now):
    """Grow the bulk set (tickets named 'Bulk open ticket …') to `total` open tickets.

    Tickets are copies of the ORM-created `template` (team with two SLA lines, in
    progress); each gets copies of the template's open SLA lines, running since two hours,
    with their at-risk date (and next check) spread over the next 30 days, and of their
    open running intervals. Nothing is due. Returns the number of tickets added.
    """
    cr = env.cr
    env.flush_all()
    cr.execute("SELECT count(*) FROM helpdesk_ticket WHERE name LIKE 'Bulk open ticket %%'")
    have = cr.fetchone()[0]
    if have >= total:
        return 0
    steps = []
    t0 = time.perf_counter()
    # As a superuser, skip the foreign-key triggers for this transaction: the rows copy
    # existing ones and point at rows inserted here, so they are consistent by
    # construction, and the insert is several times faster. Otherwise lines are linked
    # to their intervals by an UPDATE after both are inserted.
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    slow = not cr.fetchone()[0]
    if not slow:
        cr.execute("SET LOCAL session_replication_role = replica")
    cr.execute("DROP TABLE IF EXISTS bench_new_tickets")
    cr.execute("CREATE TEMP TABLE bench_new_tickets (id integer PRIMARY KEY)")
    cols = _columns(cr, "helpdesk_ticket")
    overrides = {
        "name": "'Bulk open ticket ' || g",
        "reference": "'BULK-' || lpad(g::text, 6, '0')",
        "access_token": "md5(g::text || random()::text)",
        "sla_status": "'ongoing'",
        "sla_deadline": "%(now)s::timestamp + make_interval(mins => 60 + (g * 7) %% 43200) + interval '1 day'",
    }
    select = ", ".join(overrides.get(c, f's."{c}"') for c in cols)
    names = ", ".join(f'"{c}"' for c in cols)
    cr.execute(
        f"""WITH new AS (
                INSERT INTO helpdesk_ticket ({names})
                SELECT {select} FROM helpdesk_ticket s, generate_series(%(lo)s, %(hi)s) g WHERE s.id = %(tpl)s
                RETURNING id)
            INSERT INTO bench_new_tickets SELECT id FROM new""",  # noqa: S608
        {"lo": have + 1, "hi": total, "tpl": template.id, "now": now},
    )
    added = cr.rowcount
    steps.append(("tickets", time.perf_counter() - t0))
    # SLA lines: one copy of each open template line per new ticket, running, not due,
    # with their open running interval. Ids are drawn from the sequences first so that
    # lines and intervals can point at each other without a second pass.
    cr.execute("DROP TABLE IF EXISTS bench_new_lines")
    cr.execute(
        """CREATE TEMP TABLE bench_new_lines AS
           SELECT nextval('helpdesk_ticket_sla_id_seq') AS id,
                  nextval('helpdesk_ticket_sla_interval_id_seq') AS interval_id,
                  n.id AS ticket_id, s.id AS src_id, s.current_interval_id AS src_interval_id
             FROM helpdesk_ticket_sla s CROSS JOIN bench_new_tickets n
            WHERE s.ticket_id = %s AND s.settled_date IS NULL""",
        [template.id],
    )
    check = "%(now)s::timestamp + make_interval(mins => 60 + (b.ticket_id * 7 + b.src_id) %% 43200)"
    _copy_rows(
        cr,
        "helpdesk_ticket_sla",
        "helpdesk_ticket_sla s JOIN bench_new_lines b ON b.src_id = s.id",
        {
            "id": "b.id",
            "ticket_id": "b.ticket_id",
            "current_interval_id": "NULL" if slow else "b.interval_id",
            "status": "'ongoing'",
            "start_date": "%(start)s",
            "running_since": "%(start)s",
            "used_hours": "0",
            "at_risk_date": check,
            "deadline": f"{check} + interval '1 day'",
            "escalation_date": "NULL",
            "next_check_date": check,
        },
        {"now": now, "start": now - timedelta(hours=2)},
    )
    steps.append(("lines", time.perf_counter() - t0))
    _copy_rows(
        cr,
        "helpdesk_ticket_sla_interval",
        "helpdesk_ticket_sla_interval s JOIN bench_new_lines b ON b.src_interval_id = s.id",
        {"id": "b.interval_id", "sla_id": "b.id", "date_start": "%(start)s"},
        {"start": now - timedelta(hours=2)},
    )
    steps.append(("intervals", time.perf_counter() - t0))
    if slow:
        cr.execute(
            """UPDATE helpdesk_ticket_sla l SET current_interval_id = b.interval_id
                 FROM bench_new_lines b WHERE b.id = l.id"""
        )
        steps.append(("link", time.perf_counter() - t0))
    cr.execute("DROP TABLE bench_new_lines")
    cr.execute("DROP TABLE bench_new_tickets")
    cr.execute("ANALYZE helpdesk_ticket; ANALYZE helpdesk_ticket_sla; ANALYZE helpdesk_ticket_sla_interval")
    steps.append(("analyze", time.perf_counter() - t0))
    cr.commit()
    env.invalidate_all()
    say("bulk insert of %d tickets: %s", added, ", ".join(f"{k} {v:.1f}s" for k, v in steps))
    return added


def set_due(env, share, now, previous):
    """Make `share` of the bulk tickets due, and the lines made due before (`previous`,
    a list of ids, updated in place) not due any more.

    Half of the due tickets have their first-response line crossing its at-risk date
    (becomes at risk), the other half, already at risk, crossing its deadline (becomes
    failed). Returns (open tickets, due lines).
    """
    cr = env.cr
    env.flush_all()
    if previous:
        cr.execute(
            """UPDATE helpdesk_ticket_sla SET status = 'ongoing', escalation_date = NULL,
                      at_risk_date = %(now)s::timestamp + make_interval(mins => 60 + (id * 7) %% 43200),
                      deadline = %(now)s::timestamp + make_interval(mins => 60 + (id * 7) %% 43200) + interval '1 day',
                      next_check_date = %(now)s::timestamp + make_interval(mins => 60 + (id * 7) %% 43200)
                WHERE id IN %(ids)s""",
            {"now": now, "ids": tuple(previous)},
        )
        previous.clear()
    cr.execute("SELECT count(*) FROM helpdesk_ticket WHERE name LIKE 'Bulk open ticket %%'")
    n_open = cr.fetchone()[0]
    n_due = round(n_open * share)
    # Spread over the bulk set, deterministically.
    cr.execute(
        """WITH due AS (
                SELECT l.id, row_number() OVER (ORDER BY md5(l.ticket_id::text)) AS n
                  FROM helpdesk_ticket_sla l JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE t.name LIKE 'Bulk open ticket %%' AND l.metric = 'first_response'
                   AND l.settled_date IS NULL
                 ORDER BY md5(l.ticket_id::text) LIMIT %(n_due)s)
            UPDATE helpdesk_ticket_sla l SET
                   status = CASE WHEN due.n %% 2 = 0 THEN 'at_risk' ELSE 'ongoing' END,
                   at_risk_date = CASE WHEN due.n %% 2 = 0 THEN %(now)s::timestamp - interval '3 hours'
                                       ELSE %(now)s::timestamp - interval '5 minutes' END,
                   deadline = CASE WHEN due.n %% 2 = 0 THEN %(now)s::timestamp - interval '5 minutes'
                                   ELSE %(now)s::timestamp + interval '2 hours' END,
                   next_check_date = %(now)s::timestamp - interval '5 minutes'
              FROM due WHERE due.id = l.id
            RETURNING l.id""",
        {"now": now, "n_due": n_due},
    )
    previous.extend(i for (i,) in cr.fetchall())
    cr.commit()
    env.invalidate_all()
    return n_open, n_due


def watcher_scenarios(registry, rec, ids, sizes, uid_admin):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with registry.cursor() as cr:
        admin_env = api.Environment(cr, uid_admin, {})
        team = ids["teams"][generate.LINE_TEAMS[2]]
        template = admin_env["helpdesk.ticket"].create(
            {"name": "Bulk template", "team_id": team, "description": "<p>bulk</p>"}
        )
        template.write({"stage_id": ids["stages"]["in_progress"]})
        cr.commit()
        # The cron runs as the superuser (its user_id); so does this pass.
        env = api.Environment(cr, SUPERUSER_ID, {})
        template = env["helpdesk.ticket"].browse(template.id)
        Ticket = env["helpdesk.ticket"]
        previous = []
        for total, share in sizes:
            t0 = time.perf_counter()
            now = datetime.now().replace(microsecond=0) - timedelta(seconds=1)
            add_open_tickets(env, template, total, now)
            n_open, n_due = set_due(env, share, now, previous)
            say("ours: %d open tickets, %d due, prepared in %.1f s", n_open, n_due, time.perf_counter() - t0)
            key = f"watch_{n_open}_{n_due}"
            # The whole scheduled action: the SLA watcher and every lifecycle timer.
            rec.measure(key, Ticket._cron_lifecycle, n_due, env=env, open_tickets=n_open, due=n_due)
            env.invalidate_all()
            cr.execute(
                """SELECT count(*) FILTER (WHERE l.status = 'failed'),
                          count(*) FILTER (WHERE l.status = 'at_risk' AND l.metric = 'first_response'),
                          count(*) FILTER (WHERE l.next_check_date <= %s)
                     FROM helpdesk_ticket_sla l JOIN helpdesk_ticket t ON t.id = l.ticket_id
                    WHERE t.name LIKE 'Bulk open ticket %%' AND l.settled_date IS NULL""",
                [now],
            )
            failed, at_risk, still_due = cr.fetchone()
            rec.results["checks"][key] = {"failed": failed, "at_risk": at_risk, "still_due": still_due}
            cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=("ours", "peer"), required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tickets", type=int, default=1000, help="tickets created in one call")
    parser.add_argument(
        "--watch",
        default="10000:0.01,100000:0.001,100000:0.01",
        help="watcher passes (ours only): open tickets:share due, comma separated; empty to skip",
    )
    parser.add_argument(
        "--alternate-rounds", type=int, default=5, help="rounds of bench_alternate.py to generate tickets for"
    )
    parser.add_argument("--skip-stages", action="store_true", help="only the watcher passes")
    parser.add_argument("--log-sql", default="", help="comma-separated measurement keys whose SQL is logged")
    args = parser.parse_args()

    registry = bootstrap(args.config, args.addons_path, args.db)
    from odoo import api  # noqa: PLC0415

    data = generate.make_dataset(args.seed, n_create=args.tickets, n_alternate_rounds=args.alternate_rounds)
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        uid_admin = env.ref("base.user_admin").id
        loader = generate.load_ours if args.side == "ours" else generate.load_peer
        ids = loader(env, data)
        cr.commit()
        # Notification emails go to the mail queue (as with Odoo's mail cron) instead of
        # being sent over SMTP at commit: the bench measures the helpdesk, not a mail server.
        env = api.Environment(cr, uid_admin, {"mail_notify_force_send": False})
        rec = Recorder(env, args.side, log_sql=args.log_sql.split(","))
        rec.results["seed"] = args.seed
        if not args.skip_stages:
            stage_scenarios(env, rec, ids, side=args.side)
            line_count_scenarios(env, rec, ids, args.side)
    if args.side == "ours" and args.watch:
        sizes = [(int(n), float(s)) for n, s in (item.split(":") for item in args.watch.split(","))]
        watcher_scenarios(registry, rec, ids, sizes, uid_admin)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(rec.results, f, indent=1)


if __name__ == "__main__":
    main()
