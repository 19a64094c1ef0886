import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import Form, HttpCase, get_db_name, tagged
from odoo.tools import html2plaintext

from .alert_common import GRAFANA_LEGACY, GRAFANA_UNIFIED, HelpdeskAlertHttpCommon, am_alert, am_payload
from .common import CommittedData, HelpdeskCommon

# The alert recovery timer alone (helpdesk.ticket._cron_lifecycle runs it with the others).
CLOSE_RECOVERED = "model._timer_close_recovered_alerts()"


@tagged("post_install", "-at_install")
class TestAlertEndpoint(HelpdeskAlertHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grafana = cls.Source.create({"name": "Grafana", "payload_format": "grafana", "team_id": cls.team_a.id})
        cls.grafana_token = cls.grafana._generate_token()
        cls.generic = cls.Source.create(
            {"name": "Home-made checks", "payload_format": "generic", "team_id": cls.team_a.id}
        )
        cls.generic_token = cls.generic._generate_token()

    # ------------------------------------------------------------------
    # Alertmanager
    # ------------------------------------------------------------------

    def test_alertmanager_firing_opens_a_ticket(self):
        response = self.post_alert(am_payload(am_alert("fp-cpu")))
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.alert_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(
            response.json(),
            {
                "ok": True,
                "source": "Prometheus production",
                "received": 1,
                "created": 1,
                "results": [
                    {"fingerprint": "fp-cpu", "status": "firing", "action": "created", "ticket": ticket.reference}
                ],
            },
        )
        self.assertEqual(ticket.name, "CPU above 90% on web-1")
        self.assertEqual(ticket.channel, "alert")
        self.assertEqual(ticket.alert_fingerprint, "fp-cpu")
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.category_id, self.category_alert)
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertEqual(ticket.type_id, self.type_incident)
        self.assertEqual((ticket.impact, ticket.urgency, ticket.priority), ("high", "high", "1"))
        self.assertEqual(ticket.state, "new")
        description = html2plaintext(ticket.description)
        for text in ("CPU usage has been above 90% for 10 minutes.", "web-1", "fp-cpu", "runbooks.example.com/cpu"):
            self.assertIn(text, description)
        self.assertIn('href="http://prometheus.example.com:9090/graph?g0.expr=cpu"', ticket.description)

    def test_repeats_are_counted_and_noted_only_when_the_alert_changes(self):
        """Was "a note per repeat": Alertmanager re-sends whole groups every few minutes, so a
        plain repeat now only counts (last seen, repeats); a note when labels, annotations or
        status change."""
        self.post_alert(am_payload(am_alert("fp-cpu")))
        ticket = self.alert_tickets()
        self.assertEqual(ticket.alert_repeat_count, 0)
        self.assertTrue(ticket.alert_last_seen)
        ticket.alert_last_seen = first_seen = datetime(2026, 11, 25, 10, 0)
        messages = len(ticket.message_ids)
        for _i in range(3):
            response = self.post_alert(am_payload(am_alert("fp-cpu")))
            self.assertEqual(response.json()["results"][0]["action"], "updated")
        self.env.invalidate_all()
        self.assertEqual(self.alert_tickets(), ticket)
        self.assertEqual(len(ticket.message_ids), messages, "plain repeats post nothing")
        self.assertEqual(ticket.alert_repeat_count, 3)
        self.assertGreater(ticket.alert_last_seen, first_seen)
        # New timestamps or a new value are still a plain repeat; a changed label is not.
        repeat = am_alert("fp-cpu")
        repeat["startsAt"] = "2026-11-25T10:20:00Z"
        self.post_alert(am_payload(repeat))
        self.env.invalidate_all()
        self.assertEqual(len(ticket.message_ids), messages)
        self.post_alert(am_payload(am_alert("fp-cpu", instance="web-2")))
        self.post_alert(am_payload(am_alert("fp-cpu", instance="web-2")))
        self.env.invalidate_all()
        self.assertEqual(len(ticket.message_ids), messages + 1, "one note per change")
        self.assertIn("still firing, and it changed", ticket.message_ids[0].body)
        self.assertIn("web-2", ticket.message_ids[0].body)
        self.assertEqual(ticket.alert_repeat_count, 6)
        # The same fingerprint on another source is another alert.
        other = self.Source.create({"name": "Prometheus staging", "team_id": self.team_b.id})
        self.post_alert(am_payload(am_alert("fp-cpu")), source=other, token=other._generate_token())
        self.assertEqual(len(self.alert_tickets(other)), 1)

    def test_resolved_notification_resolves_with_monitoring_recovered(self):
        self.post_alert(am_payload(am_alert("fp-cpu")))
        ticket = self.alert_tickets()
        ticket.stage_id = self.stage_progress
        triggers_before = self.env["ir.cron.trigger"].search_count([])
        response = self.post_alert(am_payload(am_alert("fp-cpu", status="resolved")))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["results"][0]["action"], "resolved")
        self.env.invalidate_all()
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(ticket.stage_id, self.stage_resolved)
        self.assertEqual(ticket.closure_code_id, self.code_recovered)
        self.assertTrue(ticket.resolved_date)
        self.assertIn("reported the alert as resolved at 2026-11-25T10:30:00Z", html2plaintext(ticket.resolution_note))
        # The lifecycle cron is scheduled for the end of the quiet period.
        trigger = self.env["ir.cron.trigger"].search([], order="id desc", limit=1)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([]), triggers_before + 1)
        self.assertEqual(trigger.cron_id, self.env.ref("helpdesk_itil.ir_cron_helpdesk_sla_watch"))
        self.assertAlmostEqual(
            trigger.call_at, ticket.resolved_date + timedelta(minutes=30), delta=timedelta(minutes=1)
        )
        # A second resolved notification, or one for an unknown alert, changes nothing.
        response = self.post_alert(am_payload(am_alert("fp-cpu", status="resolved"), am_alert("fp-other", "resolved")))
        self.assertEqual([r["action"] for r in response.json()["results"]], ["ignored", "ignored"])
        self.assertEqual(self.alert_tickets(), ticket)

    def test_refiring_a_resolved_ticket_reopens_it(self):
        self.post_alert(am_payload(am_alert("fp-cpu")))
        self.post_alert(am_payload(am_alert("fp-cpu", status="resolved")))
        ticket = self.alert_tickets()
        response = self.post_alert(am_payload(am_alert("fp-cpu")))
        self.assertEqual(
            response.json()["results"][0],
            {
                "fingerprint": "fp-cpu",
                "status": "firing",
                "action": "reopened",
                "ticket": ticket.reference,
            },
        )
        self.env.invalidate_all()
        self.assertEqual(self.alert_tickets(), ticket)
        self.assertEqual(ticket.state, "in_progress")
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(ticket.resolved_date)
        # Resolved again, it is closed only after a full quiet period from the new recovery.
        self.post_alert(am_payload(am_alert("fp-cpu", status="resolved")))
        self.env.invalidate_all()
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(ticket.reopen_count, 1)

    def test_quiet_period_closes_recovered_tickets(self):
        self.post_alert(am_payload(am_alert("fp-cpu"), am_alert("fp-disk"), am_alert("fp-mem")))
        self.post_alert(am_payload(am_alert("fp-cpu", status="resolved"), am_alert("fp-disk", status="resolved")))
        tickets = self.alert_tickets()
        cpu, disk, mem = (
            tickets.filtered(lambda t, fp=fp: t.alert_fingerprint == fp) for fp in ("fp-cpu", "fp-disk", "fp-mem")
        )
        # An agent resolves the disk alert by hand with another code: not closed by the timer.
        disk.write({"closure_code_id": self.code_solved.id})
        resolved_at = cpu.resolved_date
        self.run_cron(CLOSE_RECOVERED, resolved_at + timedelta(minutes=29))
        self.assertEqual(cpu.state, "resolved")
        closing_time = resolved_at + timedelta(minutes=31)
        self.run_cron(CLOSE_RECOVERED, closing_time)
        self.assertEqual(cpu.state, "closed")
        self.assertEqual(cpu.closed_date, closing_time.replace(microsecond=0))
        self.assertEqual((disk.state, mem.state), ("resolved", "new"))
        # A closed alert ticket stays closed: the next firing opens a new ticket.
        response = self.post_alert(am_payload(am_alert("fp-cpu")))
        self.assertEqual(response.json()["results"][0]["action"], "created")
        new_ticket = self.alert_tickets().filtered(lambda t: t.alert_fingerprint == "fp-cpu") - cpu
        self.assertEqual(len(new_ticket), 1)
        self.assertEqual(cpu.state, "closed")

    def test_quiet_period_is_per_source(self):
        quick = self.Source.create({"name": "Quick", "team_id": self.team_a.id, "quiet_period_minutes": 0})
        quick_token = quick._generate_token()
        self.post_alert(am_payload(am_alert("fp-1")))
        self.post_alert(am_payload(am_alert("fp-1", status="resolved")))
        self.post_alert(am_payload(am_alert("fp-1")), source=quick, token=quick_token)
        self.post_alert(am_payload(am_alert("fp-1", status="resolved")), source=quick, token=quick_token)
        slow_ticket, quick_ticket = self.alert_tickets(), self.alert_tickets(quick)
        self.run_cron(CLOSE_RECOVERED, quick_ticket.resolved_date + timedelta(minutes=1))
        self.assertEqual(quick_ticket.stage_id, self.stage_closed)
        self.assertEqual(slow_ticket.state, "resolved")

    def test_one_payload_many_alerts(self):
        payload = am_payload(
            am_alert("fp-a"),
            am_alert("fp-b", severity="warning"),
            am_alert("fp-a"),
            am_alert("fp-c", status="resolved"),
            am_alert("fp-d", severity="info"),
        )
        response = self.post_alert(payload)
        body = response.json()
        self.assertEqual((body["received"], body["created"]), (5, 3))
        self.assertEqual(
            [r["action"] for r in body["results"]], ["created", "created", "updated", "ignored", "created"]
        )
        tickets = self.alert_tickets()
        self.assertEqual(sorted(tickets.mapped("alert_fingerprint")), ["fp-a", "fp-b", "fp-d"])
        by_fp = {t.alert_fingerprint: t for t in tickets}
        self.assertEqual(
            (by_fp["fp-b"].impact, by_fp["fp-b"].urgency, by_fp["fp-b"].priority), ("medium", "medium", "3")
        )
        self.assertEqual((by_fp["fp-d"].impact, by_fp["fp-d"].urgency, by_fp["fp-d"].priority), ("low", "low", "4"))

    def test_severity_mapping_is_configurable(self):
        self.source.write(
            {
                "default_impact": "low",
                "default_urgency": "high",
                "severity_ids": [(0, 0, {"name": " PAGE ", "impact": "high", "urgency": "medium"})],
            }
        )
        self.post_alert(am_payload(am_alert("fp-page", severity="Page"), am_alert("fp-odd", severity="whatever")))
        by_fp = {t.alert_fingerprint: t for t in self.alert_tickets()}
        self.assertEqual(
            (by_fp["fp-page"].impact, by_fp["fp-page"].urgency, by_fp["fp-page"].priority), ("high", "medium", "2")
        )
        self.assertEqual((by_fp["fp-odd"].impact, by_fp["fp-odd"].urgency), ("low", "high"))

    def test_alert_without_fingerprint_is_identified_by_its_labels(self):
        alert = am_alert("")
        del alert["fingerprint"]
        self.post_alert(am_payload(alert))
        self.post_alert(am_payload(dict(alert)))
        ticket = self.alert_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(len(ticket.alert_fingerprint), 16)

    def test_x_helpdesk_token_header(self):
        path = f"/helpdesk/alert/{self.source.id}"
        response = self.post(path, am_payload(am_alert("fp-x")), headers={"X-Helpdesk-Token": self.token})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self.alert_tickets()), 1)

    def test_regenerated_token_replaces_the_old_one(self):
        action = self.source.action_generate_token()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.token.startswith("hdk_"))
        self.assertEqual(self.source.token_hint, wizard.token[:8] + "…")
        response = self.post_alert(am_payload(am_alert("fp-old")))
        self.assertEqual(response.status_code, 403)
        response = self.post_alert(am_payload(am_alert("fp-new")), token=wizard.token)
        self.assertEqual(response.status_code, 200, response.text)

    # ------------------------------------------------------------------
    # Grafana and generic
    # ------------------------------------------------------------------

    def test_grafana_unified_alerting(self):
        response = self.post_alert(GRAFANA_UNIFIED, source=self.grafana, token=self.grafana_token)
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.alert_tickets(self.grafana)
        self.assertEqual(ticket.name, "This alert was triggered for zone us-1")
        self.assertEqual(ticket.alert_fingerprint, "c6eadffa33fcdf37")
        self.assertEqual((ticket.impact, ticket.urgency), ("medium", "medium"))
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertIn("value=44.23943737541908", html2plaintext(ticket.description))
        resolved = json.loads(json.dumps(GRAFANA_UNIFIED))
        resolved["status"] = resolved["alerts"][0]["status"] = "resolved"
        response = self.post_alert(resolved, source=self.grafana, token=self.grafana_token)
        self.assertEqual(response.json()["results"][0]["action"], "resolved")
        self.assertEqual(ticket.state, "resolved")

    def test_grafana_legacy_alerting(self):
        response = self.post_alert(GRAFANA_LEGACY, source=self.grafana, token=self.grafana_token)
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.alert_tickets(self.grafana)
        self.assertEqual(ticket.name, "Disk full")
        self.assertEqual(ticket.alert_fingerprint, "grafana-rule-7")
        self.assertEqual(ticket.priority, "1")
        self.assertIn("Disk usage above 95%", html2plaintext(ticket.description))
        pending = dict(GRAFANA_LEGACY, state="pending")
        response = self.post_alert(pending, source=self.grafana, token=self.grafana_token)
        self.assertEqual(response.json()["results"], [])
        response = self.post_alert(dict(GRAFANA_LEGACY, state="ok"), source=self.grafana, token=self.grafana_token)
        self.assertEqual(response.json()["results"][0]["action"], "resolved")
        self.assertEqual(ticket.state, "resolved")

    def test_generic_format(self):
        alert = {
            "fingerprint": "backup-nightly",
            "status": "firing",
            "summary": "Nightly backup failed",
            "description": "rsync exited with code 23",
            "severity": "warning",
            "labels": {"host": "nas-1"},
        }
        response = self.post_alert(alert, source=self.generic, token=self.generic_token)
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.alert_tickets(self.generic)
        self.assertEqual(
            (ticket.name, ticket.alert_fingerprint, ticket.priority), ("Nightly backup failed", "backup-nightly", "3")
        )
        self.assertIn("rsync exited with code 23", html2plaintext(ticket.description))
        # A list of alerts in the same shape is accepted too.
        response = self.post_alert(
            {
                "alerts": [
                    dict(alert, status="resolved"),
                    {"fingerprint": "disk", "status": "firing", "summary": "Disk"},
                ]
            },
            source=self.generic,
            token=self.generic_token,
        )
        self.assertEqual([r["action"] for r in response.json()["results"]], ["resolved", "created"])
        self.assertEqual(ticket.state, "resolved")

    # ------------------------------------------------------------------
    # Bad input: refused, nothing changed, rejection logged
    # ------------------------------------------------------------------

    def test_missing_token_is_401(self):
        before = self.snapshot()
        response = self.post(f"/helpdesk/alert/{self.source.id}", am_payload(am_alert("fp-1")))
        self.assertRejected(response, 401, "Missing token", source=self.source, before=before)
        self.assertEqual(response.headers["WWW-Authenticate"], 'Bearer realm="helpdesk"')
        response = self.post(
            f"/helpdesk/alert/{self.source.id}", am_payload(am_alert("fp-1")), headers={"Authorization": "Basic abc"}
        )
        self.assertRejected(response, 401, "Missing token", source=self.source, before=before)

    def test_wrong_token_is_403(self):
        before = self.snapshot()
        for token in ("nope", self.grafana_token, self.token + "x"):
            response = self.post_alert(am_payload(am_alert("fp-1")), token=token)
            rejection = self.assertRejected(response, 403, "Invalid token", source=self.source, before=before)
        self.assertFalse(rejection.payload_excerpt, "the body of an unauthenticated request is not read")
        # A source without a token refuses everything.
        no_token = self.Source.create({"name": "Not configured yet"})
        response = self.post_alert(am_payload(am_alert("fp-1")), source=no_token, token="anything")
        self.assertRejected(response, 403, "Invalid token", source=no_token, before=before)

    def test_unknown_or_archived_source_is_404(self):
        before = self.snapshot()
        response = self.post("/helpdesk/alert/999999", am_payload(am_alert("fp-1")), token=self.token)
        self.assertRejected(response, 404, "Source 999999 does not exist", before=before)
        self.source.active = False
        response = self.post_alert(am_payload(am_alert("fp-1")))
        self.assertRejected(response, 404, "does not exist or is archived", before=before)

    def test_pipeline_source_on_alert_endpoint_is_404(self):
        pipeline = self.Source.create({"name": "CI", "kind": "pipeline"})
        before = self.snapshot()
        response = self.post_alert(am_payload(am_alert("fp-1")), source=pipeline, token=pipeline._generate_token())
        self.assertRejected(response, 404, f"post to /helpdesk/pipeline/{pipeline.id}", source=pipeline, before=before)

    def test_malformed_json_is_400(self):
        before = self.snapshot()
        response = self.post_alert(None, data='{"alerts": [{"status": "firing",')
        rejection = self.assertRejected(response, 400, "Malformed JSON", source=self.source, before=before)
        self.assertEqual(rejection.payload_excerpt, '{"alerts": [{"status": "firing",')
        self.assertEqual(rejection.path, f"/helpdesk/alert/{self.source.id}")
        response = self.post_alert(None, data=b"\xff\xfe\x00garbage")
        self.assertRejected(response, 400, "Malformed JSON", source=self.source, before=before)
        response = self.post_alert(None, data="   ")
        self.assertRejected(response, 400, "Empty body", source=self.source, before=before)
        response = self.post_alert(None, data="alerts=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertRejected(response, 400, "Content-Type: application/json", source=self.source, before=before)

    def test_unknown_format_is_400(self):
        before = self.snapshot()
        cases = [
            ([am_alert("fp-1")], "The payload must be a JSON object."),
            ({"foo": "bar"}, "Not an Alertmanager webhook payload"),
            (GRAFANA_LEGACY, "Not an Alertmanager webhook payload"),
            (am_payload(dict(am_alert("fp-1"), status="burning")), "alerts[0].status must be “firing” or “resolved”"),
            (
                am_payload({**am_alert("fp-1"), "fingerprint": "", "labels": {}}),
                "alerts[0] has neither a “fingerprint” nor “labels”",
            ),
            (dict(am_payload(am_alert("fp-1")), alerts=[am_alert("fp-1"), "oops"]), "alerts[1] must be a JSON object."),
            (am_payload(dict(am_alert("fp-1"), labels=["a"])), "alerts[0].labels must be a JSON object."),
            (am_payload(am_alert("x" * 300)), "alerts[0].fingerprint is longer than 255 characters."),
        ]
        for payload, message in cases:
            with self.subTest(message=message):
                response = self.post_alert(payload)
                self.assertRejected(response, 400, message, source=self.source, before=before)
        response = self.post_alert({"state": "exploded", "ruleId": 1}, source=self.grafana, token=self.grafana_token)
        self.assertRejected(response, 400, "“state” must be one of", source=self.grafana, before=before)
        response = self.post_alert({"title": "x"}, source=self.grafana, token=self.grafana_token)
        self.assertRejected(response, 400, "Not a Grafana alert webhook payload", source=self.grafana, before=before)
        response = self.post_alert({"fingerprint": "x", "status": "on"}, source=self.generic, token=self.generic_token)
        self.assertRejected(response, 400, "payload.status must be", source=self.generic, before=before)
        response = self.post_alert(
            {"status": "firing", "summary": "no id"}, source=self.generic, token=self.generic_token
        )
        self.assertRejected(
            response, 400, "payload has neither a “fingerprint” nor “labels”", source=self.generic, before=before
        )

    def test_one_bad_alert_refuses_the_whole_payload(self):
        self.post_alert(am_payload(am_alert("fp-open")))
        before = self.snapshot()
        payload = am_payload(
            am_alert("fp-new"), am_alert("fp-open", status="resolved"), dict(am_alert("fp-3"), status="?")
        )
        response = self.post_alert(payload)
        self.assertRejected(response, 400, "alerts[2].status", source=self.source, before=before)
        self.assertEqual(self.alert_tickets().mapped("alert_fingerprint"), ["fp-open"])
        self.assertEqual(self.alert_tickets().state, "new")

    def test_error_while_processing_rolls_everything_back(self):
        self.post_alert(am_payload(am_alert("fp-open")))
        before = self.snapshot()

        def refuse(source, ticket, alert):
            raise ValidationError(source.env._("The ticket refuses the note."))

        self.patch(self.registry["helpdesk.alert.source"], "_note_alert_repeat", refuse)
        response = self.post_alert(am_payload(am_alert("fp-new"), am_alert("fp-open")))
        self.assertRejected(response, 422, "The ticket refuses the note.", source=self.source, before=before)
        self.assertEqual(self.alert_tickets().mapped("alert_fingerprint"), ["fp-open"])

    def test_oversized_payload_is_413(self):
        self.source.max_payload_kb = 1
        before = self.snapshot()
        big = am_payload(*(am_alert(f"fp-{i}") for i in range(5)))
        self.assertGreater(len(json.dumps(big)), 1024)
        response = self.post_alert(big)
        rejection = self.assertRejected(response, 413, "at most 1 KB", source=self.source, before=before)
        self.assertFalse(rejection.payload_excerpt, "an oversized body announced by Content-Length is not read")
        # Without Content-Length (chunked), the body is measured once read.
        data = json.dumps(big).encode()
        response = self.post_alert(None, data=(data[i : i + 100] for i in range(0, len(data), 100)))
        self.assertRejected(response, 413, "at most 1 KB", source=self.source, before=before)
        # Within the limit, it works.
        response = self.post_alert(am_payload(am_alert("fp-small")))
        self.assertEqual(response.status_code, 200, response.text)

    def test_get_is_not_allowed(self):
        response = self.url_open(f"/helpdesk/alert/{self.source.id}")
        self.assertEqual(response.status_code, 405)

    # ------------------------------------------------------------------
    # Burst
    # ------------------------------------------------------------------

    def test_burst_with_duplicate_fingerprints(self):
        """40 notifications of 8 alerts, each sent 5 times in a shuffled order."""
        order = [(i * 7) % 40 for i in range(40)]
        actions = []
        for i in order:
            fingerprint = f"burst-{i % 8}"
            response = self.post_alert(am_payload(am_alert(fingerprint, severity="warning")))
            self.assertEqual(response.status_code, 200, response.text)
            actions.append(response.json()["results"][0]["action"])
        self.assertEqual(actions.count("created"), 8)
        self.assertEqual(actions.count("updated"), 32)
        tickets = self.alert_tickets()
        self.assertEqual(len(tickets), 8)
        self.assertEqual(sum(tickets.mapped("alert_repeat_count")), 32, "no repeat lost: each is counted")
        self.assertEqual(len(set(tickets.mapped("alert_fingerprint"))), 8)


@tagged("post_install", "-at_install")
class TestAlertEndpointConcurrency(CommittedData, HttpCase):
    """A real burst: committed data, concurrent requests, one transaction each.

    The registry is not in test mode, so every request of the HTTP server runs in its own
    database transaction, as in production; the data is committed and removed afterwards.
    """

    registry_test_mode = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Post-install tests run while the loading thread holds the registry lock, which
        # the HTTP threads take to find the registry: test mode replaces it, do the same.
        cls.startClassPatcher(patch.object(Registry, "_lock", DummyRLock()))

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Concurrency test team"})
            source = env["helpdesk.alert.source"].create({"name": "Concurrency test source", "team_id": team.id})
            self.token = source._generate_token()
            return {"team": team, "source": source}

        self.commit_records(create)
        self.source_id = self.ids["source"]
        self.remove_after("helpdesk.ticket", [("alert_source_id", "=", self.source_id)])
        self.remove_after("helpdesk.alert.rejection", [("source_id", "=", self.source_id)])

    def test_concurrent_burst_creates_one_ticket_per_alert(self):
        """48 concurrent notifications of 6 alerts (8 each): exactly 6 tickets."""
        url = f"{self.base_url()}/helpdesk/alert/{self.source_id}"
        headers = {"Authorization": f"Bearer {self.token}", "X-Odoo-Database": get_db_name()}

        def send(i):
            payload = am_payload(am_alert(f"concurrent-{i % 6}", severity="warning"))
            response = requests.post(url, json=payload, headers=headers, timeout=60)
            results = response.json().get("results") or [{}]
            return response.status_code, results[0].get("action")

        with ThreadPoolExecutor(max_workers=12) as executor:
            results = list(executor.map(send, range(48)))
        self.assertEqual({status for status, _action in results}, {200})
        self.assertEqual(sum(1 for _status, action in results if action == "created"), 6)
        self.assertEqual(sum(1 for _status, action in results if action == "updated"), 42)
        with self.worker() as env:
            cr = env.cr
            cr.execute(
                "SELECT alert_fingerprint, count(*) FROM helpdesk_ticket WHERE alert_source_id = %s GROUP BY 1",
                [self.source_id],
            )
            counts = dict(cr.fetchall())
            cr.execute(
                "SELECT sum(alert_repeat_count) FROM helpdesk_ticket WHERE alert_source_id = %s", [self.source_id]
            )
            repeats = cr.fetchone()[0]
            cr.execute(
                "SELECT count(*) FROM mail_message m JOIN helpdesk_ticket t ON t.id = m.res_id "
                "WHERE m.model = 'helpdesk.ticket' AND t.alert_source_id = %s AND m.body LIKE %s",
                [self.source_id, "%still firing%"],
            )
            notes = cr.fetchone()[0]
        self.assertEqual(counts, {f"concurrent-{i}": 1 for i in range(6)})
        # Was "every repeat is noted": repeats of an unchanged alert are counted, not noted.
        self.assertEqual(repeats, 42, "every repeat is counted on its ticket, none is lost")
        self.assertEqual(notes, 0, "the alerts did not change: no note")


@tagged("post_install", "-at_install")
class TestAlertLifecycleCron(HelpdeskCommon):
    """The lifecycle cron closes recovered alert tickets (model API, no HTTP)."""

    def test_cron_closes_recovered_tickets_after_the_quiet_period(self):
        source = self.env["helpdesk.alert.source"].create(
            {"name": "Prometheus", "team_id": self.team_a.id, "quiet_period_minutes": 15}
        )
        source._process_alerts(source._parse_alerts(am_payload(am_alert("fp-1"), am_alert("fp-2"))))
        source._process_alerts(source._parse_alerts(am_payload(am_alert("fp-1", status="resolved"))))
        tickets = self.env["helpdesk.ticket"].search([("alert_source_id", "=", source.id)])
        recovered = tickets.filtered(lambda t: t.alert_fingerprint == "fp-1")
        self.assertEqual(recovered.state, "resolved")
        self.run_cron(when=recovered.resolved_date + timedelta(minutes=16))
        self.assertEqual(recovered.state, "closed")
        self.assertEqual((tickets - recovered).state, "new")


@tagged("post_install", "-at_install")
class TestAlertSourceAccess(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = cls.env["helpdesk.alert.source"].create({"name": "Prometheus", "team_id": cls.team_a.id})
        cls.source._generate_token()
        cls.env["helpdesk.alert.rejection"]._log("Invalid token for source 1.", 403, source=cls.source)

    def test_user_opens_the_source_of_a_ticket_but_not_its_secrets(self):
        source = self.source.with_user(self.user_a)
        with Form(source) as form:
            self.assertEqual(form.name, "Prometheus")
            self.assertEqual(form.team_id, self.team_a)
        for fname in ("rejection_ids", "rejection_count"):
            self.assertNotIn(fname, form._view["fields"])
        with self.assertRaises(AccessError):
            source.write({"name": "renamed"})
        with self.assertRaises(AccessError):
            self.env["helpdesk.alert.rejection"].with_user(self.user_a).search([])
        with self.assertRaises(AccessError):
            source.action_generate_token()

    def test_token_hash_is_for_administrators_only(self):
        for user in (self.user_a, self.manager):
            with self.assertRaises(AccessError):
                self.source.with_user(user).read(["token_hash"])
        manager_source = self.source.with_user(self.manager)
        self.assertEqual(manager_source.rejection_count, 1)
        action = manager_source.action_generate_token()
        token = self.env[action["res_model"]].browse(action["res_id"]).with_user(self.manager).token
        self.assertTrue(self.source._check_token(token))
