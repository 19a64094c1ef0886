#!/usr/bin/env python3
"""Benchmark of the monitoring alert endpoint: alerts per second over loopback HTTP.

Creates a throw-away database with helpdesk_itil (optionally from a template database),
an alert source with a token, starts an Odoo server on it (threaded, no cron), posts
Alertmanager webhooks to POST /helpdesk/alert/<id> from concurrent clients, then checks
in the database that exactly the expected tickets exist and every repeat is counted on
its ticket (alert_repeat_count; an unchanged repeat posts no note). Three scenarios,
1,000 alerts each by default:

  distinct   1,000 webhooks, one new alert each            -> 1,000 tickets
  repeats    1,000 webhooks, 100 alerts x 10, shuffled      ->   100 tickets, 900 repeats
  grouped    100 webhooks of 10 new alerts (Alertmanager groups)  -> 1,000 tickets

Run it with the project's virtualenv (it imports odoo for the set-up):

  .venv/bin/python bench/bench_alert_endpoint.py [--template hd_base] [--concurrency 8]

PostgreSQL: PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, current user). Odoo source:
$ODOO_SRC or ~/.cache/helpdesk_itil/odoo-19.0. The server log goes to bench/out/.
"""

import argparse
import getpass
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=f"hd_bench_alerts_{os.getpid()}", help="throw-away database name")
    parser.add_argument("--template", help="create the database from this template (e.g. one with the dependencies)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", 8109)))
    parser.add_argument("--alerts", type=int, default=1000, help="alerts per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=0, help="Odoo HTTP workers (0: threaded server)")
    parser.add_argument(
        "--scenarios", default="distinct,repeats,grouped", help="comma-separated: distinct, repeats, grouped"
    )
    return parser.parse_args()


def odoo_src():
    src = Path(os.environ.get("ODOO_SRC") or Path.home() / ".cache" / "helpdesk_itil" / "odoo-19.0")
    if not (src / "odoo-bin").exists():
        sys.exit(f"Odoo source not found in {src}: set ODOO_SRC")
    return src


def pg_args():
    return [
        f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
        f"--db_user={os.environ.get('PGUSER', getpass.getuser())}",
    ]


def odoo_cmd(src, db, *extra, command=()):
    addons = f"{src}/addons,{src}/odoo/addons,{REPO}"
    return [sys.executable, str(src / "odoo-bin"), *command, "-d", db, f"--addons-path={addons}", *pg_args(), *extra]


def psql(db, sql):
    env = dict(os.environ, PGHOST=os.environ.get("PGHOST", "127.0.0.1"))
    out = subprocess.run(
        ["psql", "-X", "-Atq", "-d", db, "-c", sql], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def create_database(src, args):
    env = dict(os.environ, PGHOST=os.environ.get("PGHOST", "127.0.0.1"))
    if args.template:
        subprocess.run(["createdb", "-T", args.template, args.db], env=env, check=True)
        filestore = Path.home() / ".local" / "share" / "Odoo" / "filestore"
        if (filestore / args.template).is_dir():
            shutil.copytree(filestore / args.template, filestore / args.db, dirs_exist_ok=True)
    print(f"installing helpdesk_itil into {args.db} …", flush=True)
    subprocess.run(
        odoo_cmd(src, args.db, "-i", "helpdesk_itil", "-u", "helpdesk_itil", "--stop-after-init", "--log-level=warn"),
        check=True,
    )


def drop_database(db):
    env = dict(os.environ, PGHOST=os.environ.get("PGHOST", "127.0.0.1"))
    subprocess.run(["dropdb", "--if-exists", "--force", db], env=env, check=False)
    shutil.rmtree(Path.home() / ".local" / "share" / "Odoo" / "filestore" / db, ignore_errors=True)


def create_source(src, db):
    """An Alertmanager source on a team, and its token, through the ORM."""
    script = (
        "team = env['helpdesk.team'].create({'name': 'Bench operations'})\n"
        "source = env['helpdesk.alert.source'].create({'name': 'Bench Prometheus', 'team_id': team.id})\n"
        "print('SOURCE', source.id, source._generate_token())\n"
        "env.cr.commit()\n"
    )
    out = subprocess.run(
        odoo_cmd(src, db, "--log-level=warn", "--no-http", command=["shell"]),
        input=script,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("SOURCE "))
    _tag, source_id, token = line.split()
    return int(source_id), token


def start_server(src, args, log_path):
    log = open(log_path, "w")  # noqa: SIM115 - closed with the server
    cmd = odoo_cmd(
        src,
        args.db,
        f"--db-filter=^{args.db}$",
        f"--http-port={args.port}",
        "--http-interface=127.0.0.1",
        f"--workers={args.workers}",
        f"--gevent-port={args.port - 1}",  # the websocket server of --workers mode; unused here
        "--max-cron-threads=0",
        "--log-level=warn",
        "--log-handler=odoo.service.model:INFO",
    )
    # Own process group: stopping the bench stops the server and all its children.
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{args.port}/web/health"
    for _i in range(240):
        if server.poll() is not None:
            sys.exit(f"the server exited early; see {log_path}")
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return server, log
        except requests.RequestException:
            pass
        time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit(f"the server did not answer on {url}; see {log_path}")


def alert(fingerprint, status="firing"):
    return {
        "status": status,
        "labels": {"alertname": "BenchAlert", "instance": fingerprint, "severity": "warning"},
        "annotations": {"summary": f"Bench alert {fingerprint}", "description": "Generated by the benchmark."},
        "startsAt": "2026-11-25T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.com/graph",
        "fingerprint": fingerprint,
    }


def webhook(alerts):
    return {"version": "4", "status": "firing", "receiver": "helpdesk", "groupLabels": {}, "alerts": alerts}


def scenario_payloads(name, count, run):
    """(payloads, expected new tickets, expected repeats) of a scenario."""
    if name == "distinct":
        return [webhook([alert(f"{run}-{i}")]) for i in range(count)], count, 0
    if name == "repeats":
        distinct = max(count // 10, 1)
        order = [i % distinct for i in range(count)]
        random.Random(42).shuffle(order)
        return [webhook([alert(f"{run}-{i}")]) for i in order], distinct, count - distinct
    if name == "grouped":
        size = 10
        return [webhook([alert(f"{run}-{g}-{i}") for i in range(size)]) for g in range(count // size)], count, 0
    sys.exit(f"unknown scenario {name}")


def run_scenario(args, source_id, token, name, log_path):
    run = f"{name}-{int(time.time())}"
    payloads, expected_tickets, expected_repeats = scenario_payloads(name, args.alerts, run)
    url = f"http://127.0.0.1:{args.port}/helpdesk/alert/{source_id}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps(p) for p in payloads]
    retries_before = log_path.read_text().count("tries left")
    local = threading.local()

    def post(body):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        session = local.session
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=300)
        return response.status_code, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as executor:
        results = list(executor.map(post, bodies))
    elapsed = time.perf_counter() - started

    statuses = {status for status, _latency in results}
    latencies = sorted(latency for _status, latency in results)
    alerts_sent = sum(len(p["alerts"]) for p in payloads)
    tickets = int(psql(args.db, f"SELECT count(*) FROM helpdesk_ticket WHERE alert_fingerprint LIKE '{run}-%'"))
    distinct = int(
        psql(
            args.db,
            f"SELECT count(DISTINCT alert_fingerprint) FROM helpdesk_ticket WHERE alert_fingerprint LIKE '{run}-%'",
        )
    )
    repeats = int(
        psql(
            args.db,
            f"SELECT COALESCE(sum(alert_repeat_count), 0) FROM helpdesk_ticket WHERE alert_fingerprint LIKE '{run}-%'",
        )
    )
    retries = log_path.read_text().count("tries left") - retries_before
    ok = statuses == {200} and tickets == expected_tickets == distinct and repeats == expected_repeats
    p50, p95 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(
        f"{name:9} {alerts_sent:5d} alerts in {len(payloads):5d} requests, {args.concurrency} clients, "
        f"{f'{args.workers} workers' if args.workers else 'threaded server'}: "
        f"{elapsed:6.1f} s, {alerts_sent / elapsed:6.1f} alerts/s | latency p50 {p50:5.0f} ms, "
        f"p95 {p95:5.0f} ms, max {latencies[-1] * 1000:5.0f} ms | "
        f"tickets {tickets}/{expected_tickets}, repeats counted {repeats}/{expected_repeats}, retries {retries}, "
        f"HTTP {sorted(statuses)} -> {'OK' if ok else 'WRONG'}",
        flush=True,
    )
    return ok


def main():
    args = parse_args()
    src = odoo_src()
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"bench_alert_endpoint_{args.db}.log"
    drop_database(args.db)
    server = None
    try:
        create_database(src, args)
        source_id, token = create_source(src, args.db)
        server, log = start_server(src, args, log_path)
        print(f"server on port {args.port} (log: {log_path.relative_to(REPO)}); source {source_id}", flush=True)
        # Warm-up: routing map, registry caches.
        requests.post(
            f"http://127.0.0.1:{args.port}/helpdesk/alert/{source_id}",
            json=webhook([alert("warm-up")]),
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        results = [run_scenario(args, source_id, token, name, log_path) for name in args.scenarios.split(",")]
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
        if not args.keep:
            drop_database(args.db)
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
