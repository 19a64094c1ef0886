"""Two real worker processes run the SLA watcher at once, on committed data.

Each process is a fresh Python interpreter that loads the registry of the test database,
waits for the same start signal (a PostgreSQL advisory lock the test holds) and runs
``helpdesk.ticket._timer_sla_watch``, committing batch after batch as the scheduled action
does. What used to happen with workers locking SLA lines: they deadlocked on the ticket
rows that their escalations write, and one run aborted.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import odoo
from odoo.tests import tagged
from odoo.tools import config

from .common import CommittedDataCase

# Any number both processes agree on; the test holds it until both are ready.
START_LOCK = 716_001
WORKER = """
import json, sys, time
import odoo
from odoo.tools import config
config.parse_config(["-c", sys.argv[1], "-d", sys.argv[2], "--log-level=warn"])
from odoo.modules.registry import Registry
registry = Registry(sys.argv[2])
with registry.cursor() as cr:
    print(json.dumps({"ready": True}), flush=True)
    cr.execute("SELECT pg_advisory_lock(%s)", [int(sys.argv[3])])
    cr.execute("SELECT pg_advisory_unlock(%s)", [int(sys.argv[3])])
    cr.commit()
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    start = time.monotonic()
    done = env["helpdesk.ticket"]._timer_sla_watch(batch_size=int(sys.argv[4]))
    cr.commit()
    print(json.dumps({"done": done, "seconds": round(time.monotonic() - start, 2)}), flush=True)
"""


@tagged("post_install", "-at_install")
class TestTimerWorkerProcesses(CommittedDataCase):
    TICKETS = 60
    BATCH = 6

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Two workers desk", "closure_confirmation": False})
            policies = env["helpdesk.sla.policy"].create(
                [
                    {
                        "name": f"{kind} {metric}",
                        "kind": kind,
                        "metric": metric,
                        "target_hours": hours,
                        "team_ids": team.ids,
                        "sequence": -10,
                    }
                    for kind in ("sla", "ola")
                    for metric, hours in (("first_response", 1), ("resolution", 2))
                ]
            )
            rules = env["helpdesk.escalation.rule"].create(
                [
                    {"name": "Half used", "trigger": "sla_share", "share_percent": 50, "level": 1, "team_id": team.id},
                    {
                        "name": "Breached",
                        "trigger": "sla_breach",
                        "level": 2,
                        "team_id": team.id,
                        "raise_priority": True,
                    },
                ]
            )
            tickets = env["helpdesk.ticket"].create(
                [{"name": f"Breached {i}", "team_id": team.id} for i in range(self.TICKETS)]
            )
            # Four running lines each, started ten days ago: every line breached, both rules due.
            env.flush_all()
            env.cr.execute(
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
            return {"team": team, "policies": policies, "rules": rules, "tickets": tickets}

        self.commit_records(create)
        with self.worker() as env:
            self.ticket_ids = env["helpdesk.ticket"].search([("team_id", "=", self.ids["team"])]).ids
            self.assertEqual(
                env["helpdesk.ticket.sla"].search_count([("ticket_id", "in", self.ticket_ids)]), 4 * self.TICKETS
            )

    def start_worker(self):
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join([str(Path(odoo.__path__[0]).parent), os.environ.get("PYTHONPATH", "")]),
        )
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, config["config"], self.env.cr.dbname, str(START_LOCK), str(self.BATCH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def test_two_watcher_processes_at_once(self):
        with self.worker() as env:
            env.cr.execute("SELECT pg_advisory_lock(%s)", [START_LOCK])
            workers = [self.start_worker(), self.start_worker()]
            for worker in workers:
                line = worker.stdout.readline()
                self.assertIn('"ready"', line, worker.stderr.read() if not line else line)
            env.cr.execute("SELECT pg_advisory_unlock(%s)", [START_LOCK])  # both start now
            results = []
            for worker in workers:
                out, err = worker.communicate(timeout=300)
                self.assertEqual(worker.returncode, 0, err)
                self.assertNotIn("deadlock detected", err)
                results.append(json.loads(out.strip().splitlines()[-1]))
        self.assertEqual([result["done"] for result in results], [True, True], "no run was cut short")
        # A batch a worker left for the next run (serialization failure) is picked up by it.
        with self.worker() as env:
            self.assertTrue(env["helpdesk.ticket"]._timer_sla_watch())
        with self.worker() as env:
            tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
            logs = env["helpdesk.escalation.log"].search([("ticket_id", "in", tickets.ids)])
            self.assertEqual(len(logs), 2 * self.TICKETS, "each rule once per ticket")
            self.assertEqual(set(tickets.mapped("escalation_level")), {2})
            self.assertEqual(set(tickets.mapped("priority")), {"2"}, "raised once, from P3")
            notes = env["mail.message"].search_count(
                [
                    ("model", "=", "helpdesk.ticket"),
                    ("res_id", "in", tickets.ids),
                    ("body", "ilike", "Escalated to level"),
                ]
            )
            self.assertEqual(notes, 2 * self.TICKETS)
            self.assertEqual(set(tickets.sla_ids.mapped("status")), {"failed"})
            self.assertFalse(tickets.sla_ids.filtered("next_check_date"), "nothing left to check")
