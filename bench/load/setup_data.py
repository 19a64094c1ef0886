"""Fixtures of the load test, run by `odoo-bin shell` on the production database (the
demo database of `make run-production`); prints them as JSON on the last line.

A 24/7 calendar and a 3-minute resolution policy on the Service Desk team, with a breach
escalation rule: the tickets agents work on during the run breach within minutes, so the
SLA watcher escalates them while agents are editing them (the deadlock the timers' ticket
locks prevent). An API key for an agent (JSON-2 clients), an alert source and its token.
"""

import json
import sys
import uuid
from datetime import datetime, timedelta

run = uuid.uuid4().hex[:8]
env = env  # noqa: F821, PLW0127 - provided by odoo-bin shell
team = env.ref("helpdesk_itil.team_service_desk_demo")
calendar = env["resource.calendar"].create(
    {
        "name": f"Load 24/7 {run}",
        "tz": "UTC",
        "attendance_ids": [
            (0, 0, {"name": f"{day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24, "day_period": "morning"})
            for day in range(7)
        ],
    }
)
# A previous run's promise would compete with this one (same teams, same sequence): archived.
env["helpdesk.sla.policy"].search([("name", "=like", "Load 3 min %")]).write({"active": False})
policy = env["helpdesk.sla.policy"].create(
    {
        "name": f"Load 3 min {run}",
        "metric": "resolution",
        "target_hours": 0.05,
        "calendar_id": calendar.id,
        "team_ids": [(6, 0, team.ids)],
        "sequence": -1000,
    }
)
env["helpdesk.escalation.rule"].search([("name", "=like", "Load breach %")]).write({"active": False})
rule = env["helpdesk.escalation.rule"].create(
    {"name": f"Load breach {run}", "trigger": "sla_breach", "level": 1, "team_id": team.id, "raise_priority": True}
)
tom = env["res.users"].search([("login", "=", "tom")])
key = env["res.users.apikeys"].with_user(tom)._generate("rpc", f"load {run}", datetime.now() + timedelta(days=1))
source = env["helpdesk.alert.source"].create({"name": f"Load monitoring {run}", "team_id": team.id})
token = source._generate_token()
portal = env["res.users"].search([("login", "=", "portal")])
tickets = env["helpdesk.ticket"].create(
    [
        {"name": f"Load {run} agent ticket {i}", "team_id": team.id, "partner_id": portal.partner_id.id}
        for i in range(40)
    ]
)
in_progress = env["helpdesk.stage"].search([("state", "=", "in_progress")], limit=1)
pending = env["helpdesk.stage"].search([("state", "=", "pending")], limit=1)
env.cr.commit()
print(
    json.dumps(
        {
            "run": run,
            "api_key": key,
            "source_id": source.id,
            "token": token,
            "tickets": tickets.ids,
            "stages": [in_progress.id, pending.id],
            "policy": policy.id,
            "rule": rule.id,
        }
    ),
    file=sys.stdout,
)
