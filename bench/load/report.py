"""Figures and checks of the load test: `report.py OUT_DIR DB STEP [STEP ...]`.

Reads Locust's CSV per step and what the users recorded as written, queries the primary
(PGHOST/PGPORT) for what the database holds, and writes OUT_DIR/results.md.
"""

import csv
import json
import os
import sys
from pathlib import Path

import psycopg2


def main(out, db, steps):
    out = Path(out)
    fixtures = json.loads((out / "fixtures.json").read_text())
    run = fixtures["run"]
    cpus = os.cpu_count() or 1
    lines = [f"# Load test of the production profile (run {run})", ""]
    lines += [
        f"{cpus} CPUs shared by Odoo (5 HTTP workers, cron, bus), PostgreSQL (primary and replica),"
        " nginx and Locust. Each step runs its users for the same duration; times in ms.",
        "",
        "| users | requests/s | failures | P50 | P95 | Locust CPU share |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    per_operation = {}
    first_p50 = knee = None
    for users in steps:
        rows = list(csv.DictReader((out / f"step_{users}_stats.csv").open()))
        total = next(row for row in rows if row["Name"] == "Aggregated")
        user_s, sys_s, wall = (float(x) for x in (out / f"cpu_{users}.txt").read_text().split()[-3:])
        share = (user_s + sys_s) / wall / cpus if wall else 0
        p50 = float(total["50%"])
        first_p50 = first_p50 or p50
        if knee is None and p50 >= 2 * first_p50:
            knee = users
        lines.append(
            f"| {users} | {float(total['Requests/s']):.1f} | {total['Failure Count']} | {total['50%']} "
            f"| {total['95%']} | {share:.0%} |"
        )
        for row in rows:
            if row["Name"] != "Aggregated":
                per_operation.setdefault(row["Name"], {})[users] = row
    lines += ["", f"P50 doubles at: {f'{knee} users' if knee else 'not reached in these steps'}.", ""]
    lines += ["| operation | " + " | ".join(f"{u} users P50 / P95" for u in steps) + " |"]
    lines += ["| --- |" + " ---: |" * len(steps)]
    for name in sorted(per_operation):
        cells = [f"{row['50%']} / {row['95%']}" if (row := per_operation[name].get(users)) else "–" for users in steps]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    written = {"api_tickets": [], "agent_replies": [], "portal_replies": [], "alerts": [], "stage_moves": 0}
    for users in steps:
        path = out / f"written_{users}.json"
        if path.exists():
            for key, value in json.loads(path.read_text()).items():
                written[key] += value
    cr = psycopg2.connect(dbname=db).cursor()
    checks = []

    cr.execute(
        "SELECT name, count(*) FROM helpdesk_ticket WHERE name LIKE %s GROUP BY name", [f"Load {run} API ticket %"]
    )
    in_db = dict(cr.fetchall())
    lost = [name for name in written["api_tickets"] if name not in in_db]
    doubled = [name for name, count in in_db.items() if count > 1]
    checks.append(("API tickets", len(written["api_tickets"]), len(in_db), len(lost), len(doubled)))

    for kind in ("agent_replies", "portal_replies"):
        cr.execute(
            "SELECT body, count(*) FROM mail_message WHERE model = 'helpdesk.ticket' AND body LIKE %s GROUP BY body",
            [f"%{run} {kind.split('_')[0]} reply %"],
        )
        bodies = {body: count for body, count in cr.fetchall()}
        # The marker is the whole text of its paragraph: "reply 1" must not match "reply 12".
        found = {
            marker: sum(count for body, count in bodies.items() if f"{marker}<" in body) for marker in written[kind]
        }
        checks.append(
            (
                kind.replace("_", " "),
                len(written[kind]),
                sum(bodies.values()),
                sum(1 for count in found.values() if count == 0),
                sum(1 for count in found.values() if count > 1),
            )
        )

    cr.execute(
        "SELECT alert_fingerprint, count(*) FROM helpdesk_ticket WHERE alert_source_id = %s GROUP BY 1",
        [fixtures["source_id"]],
    )
    alert_tickets = dict(cr.fetchall())
    posted = set(written["alerts"])
    checks.append(
        (
            "alert tickets (one per fingerprint)",
            len(posted),
            len(alert_tickets),
            len(posted - set(alert_tickets)),
            sum(1 for count in alert_tickets.values() if count > 1),
        )
    )

    cr.execute(
        """SELECT count(*) FROM (SELECT 1 FROM helpdesk_escalation_log WHERE rule_id IS NOT NULL
            GROUP BY ticket_id, rule_id, level_to HAVING count(*) > 1) twice"""
    )
    double_escalations = cr.fetchone()[0]
    # Every escalation of the run's tickets (the demo's own breach rules may take a level
    # before the fixture's rule does).
    cr.execute("SELECT count(*) FROM helpdesk_escalation_log WHERE ticket_id = ANY(%s)", [fixtures["tickets"]])
    escalations = cr.fetchone()[0]
    log = (out / "odoo_during_load.log").read_text(errors="replace")
    deadlocks = log.count("deadlock detected")
    left = log.count("left for the next run")

    lines += [
        "",
        "## Checks",
        "",
        "| what | written (acknowledged) | in the database | lost | duplicated |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {what} | {a} | {b} | {lost_} | {dup} |" for what, a, b, lost_, dup in checks]
    lines += [
        "",
        f"- stage moves by agents: {written['stage_moves']}",
        f"- escalations by the SLA watcher on the agents' tickets while they were edited: {escalations}",
        f"- the same rule and level logged twice on a ticket: {double_escalations}",
        f"- `deadlock detected` in Odoo's log during the run: {deadlocks}"
        f"; timer batches left for the next run (serialization failure or deadlock): {left}",
    ]
    ok = all(lost_ == 0 and dup == 0 for _w, _a, _b, lost_, dup in checks) and double_escalations == 0
    lines += ["", f"**{'0 lost, 0 duplicated, 0 double escalations' if ok else 'CHECKS FAILED'}**", ""]
    (out / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], [int(step) for step in sys.argv[3:]]))
