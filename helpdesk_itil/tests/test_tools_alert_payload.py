import copy

from odoo.tests import BaseCase
from odoo.tools.translate import LazyGettext

from ..models.helpdesk_stage import TICKET_STATES
from ..tools.alert_payload import (
    AlertPayloadError,
    alert_digest,
    hash_token,
    parse_alerts,
    parse_pipeline_payload,
    pipeline_key,
)
from .alert_common import GRAFANA_LEGACY, GRAFANA_UNIFIED, am_alert, am_payload

STATES = [state for state, _label in TICKET_STATES]


def english(message):
    """A lazy message as rendered outside a request: LazyGettext looks for a language in its
    caller's frame (not a test method's, whose `self.env` is None), finds none: English."""
    return str(message)


class AlertPayloadCase(BaseCase):
    def assertRefused(self, message, parse, *args):
        """`parse(*args)` refuses the payload with HTTP 400 and this (translatable) message."""
        with self.assertRaises(AlertPayloadError) as caught:
            parse(*args)
        self.assertEqual(caught.exception.status, 400)
        self.assertIsInstance(caught.exception.message, LazyGettext, "translated by the endpoint")
        self.assertEqual(english(caught.exception.message), message)

    def parse(self, payload, payload_format="alertmanager", severity_label="severity"):
        return parse_alerts(payload, payload_format, severity_label)


class TestAlertFormats(AlertPayloadCase):
    def test_alertmanager(self):
        self.assertEqual(
            self.parse(am_payload(am_alert("fp-cpu"), am_alert("fp-cpu", status="resolved"))),
            [
                {
                    "fingerprint": "fp-cpu",
                    "status": "firing",
                    "summary": "CPU above 90% on web-1",
                    "description": "CPU usage has been above 90% for 10 minutes.",
                    "severity": "critical",
                    "labels": {"alertname": "HighCPU", "instance": "web-1", "severity": "critical"},
                    "annotations": am_alert("fp-cpu")["annotations"],
                    "starts_at": "2026-11-25T10:00:00Z",
                    "ends_at": "0001-01-01T00:00:00Z",
                    "url": "http://prometheus.example.com:9090/graph?g0.expr=cpu",
                    "extra": [],
                },
                {
                    "fingerprint": "fp-cpu",
                    "status": "resolved",
                    "summary": "CPU above 90% on web-1",
                    "description": "CPU usage has been above 90% for 10 minutes.",
                    "severity": "critical",
                    "labels": {"alertname": "HighCPU", "instance": "web-1", "severity": "critical"},
                    "annotations": am_alert("fp-cpu")["annotations"],
                    "starts_at": "2026-11-25T10:00:00Z",
                    "ends_at": "2026-11-25T10:30:00Z",
                    "url": "http://prometheus.example.com:9090/graph?g0.expr=cpu",
                    "extra": [],
                },
            ],
        )
        self.assertEqual(self.parse(am_payload()), [])

    def test_alertmanager_summary_and_description(self):
        def parsed(**changes):
            return self.parse(am_payload({**am_alert("fp-1"), **changes}))[0]

        self.assertEqual(parsed(annotations={"title": "Disk full"})["summary"], "Disk full on web-1")
        self.assertEqual(parsed(annotations={})["summary"], "HighCPU on web-1")
        self.assertEqual(parsed(annotations={"summary": "web-1 is down"})["summary"], "web-1 is down")
        self.assertEqual(parsed(labels={"alertname": "HighCPU"}, annotations={})["summary"], "HighCPU")
        self.assertEqual(parsed(labels={"instance": "web-1"}, annotations={})["summary"], "")
        self.assertEqual(parsed(annotations={"message": "Look at it"})["description"], "Look at it")

    def test_severity_label(self):
        alert = am_alert("fp-1", priority="P1")
        self.assertEqual(self.parse(am_payload(alert))[0]["severity"], "critical")
        self.assertEqual(self.parse(am_payload(alert), severity_label="priority")[0]["severity"], "P1")
        self.assertEqual(self.parse(am_payload(alert), severity_label="none")[0]["severity"], "")

    def test_values_become_text(self):
        alert = dict(am_alert(7), labels={"alertname": "A", "replicas": 3, "zones": ["a", "b"], "gone": None})
        alert["annotations"] = None
        parsed = self.parse(am_payload(alert))[0]
        self.assertEqual(parsed["fingerprint"], "7")
        self.assertEqual(parsed["labels"], {"alertname": "A", "replicas": "3", "zones": '["a", "b"]', "gone": ""})
        self.assertEqual(parsed["annotations"], {})

    def test_grafana_unified(self):
        (alert,) = self.parse(GRAFANA_UNIFIED, "grafana")
        self.assertEqual(alert["fingerprint"], "c6eadffa33fcdf37")
        self.assertEqual(alert["status"], "firing")
        self.assertEqual(alert["summary"], "This alert was triggered for zone us-1")
        self.assertEqual(alert["severity"], "warning")
        self.assertEqual(alert["url"], "https://grafana.example.com/alerting/1afz29v7z/edit")
        # Empty dashboard and panel URLs are left out.
        self.assertEqual(
            alert["extra"],
            [
                ("Value", "[ var='B' labels={team=blue, zone=us-1} value=44.23943737541908 ]"),
                ("Silence", "https://grafana.example.com/alerting/silence/new?alertmanager=grafana"),
            ],
        )

    def test_grafana_legacy(self):
        self.assertEqual(
            self.parse(GRAFANA_LEGACY, "grafana"),
            [
                {
                    "fingerprint": "grafana-rule-7",
                    "status": "firing",
                    "summary": "Disk full",
                    "description": "Disk usage above 95%",
                    "severity": "critical",
                    "labels": {"severity": "critical", "host": "db-1"},
                    "annotations": {},
                    "starts_at": "",
                    "ends_at": "",
                    "url": "http://grafana.example.com/d/hZ7BuVbWz/test-dashboard?viewPanel=2",
                    "extra": [("Count", "1")],
                }
            ],
        )

    def test_grafana_legacy_states(self):
        for state, statuses in (
            ("alerting", ["firing"]),
            ("no_data", ["firing"]),
            ("ok", ["resolved"]),
            ("pending", []),
            ("paused", []),
        ):
            with self.subTest(state=state):
                alerts = self.parse(dict(GRAFANA_LEGACY, state=state), "grafana")
                self.assertEqual([alert["status"] for alert in alerts], statuses)

    def test_grafana_legacy_rule_key_and_matches(self):
        def parsed(**changes):
            return self.parse({**GRAFANA_LEGACY, **changes}, "grafana")[0]

        self.assertEqual(parsed(ruleId=None)["fingerprint"], "grafana-rule-Disk full")
        self.assertEqual(parsed(ruleId=None, ruleName=None)["fingerprint"], "grafana-rule-[Alerting] Disk full")
        self.assertEqual(parsed(ruleId=None, ruleName=None)["summary"], "[Alerting] Disk full")
        self.assertEqual(parsed(ruleId="r" * 300)["fingerprint"], ("grafana-rule-" + "r" * 300)[:255])
        self.assertEqual(parsed(tags=None)["labels"], {})
        self.assertEqual(parsed(tags=None)["severity"], "")
        matches = [{"metric": "cpu", "value": 0.9}, "oops", {"value": 2}, {"metric": "mem", "value": "12%"}]
        self.assertEqual(parsed(evalMatches=matches)["extra"], [("cpu", "0.9"), ("mem", "12%")])
        self.assertEqual(parsed(evalMatches=None)["extra"], [])

    def test_generic_single_alert(self):
        alert = {
            "fingerprint": "backup-nightly",
            "status": "firing",
            "summary": "Nightly backup failed",
            "description": "rsync exited with code 23",
            "severity": "warning",
            "labels": {"host": "nas-1", "severity": "critical"},
            "startsAt": "2026-11-25T02:00:00Z",
            "url": "https://checks.example.com/backup",
        }
        self.assertEqual(
            self.parse(alert, "generic"),
            [
                {
                    "fingerprint": "backup-nightly",
                    "status": "firing",
                    "summary": "Nightly backup failed",
                    "description": "rsync exited with code 23",
                    "severity": "warning",
                    "labels": {"host": "nas-1", "severity": "critical"},
                    "annotations": {},
                    "starts_at": "2026-11-25T02:00:00Z",
                    "ends_at": "",
                    "url": "https://checks.example.com/backup",
                    "extra": [],
                }
            ],
        )
        # Without a "severity", the severity label is used.
        del alert["severity"]
        self.assertEqual(self.parse(alert, "generic")[0]["severity"], "critical")

    def test_generic_list(self):
        alerts = self.parse(
            {"alerts": [{"fingerprint": "a", "status": "resolved"}, {"labels": {"check": "disk"}, "status": "firing"}]},
            "generic",
        )
        self.assertEqual(
            [(a["fingerprint"], a["status"]) for a in alerts], [("a", "resolved"), ("a0afc0f22aae46a1", "firing")]
        )
        self.assertEqual(alerts[0]["summary"], "")


class TestAlertFingerprint(AlertPayloadCase):
    def test_derived_from_labels(self):
        alert = am_alert("")
        del alert["fingerprint"]
        fingerprint = self.parse(am_payload(alert))[0]["fingerprint"]
        self.assertEqual(fingerprint, "c1c5b395aa1428ab")
        # The same labels in another order, or a blank fingerprint: the same alert.
        reordered = dict(alert, labels=dict(reversed(alert["labels"].items())))
        self.assertEqual(self.parse(am_payload(reordered))[0]["fingerprint"], fingerprint)
        self.assertEqual(self.parse(am_payload(dict(alert, fingerprint="  ")))[0]["fingerprint"], fingerprint)
        self.assertNotEqual(self.parse(am_payload(am_alert("", instance="web-2")))[0]["fingerprint"], fingerprint)

    def test_given_fingerprint_is_stripped_and_limited(self):
        self.assertEqual(self.parse(am_payload(am_alert(" fp-1 ")))[0]["fingerprint"], "fp-1")
        self.assertEqual(self.parse(am_payload(am_alert("x" * 255)))[0]["fingerprint"], "x" * 255)
        self.assertRefused(
            "alerts[0].fingerprint is longer than 255 characters.", self.parse, am_payload(am_alert("x" * 256))
        )

    def test_refusals(self):
        no_id = {**am_alert(""), "labels": {}}
        self.assertRefused(
            "alerts[0] has neither a “fingerprint” nor “labels” to identify the alert.", self.parse, am_payload(no_id)
        )
        self.assertRefused("alerts[0].fingerprint must be a string.", self.parse, am_payload(am_alert({"id": 1})))
        self.assertRefused(
            "payload has neither a “fingerprint” nor “labels” to identify the alert.",
            self.parse,
            {"status": "firing", "summary": "no id"},
            "generic",
        )


class TestAlertDigest(AlertPayloadCase):
    def test_digest_follows_what_the_alert_says_not_when(self):
        def digest(alert, payload_format="alertmanager"):
            payload = am_payload(alert) if payload_format == "alertmanager" else alert
            return alert_digest(self.parse(payload, payload_format)[0])

        base = digest(am_alert("fp-1"))
        self.assertRegex(base, r"^[0-9a-f]{64}$")
        later = am_alert("fp-1")
        later.update(startsAt="2026-11-25T11:00:00Z", endsAt="2026-11-25T12:00:00Z")
        self.assertEqual(digest(later), base, "timestamps change with every notification")
        reordered = am_alert("fp-1")
        reordered["labels"] = dict(reversed(reordered["labels"].items()))
        self.assertEqual(digest(reordered), base)
        self.assertNotEqual(digest(am_alert("fp-1", instance="web-2")), base, "a label changed")
        annotated = am_alert("fp-1")
        annotated["annotations"] = dict(annotated["annotations"], summary="CPU above 95%")
        self.assertNotEqual(digest(annotated), base, "an annotation changed")
        self.assertNotEqual(digest(am_alert("fp-1", status="resolved")), base, "the status changed")
        # Grafana's current value changes at every evaluation: not a change of the alert.
        grafana = copy.deepcopy(GRAFANA_UNIFIED)
        first = digest(grafana, "grafana")
        grafana["alerts"][0]["valueString"] = "[ var='B' value=51.2 ]"
        self.assertEqual(digest(grafana, "grafana"), first)
        # Generic alerts: summary and description are what they say.
        generic = {"fingerprint": "backup", "status": "firing", "summary": "Backup failed"}
        self.assertNotEqual(digest(generic, "generic"), digest(dict(generic, summary="Backup late"), "generic"))


class TestAlertRefusals(AlertPayloadCase):
    def test_not_an_object(self):
        for payload_format in ("alertmanager", "grafana", "generic"):
            for payload in ([am_alert("fp-1")], "alerts", None):
                with self.subTest(payload_format=payload_format, payload=payload):
                    self.assertRefused("The payload must be a JSON object.", self.parse, payload, payload_format)

    def test_alertmanager(self):
        bad_alerts = copy.deepcopy(am_payload(am_alert("fp-1")))
        bad_alerts["alerts"].append("oops")
        for payload, message in (
            (
                {"foo": "bar"},
                "Not an Alertmanager webhook payload: it has no “alerts” list "
                "(this source expects the Prometheus Alertmanager format).",
            ),
            (
                GRAFANA_LEGACY,
                "Not an Alertmanager webhook payload: it has no “alerts” list "
                "(this source expects the Prometheus Alertmanager format).",
            ),
            (bad_alerts, "alerts[1] must be a JSON object."),
            (am_payload(dict(am_alert("fp-1"), labels=["a"])), "alerts[0].labels must be a JSON object."),
            (am_payload(dict(am_alert("fp-1"), annotations="x")), "alerts[0].annotations must be a JSON object."),
            (
                am_payload(dict(am_alert("fp-1"), status="burning")),
                'alerts[0].status must be “firing” or “resolved”, got "burning".',
            ),
            (
                am_payload(dict(am_alert("fp-1"), status=None)),
                "alerts[0].status must be “firing” or “resolved”, got null.",
            ),
        ):
            with self.subTest(message=message):
                self.assertRefused(message, self.parse, payload)

    def test_grafana(self):
        for payload, message in (
            (
                {"title": "x"},
                "Not a Grafana alert webhook payload: expected an “alerts” list (unified alerting) "
                "or a “state” (legacy alerting).",
            ),
            (
                {"state": "exploded", "ruleId": 1},
                '“state” must be one of alerting, no_data, ok, pending, paused, got "exploded".',
            ),
            (dict(GRAFANA_LEGACY, tags=["a"]), "tags must be a JSON object."),
            ({"state": "alerting"}, "A legacy Grafana alert needs a “ruleId” or a “ruleName”."),
            ({"state": "alerting", "ruleId": {"id": 7}}, "A legacy Grafana alert needs a “ruleId” or a “ruleName”."),
            (
                {"alerts": [{"status": "firing"}]},
                "alerts[0] has neither a “fingerprint” nor “labels” to identify the alert.",
            ),
        ):
            with self.subTest(message=message):
                self.assertRefused(message, self.parse, payload, "grafana")

    def test_generic(self):
        for payload, message in (
            ({"alerts": [{"fingerprint": "a", "status": "firing"}, 3]}, "alerts[1] must be a JSON object."),
            ({"fingerprint": "x", "status": "on"}, 'payload.status must be “firing” or “resolved”, got "on".'),
            ({"fingerprint": "x", "status": "firing", "labels": "x"}, "payload.labels must be a JSON object."),
            ({"fingerprint": "x", "status": "firing", "severity": 3}, "payload.severity must be a string."),
        ):
            with self.subTest(message=message):
                self.assertRefused(message, self.parse, payload, "generic")


class TestPipelinePayload(AlertPayloadCase):
    def test_fields_are_stripped_strings(self):
        self.assertEqual(
            parse_pipeline_payload(
                {
                    "ticket": " HD-000123 ",
                    "note": "Fix merged in !42.\n",
                    "stage": "resolved",
                    "status": "success",
                    "build_url": "https://ci.example.com/pipelines/1234",
                    "closure_code": None,
                    "unknown": ["ignored"],
                },
                STATES,
            ),
            {
                "ticket": "HD-000123",
                "note": "Fix merged in !42.",
                "stage": "resolved",
                "build_url": "https://ci.example.com/pipelines/1234",
                "status": "success",
                "resolution_note": "",
                "closure_code": "",
                "project": "",
                "branch": "",
                "job": "",
            },
        )
        for payload in ({"note": "x"}, {"stage": "pending"}, {"status": "failure"}, {"build_url": "http://ci/1"}):
            with self.subTest(payload=payload):
                self.assertEqual(parse_pipeline_payload({"ticket": "HD-1", **payload}, STATES)["ticket"], "HD-1")

    def test_refusals(self):
        for payload, message in (
            (["not", "an", "object"], "The payload must be a JSON object."),
            ({"ticket": 123, "note": "x"}, "“ticket” must be a string."),
            ({"ticket": "HD-1", "note": ["x"]}, "“note” must be a string."),
            ({"ticket": "HD-1", "closure_code": 1}, "“closure_code” must be a string."),
            ({"note": "x"}, "“ticket” is missing: give the ticket reference, e.g. HD-000123."),
            ({"ticket": "  ", "note": "x"}, "“ticket” is missing: give the ticket reference, e.g. HD-000123."),
            ({"ticket": "HD-1", "status": "green"}, '“status” must be one of success, failure; got "green".'),
            (
                {"ticket": "HD-1", "stage": "deployed"},
                "“stage” must be an ITIL state, one of new, in_progress, pending, resolved, closed, cancelled; "
                'got "deployed".',
            ),
            ({"ticket": "HD-1", "build_url": "javascript:alert(1)"}, "“build_url” must be an http(s) URL."),
            ({"ticket": "HD-1"}, "Nothing to do: give at least a note, a stage, a status or a build_url."),
            (
                {"ticket": "HD-1", "resolution_note": "done", "closure_code": "solved"},
                "Nothing to do: give at least a note, a stage, a status or a build_url.",
            ),
        ):
            with self.subTest(message=message):
                self.assertRefused(message, parse_pipeline_payload, payload, STATES)


class TestPipelineRun(AlertPayloadCase):
    """Payloads without a ticket, for sources that open bug tickets."""

    def test_run_fields_and_key(self):
        strings = parse_pipeline_payload(
            {"project": " erp ", "branch": "main", "job": "e2e", "status": "failure"}, STATES, open_bugs=True
        )
        self.assertEqual((strings["ticket"], strings["project"], strings["status"]), ("", "erp", "failure"))
        self.assertEqual(pipeline_key(strings), '["erp", "main", "e2e"]')
        self.assertNotEqual(pipeline_key(dict(strings, branch="main/e2e", job="")), pipeline_key(strings))
        # With a ticket, the usual payload: project, branch and job are only shown.
        strings = parse_pipeline_payload({"ticket": "HD-1", "project": "erp", "note": "x"}, STATES, open_bugs=True)
        self.assertEqual(strings["ticket"], "HD-1")

    def test_run_refusals(self):
        for payload, message in (
            (
                {"status": "failure"},
                "“ticket” or “project” is missing: give the ticket reference, or the project (and branch, job) "
                "of the pipeline run.",
            ),
            (
                {"project": "erp", "note": "x"},
                "“status” is missing: a pipeline run without “ticket” must say success or failure.",
            ),
            (
                {"project": "erp", "status": "failure", "stage": "resolved"},
                "“stage” needs a “ticket”: a pipeline run cannot move a ticket.",
            ),
            ({"project": ["erp"], "status": "failure"}, "“project” must be a string."),
        ):
            with self.subTest(message=message):
                self.assertRefused(message, parse_pipeline_payload, payload, STATES, True)


class TestToken(BaseCase):
    def test_hash_token(self):
        self.assertEqual(hash_token("hdk_secret"), "1b04ec4991191b0971802f7a8b59dcac24a68d130dff7abe52ccc2d939132253")
