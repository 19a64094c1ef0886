#!/usr/bin/env python3
"""Two SLA watcher processes started at once on N tickets with breached SLAs.

The operator's scenario of "One home for every lifecycle decision": N tickets (default
3,000) of one team, four running SLA lines each (SLA and OLA, first response and
resolution), all breached, and two escalation rules (half the target used, breach). Two
worker processes load the registry, wait for the same start signal and run the scheduled
action's SLA watcher (`helpdesk.ticket._timer_sla_watch`) at once, committing batch after
batch. The script prints how each run ended (a deadlock used to abort one of them), its
time, and checks that every escalation happened exactly once. The data it creates is
removed at the end.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_watcher_workers.py \\
        --tickets 3000 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import json
import os
import subprocess
import sys
import time

START_LOCK = 716_002


def import_odoo():
    try:
        import odoo  # noqa: F401
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)


def worker(odoo_args, batch):
    """One watcher process: wait for the start signal, run the timer, print the outcome."""
    import_odoo()
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([*odoo_args, "--log-level=warn"])
    registry = Registry(config["db_name"][0] if isinstance(config["db_name"], list) else config["db_name"])
    with registry.cursor() as cr:
        print(json.dumps({"ready": True}), flush=True)
        cr.execute("SELECT pg_advisory_lock(%s)", [START_LOCK])
        cr.execute("SELECT pg_advisory_unlock(%s)", [START_LOCK])
        cr.commit()
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.monotonic()
        try:
            done = env["helpdesk.ticket"]._timer_sla_watch(batch_size=batch)
            outcome = "finished" if done else "time up"
        except Exception as error:  # noqa: BLE001 - reported, this is what the bench measures
            cr.rollback()
            outcome = f"aborted: {type(error).__name__}: {str(error).splitlines()[0]}"
        print(json.dumps({"outcome": outcome, "seconds": round(time.monotonic() - start, 2)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000, help="tickets per committed batch (the cron's default)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args, odoo_args = parser.parse_known_args()
    odoo_args = [arg for arg in odoo_args if arg != "--"]
    if args.worker:
        return worker(odoo_args, args.batch)

    import_odoo()
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([*odoo_args, "--log-level=warn"])
    db = config["db_name"][0] if isinstance(config["db_name"], list) else config["db_name"]
    registry = Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
        t0 = time.monotonic()
        team = env["helpdesk.team"].create({"name": "Bench: two watchers", "closure_confirmation": False})
        policies = env["helpdesk.sla.policy"].create(
            [
                {
                    "name": f"Bench {kind} {metric}",
                    "kind": kind,
                    "metric": metric,
                    "target_hours": hours,
                    "team_ids": team.ids,
                    "sequence": -100,
                }
                for kind in ("sla", "ola")
                for metric, hours in (("first_response", 1), ("resolution", 2))
            ]
        )
        rules = env["helpdesk.escalation.rule"].create(
            [
                {
                    "name": "Bench half used",
                    "trigger": "sla_share",
                    "share_percent": 50,
                    "level": 1,
                    "team_id": team.id,
                },
                {"name": "Bench breached", "trigger": "sla_breach", "level": 2, "team_id": team.id},
            ]
        )
        tickets = env["helpdesk.ticket"].create(
            [{"name": f"Bench breach {i}", "team_id": team.id} for i in range(args.tickets)]
        )
        env.flush_all()
        cr.execute(
            """UPDATE helpdesk_ticket_sla
                  SET running_since = now() at time zone 'UTC' - interval '10 days',
                      start_date = now() at time zone 'UTC' - interval '10 days',
                      deadline = now() at time zone 'UTC' - interval '9 days',
                      at_risk_date = now() at time zone 'UTC' - interval '9 days',
                      escalation_date = now() at time zone 'UTC' - interval '9 days',
                      next_check_date = now() at time zone 'UTC' - interval '9 days'
                WHERE ticket_id IN %s""",
            [tuple(tickets.ids)],
        )
        lines = cr.rowcount
        cr.commit()
        print(f"{args.tickets} tickets, {lines} breached lines, 2 rules: prepared in {time.monotonic() - t0:.1f} s")

        cr.execute("SELECT pg_advisory_lock(%s)", [START_LOCK])
        command = [sys.executable, os.path.abspath(__file__), "--worker", "--batch", str(args.batch), "--", *odoo_args]
        workers = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _i in range(2)
        ]
        for process in workers:
            assert '"ready"' in process.stdout.readline(), process.stderr.read()
        start = time.monotonic()
        cr.execute("SELECT pg_advisory_unlock(%s)", [START_LOCK])
        results = []
        for process in workers:
            out, err = process.communicate()
            results.append(json.loads(out.strip().splitlines()[-1]))
            results[-1]["deadlocks logged"] = err.count("deadlock detected")
        wall = time.monotonic() - start
        for i, result in enumerate(results, 1):
            print(f"worker {i}: {result}")
        print(f"both done in {wall:.1f} s")

        cr.commit()  # a new snapshot: what the workers committed
        env.invalidate_all()
        left = env["helpdesk.ticket.sla"].search_count(
            [("ticket_id", "in", tickets.ids), ("next_check_date", "!=", False)]
        )
        env["helpdesk.ticket"]._timer_sla_watch()  # what the next run picks up
        cr.commit()
        env.invalidate_all()
        logs = env["helpdesk.escalation.log"].search([("ticket_id", "in", tickets.ids)])
        levels = set(tickets.mapped("escalation_level"))
        ok = len(logs) == 2 * args.tickets and levels == {2}
        print(
            f"lines left for the next run: {left}; escalations: {len(logs)} for {2 * args.tickets} expected; "
            f"levels {sorted(levels)}: {'ok' if ok else 'MISMATCH'}"
        )

        logs.unlink()
        tickets.unlink()
        rules.unlink()
        policies.unlink()
        team.unlink()
        cr.commit()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
