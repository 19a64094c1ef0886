"""The single-record paths, ours and the peer in turn, in one process.

Usage (bench/run.sh runs it after the two sides' scenarios, on their databases)::

    PYTHONPATH=$ODOO_SRC python bench/bench_alternate.py --config .odoo/odoo.conf \
        --addons-path PATHS --db-ours DB --db-peer DB --in bench/out --out bench/out/alternate.json \
        [--rounds 5]

`bench.py` measures one side after the other, a minute or two apart; on a shared machine
whose speed drifts by a third within minutes, that alone can move a ratio by 0.3. Here the
same four operations run on both sides at once, **call by call**: ours creates (or moves)
a ticket, then the peer does, then the peer goes first for the next ticket, and so on; each
side's clock runs only during its own calls and its own commit. A drift of the machine
then weighs on both sides alike. The operations, each on 100 tickets of the generated data
set (``generate.alternate_key``: tickets of their own for each round and each creation,
saved by `bench.py` in ``<side>.json``; the same tickets created again would each be an
exact copy of an open ticket of the same customer, a duplicate for ours to find and
record):

- ``create``: one ``create()`` per ticket, one commit for the 100 (as ``create_100_single``);
- ``move``: those tickets moved in progress → waiting, one ``write()`` each, one commit;
- ``create_request``, ``move_request``: the same on other tickets, each call in a
  transaction of its own with an empty record cache, each ticket browsed alone, as HTTP
  requests are.

They run in rounds, the first one uncounted. Each figure is the median over the rounds of
the time per ticket; the ratio is ours ÷ peer of the medians, with the range of the
rounds' own ratios beside it. Both registries live in this process (the addons path holds
both products; each database loads only its own modules), so the interpreter, the
database server and the machine's state are shared.
"""

import argparse
import json
import os
import statistics
import sys
import time

import generate

from bench import analyze

OPERATIONS = ("create", "move", "create_request", "move_request")


def say(message, *args):
    print(f"[alternate] {message % args if args else message}", file=sys.stderr, flush=True)


class Side:
    def __init__(self, name, registry, saved):
        from odoo import SUPERUSER_ID, api  # noqa: PLC0415

        self.name = name
        self.registry = registry
        self.vals = saved["alternate"]["vals"]
        self.stages = saved["alternate"]["stages"]
        self.cr = registry.cursor()
        admin = api.Environment(self.cr, SUPERUSER_ID, {}).ref("base.user_admin").id
        # As bench.py: the administrator, notifications queued rather than sent.
        self.env = api.Environment(self.cr, admin, {"mail_notify_force_send": False})
        self.tickets = self.env["helpdesk.ticket"]
        # Planner statistics of the data bench.py left.
        analyze(self.env)

    def prepare(self, operation, round_no):
        """The calls of `operation` in round `round_no`, one per ticket, with what they need
        set up and committed."""
        Ticket, cr, env = self.env["helpdesk.ticket"], self.cr, self.env
        if operation.startswith("create"):
            calls = [lambda v=v: Ticket.create([v]) for v in self.vals[generate.alternate_key(round_no, operation)]]
            self.created = Ticket.browse()
        else:
            tickets = self.tickets
            tickets.write({"stage_id": self.stages["in_progress"]})
            if operation.endswith("_request"):
                # Browsed alone, as a request browses the id it is given: a cold read of a
                # ticket of the round would fetch the 100 rows of its prefetch set.
                tickets = [Ticket.browse(ticket_id) for ticket_id in tickets.ids]
            calls = [lambda t=t: t.write({"stage_id": self.stages["pending"]}) for t in tickets]
        if self.name == "ours":
            # The agent notices queued by creation are sent by their own scheduled action
            # (bench.py measures it); not left to pile up between rounds.
            env["helpdesk.notice"].sudo().search([]).unlink()
        env.flush_all()
        cr.commit()
        env.invalidate_all()
        self.seconds = 0.0
        self.queries = cr.sql_log_count
        return calls

    def call(self, operation, call):
        """Run one call of `operation` (and its commit, for a request) on the clock."""
        t0 = time.perf_counter()
        result = call()
        if operation.endswith("_request"):
            self.cr.commit()
            self.env.invalidate_all()
        self.seconds += time.perf_counter() - t0
        if operation.startswith("create"):
            self.created |= result

    def finish(self, operation):
        """Commit `operation` on the clock; its seconds and queries."""
        t0 = time.perf_counter()
        self.env.flush_all()
        self.cr.commit()
        self.seconds += time.perf_counter() - t0
        if operation.startswith("create"):
            self.tickets = self.created.with_env(self.env)
        return self.seconds, self.cr.sql_log_count - self.queries

    def close(self):
        self.cr.close()


def run_interleaved(sides, operation, round_no):
    """`operation` on every side, call by call, the side going first changing at every call;
    {side name: (seconds, queries)}."""
    calls = {side.name: side.prepare(operation, round_no) for side in sides}
    count = len(calls[sides[0].name])
    assert all(len(side_calls) == count for side_calls in calls.values()), "both sides need as many calls"
    for index in range(count):
        for side in sides if (index + round_no) % 2 else sides[::-1]:
            side.call(operation, calls[side.name][index])
    return {side.name: side.finish(operation) for side in sides}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--addons-path", required=True, help="both products' addons")
    parser.add_argument("--db-ours", required=True)
    parser.add_argument("--db-peer", required=True)
    parser.add_argument("--in", dest="indir", required=True, help="directory of bench.py's ours.json and peer.json")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        ["-c", args.config, "--addons-path", args.addons_path, "--log-level", "warn", "--no-database-list"],
        setup_logging=True,
    )
    from odoo.modules.registry import Registry  # noqa: PLC0415

    sides = []
    for name, db in (("ours", args.db_ours), ("peer", args.db_peer)):
        with open(os.path.join(args.indir, f"{name}.json")) as f:
            saved = json.load(f)
        sides.append(Side(name, Registry(db), saved))
    figures = {side.name: {op: [] for op in OPERATIONS} for side in sides}
    try:
        # A first round fills both sides' caches; it is not counted.
        for round_no in range(args.rounds + 1):
            for operation in OPERATIONS:
                measured = run_interleaved(sides, operation, round_no)
                if round_no:
                    for name, figure in measured.items():
                        figures[name][operation].append(figure)
            if round_no:
                say(
                    "round %d: %s",
                    round_no,
                    ", ".join(
                        f"{op} {figures['ours'][op][-1][0] / figures['peer'][op][-1][0]:.2f}" for op in OPERATIONS
                    ),
                )
    finally:
        for side in sides:
            side.close()

    result = {"rounds": args.rounds, "tickets": 100, "rows": {}}
    for operation in OPERATIONS:
        row = {}
        for name in ("ours", "peer"):
            runs = figures[name][operation]
            row[name] = {
                "ms_per_ticket": statistics.median(s for s, _q in runs) * 1000 / 100,
                "queries_per_ticket": statistics.median(q for _s, q in runs) / 100,
                "rounds_ms": [round(s * 1000 / 100, 2) for s, _q in runs],
            }
        ratios = [o[0] / p[0] for o, p in zip(figures["ours"][operation], figures["peer"][operation], strict=True)]
        row["ratio"] = row["ours"]["ms_per_ticket"] / row["peer"]["ms_per_ticket"]
        row["ratio_min"], row["ratio_max"] = min(ratios), max(ratios)
        result["rows"][operation] = row
        say(
            "%-15s ours %6.2f ms/t, peer %6.2f ms/t: %.2f (rounds %.2f-%.2f)",
            operation,
            row["ours"]["ms_per_ticket"],
            row["peer"]["ms_per_ticket"],
            row["ratio"],
            row["ratio_min"],
            row["ratio_max"],
        )
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
