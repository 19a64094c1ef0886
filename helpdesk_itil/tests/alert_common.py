import json

from .common import HelpdeskHttpCommon


def am_alert(fingerprint, status="firing", severity="critical", **labels):
    """One alert as Prometheus Alertmanager (webhook v4) sends it."""
    return {
        "status": status,
        "labels": {"alertname": "HighCPU", "instance": "web-1", "severity": severity, **labels},
        "annotations": {
            "summary": "CPU above 90%",
            "description": "CPU usage has been above 90% for 10 minutes.",
            "runbook_url": "https://runbooks.example.com/cpu",
        },
        "startsAt": "2026-11-25T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-25T10:30:00Z",
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=cpu",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts):
    """An Alertmanager webhook (version 4) carrying `alerts`."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighCPU"}',
        "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "helpdesk",
        "groupLabels": {"alertname": "HighCPU"},
        "commonLabels": {"alertname": "HighCPU"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": list(alerts),
    }


# Grafana webhooks: unified alerting (Grafana 8+) and legacy alerting.
GRAFANA_UNIFIED = {
    "receiver": "helpdesk",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1", "severity": "warning"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2026-11-25T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example.com/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
            "valueString": "[ var='B' labels={team=blue, zone=us-1} value=44.23943737541908 ]",
        }
    ],
    "groupLabels": {},
    "commonLabels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example.com/",
    "version": "1",
    "groupKey": '{}:{alertname="High memory usage"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1]  (High memory usage blue us-1)",
    "state": "alerting",
    "message": "**Firing**",
}

GRAFANA_LEGACY = {
    "dashboardId": 1,
    "evalMatches": [{"value": 1, "metric": "Count", "tags": {}}],
    "message": "Disk usage above 95%",
    "orgId": 1,
    "panelId": 2,
    "ruleId": 7,
    "ruleName": "Disk full",
    "ruleUrl": "http://grafana.example.com/d/hZ7BuVbWz/test-dashboard?viewPanel=2",
    "state": "alerting",
    "tags": {"severity": "critical", "host": "db-1"},
    "title": "[Alerting] Disk full",
}


class HelpdeskAlertHttpCommon(HelpdeskHttpCommon):
    """Alert and pipeline sources with known tokens, and helpers to post to them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category_alert = cls.env["helpdesk.category"].create({"name": "Monitoring", "team_id": cls.team_b.id})
        cls.Source = cls.env["helpdesk.alert.source"]
        cls.source = cls.Source.create(
            {
                "name": "Prometheus production",
                "team_id": cls.team_b.id,
                "category_id": cls.category_alert.id,
                "partner_id": cls.customer.id,
                "quiet_period_minutes": 30,
            }
        )
        cls.token = cls.source._generate_token()
        cls.code_recovered = cls.env.ref("helpdesk_itil.closure_monitoring_recovered")

    def post(self, path, payload=None, token=None, data=None, headers=None):
        """POST `payload` as JSON (or raw `data`) with `token` as a bearer token."""
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        if data is None:
            data = json.dumps(payload)
        return self.url_open(path, data=data, headers=all_headers)

    def post_alert(self, payload, source=None, token=None, **kwargs):
        source = source or self.source
        return self.post(f"/helpdesk/alert/{source.id}", payload, token=token or self.token, **kwargs)

    def alert_tickets(self, source=None):
        return (
            self.env["helpdesk.ticket"]
            .with_context(active_test=False)
            .search([("alert_source_id", "=", (source or self.source).id)])
        )

    def rejections(self):
        return self.env["helpdesk.alert.rejection"].search([], order="id desc")

    def snapshot(self):
        """What a refused request must not change: tickets, their messages and stages."""
        self.env.invalidate_all()
        tickets = self.env["helpdesk.ticket"].with_context(active_test=False).search([])
        return (
            len(tickets),
            self.env["mail.message"].search_count([("model", "=", "helpdesk.ticket")]),
            sorted((t.id, t.stage_id.id, t.write_date) for t in tickets),
        )

    def assertRejected(self, response, status, message, source=False, before=None):
        """The response is a JSON error, nothing changed, and the rejection was logged."""
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        body = response.json()
        self.assertFalse(body["ok"])
        self.assertIn(message, body["error"])
        if before is not None:
            self.assertEqual(self.snapshot(), before, "a refused request must change nothing")
        rejection = self.rejections()[:1]
        self.assertEqual(rejection.http_status, status)
        self.assertEqual(rejection.reason, body["error"])
        self.assertEqual(rejection.source_id, source or self.env["helpdesk.alert.source"])
        self.assertEqual(rejection.remote_addr, "127.0.0.1")
        return rejection
