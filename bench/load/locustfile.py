"""A realistic mix of the helpdesk's users against the production profile (bench/load/run.sh).

Agents (kanban and list reads, form opens, public replies, stage moves), portal customers
(list, ticket page, reply), API clients creating tickets over JSON-2, and monitoring bursts
on the alert endpoint. Every write that succeeds is recorded (LOAD_RESULTS) so that
bench/load/report.py can check afterwards that nothing was lost or duplicated.
"""

import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, events, task

FIXTURES = json.loads(os.environ["LOAD_FIXTURES"])
RUN = FIXTURES["run"]
RESULTS_FILE = os.environ["LOAD_RESULTS"]
_lock = threading.Lock()
# Each step is a Locust process of its own: the counter restarts, the pid in names keeps them unique.
_counter = itertools.count(1)
_written = {"api_tickets": [], "agent_replies": [], "portal_replies": [], "alerts": [], "stage_moves": 0}


def record(kind, value=None):
    with _lock:
        if value is None:
            _written[kind] += 1
        else:
            _written[kind].append(value)


@events.test_stop.add_listener
def save_results(environment, **_kwargs):
    with _lock, open(RESULTS_FILE, "w") as f:
        json.dump(_written, f)


class OdooSession(HttpUser):
    abstract = True
    login = password = None

    def on_start(self):
        self.jsonrpc(
            "/web/session/authenticate",
            {"db": FIXTURES["db"], "login": self.login, "password": self.password},
            name="login",
        )

    def jsonrpc(self, url, params, name):
        """POST a JSON-RPC call; an Odoo error (HTTP 200 with "error") counts as a failure."""
        with self.client.post(
            url, json={"jsonrpc": "2.0", "params": params}, name=name, catch_response=True
        ) as response:
            data = response.json() if response.ok else {}
            if "error" in data:
                response.failure(data["error"]["data"]["message"])
                return None
            return data.get("result")

    def rpc(self, model, method, args=(), name=None, **kwargs):
        return self.jsonrpc(
            f"/web/dataset/call_kw/{model}.{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            name=name or f"{model}.{method}",
        )


class Agent(OdooSession):
    """Tom, a first-line agent, on the demo's Service Desk."""

    weight = 5
    wait_time = between(1, 3)
    login = password = "tom"

    @task(4)
    def kanban(self):
        self.rpc(
            "helpdesk.ticket",
            "web_read_group",
            name="agent: kanban (group by stage)",
            domain=[["state", "in", ["new", "in_progress", "pending"]]],
            groupby=["stage_id"],
            aggregates=["__count"],
        )
        self.rpc(
            "helpdesk.ticket",
            "web_search_read",
            name="agent: kanban cards",
            domain=[["state", "in", ["new", "in_progress", "pending"]]],
            specification={"reference": {}, "name": {}, "priority": {}, "sla_deadline": {}, "user_id": {"fields": {}}},
            limit=80,
        )

    @task(2)
    def list_view(self):
        self.rpc(
            "helpdesk.ticket",
            "web_search_read",
            name="agent: list",
            domain=[],
            specification={"reference": {}, "name": {}, "partner_id": {"fields": {}}, "stage_id": {"fields": {}}},
            limit=80,
            order="priority, id desc",
        )

    @task(3)
    def open_form(self):
        self.rpc(
            "helpdesk.ticket",
            "web_read",
            [[random.choice(FIXTURES["tickets"])]],
            name="agent: open form",
            specification={"reference": {}, "name": {}, "description": {}, "sla_ids": {"fields": {"status": {}}}},
        )

    @task(2)
    def reply(self):
        ticket = random.choice(FIXTURES["tickets"])
        marker = f"{RUN} agent reply {os.getpid()}-{next(_counter)}"
        result = self.rpc(
            "helpdesk.ticket",
            "message_post",
            [[ticket]],
            name="agent: public reply",
            body=marker,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        if result:
            record("agent_replies", marker)

    @task(2)
    def move(self):
        ticket = random.choice(FIXTURES["tickets"])
        result = self.rpc(
            "helpdesk.ticket",
            "write",
            [[ticket], {"stage_id": random.choice(FIXTURES["stages"])}],
            name="agent: stage move",
        )
        if result:
            record("stage_moves")


class PortalCustomer(OdooSession):
    """Joel Willis, the demo's portal customer."""

    weight = 3
    wait_time = between(2, 5)
    login = password = "portal"

    @task(3)
    def ticket_list(self):
        self.client.get("/my/tickets", name="portal: ticket list")

    @task(3)
    def ticket_page(self):
        self.client.get(f"/my/tickets/{random.choice(FIXTURES['tickets'])}", name="portal: ticket page")

    @task(1)
    def reply(self):
        ticket = random.choice(FIXTURES["tickets"])
        marker = f"{RUN} portal reply {os.getpid()}-{next(_counter)}"
        result = self.jsonrpc(
            "/mail/message/post",
            {
                "thread_model": "helpdesk.ticket",
                "thread_id": ticket,
                "post_data": {"body": marker, "message_type": "comment", "subtype_xmlid": "mail.mt_comment"},
            },
            name="portal: reply",
        )
        if result:
            record("portal_replies", marker)


class ApiClient(HttpUser):
    """An external system creating tickets over JSON-2 with an API key."""

    weight = 1
    wait_time = between(1, 2)

    @task
    def create_ticket(self):
        name = f"Load {RUN} API ticket {os.getpid()}-{next(_counter)}"
        response = self.client.post(
            "/json/2/helpdesk.ticket/create",
            json={"vals_list": [{"name": name, "description": "<p>from the load test</p>", "channel": "api"}]},
            headers={"Authorization": f"Bearer {FIXTURES['api_key']}", "X-Odoo-Database": FIXTURES["db"]},
            name="api: create ticket",
        )
        if response.status_code == 200:
            record("api_tickets", name)


class Monitoring(HttpUser):
    """Alertmanager: groups of alerts re-sent every few seconds (repeats of the same alerts)."""

    weight = 1
    wait_time = between(1, 2)

    @task
    def burst(self):
        fingerprints = [f"{RUN}-{random.randrange(20)}" for _i in range(5)]
        payload = {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "fingerprint": fingerprint,
                    "labels": {"alertname": "LoadTest", "instance": fingerprint, "severity": "warning"},
                    "annotations": {"summary": f"Load test alert {fingerprint}"},
                }
                for fingerprint in fingerprints
            ],
        }
        response = self.client.post(
            f"/helpdesk/alert/{FIXTURES['source_id']}",
            json=payload,
            headers={"Authorization": f"Bearer {FIXTURES['token']}", "X-Odoo-Database": FIXTURES["db"]},
            name="monitoring: alert group",
        )
        if response.status_code == 200:
            for fingerprint in fingerprints:
                record("alerts", fingerprint)
