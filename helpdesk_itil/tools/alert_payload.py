"""Monitoring alert and CI/CD pipeline payloads, validated and normalised without a database.

A refused payload raises AlertPayloadError. Messages are lazy translations, as in Odoo's own
DB-free tools (odoo/tools/image.py, phone_validation/tools): the endpoint renders them in the
request's language with ``env._(error.message)``; without a request they read in English.
"""

import hashlib
import json

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__, default_lang="en_US")

PAYLOAD_FORMATS = [
    ("alertmanager", "Prometheus Alertmanager"),
    ("grafana", "Grafana"),
    ("generic", "Generic JSON"),
]
ALERT_STATUSES = ("firing", "resolved")
# Grafana legacy alerting `state` → alert status; None: accepted, nothing to do.
GRAFANA_LEGACY_STATES = {"alerting": "firing", "no_data": "firing", "ok": "resolved", "pending": None, "paused": None}
PIPELINE_STATUSES = ("success", "failure")
MAX_FINGERPRINT = 255
# Fields of a Grafana unified alert shown on the ticket, with their labels (a dict: a list
# of tuples would make Babel extract the field names as terms too).
GRAFANA_EXTRA_FIELDS = {
    "valueString": _lt("Value"),
    "dashboardURL": _lt("Dashboard"),
    "panelURL": _lt("Panel"),
    "silenceURL": _lt("Silence"),
}


class AlertPayloadError(Exception):
    """A request the alert or pipeline endpoint refuses: HTTP status and message (a string,
    or a lazy translation for the endpoint to render in the request's language)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def alert_digest(alert):
    """SHA-256 of what an alert says (status, labels, annotations, summary, description,
    severity): equal digests mean a plain repeat. Timestamps and Grafana's current values
    are left out: they change with every notification of a still-firing alert."""
    content = {key: alert[key] for key in ("status", "labels", "annotations", "summary", "description", "severity")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


# ----------------------------------------------------------------------
# Alerts
# ----------------------------------------------------------------------


def parse_alerts(payload, payload_format, severity_label):
    """Validate a payload of `payload_format` (see PAYLOAD_FORMATS) and return normalised alerts.

    Each alert is a dict: fingerprint, status ('firing'/'resolved'), summary, description,
    severity (the value of the label or tag `severity_label`), labels, annotations,
    starts_at, ends_at, url, extra (list of (label, value) shown on the ticket); values are
    text. What we write (summary suffix, extra labels) is in the request's language.
    Raises AlertPayloadError (400).
    """
    if not isinstance(payload, dict):
        raise AlertPayloadError(400, _lt("The payload must be a JSON object."))
    return PARSERS[payload_format](payload, severity_label)


def _parse_alertmanager_payload(payload, severity_label):
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise AlertPayloadError(
            400,
            _lt(
                "Not an Alertmanager webhook payload: it has no “alerts” list "
                "(this source expects the %(format)s format).",
                format=dict(PAYLOAD_FORMATS)["alertmanager"],
            ),
        )
    return [_parse_labelled_alert(alert, f"alerts[{index}]", severity_label) for index, alert in enumerate(alerts)]


def _parse_grafana_payload(payload, severity_label):
    if isinstance(payload.get("alerts"), list):
        # Unified alerting (Grafana 8+): Alertmanager-like alerts with a few extra URLs.
        return [
            _parse_labelled_alert(alert, f"alerts[{index}]", severity_label)
            for index, alert in enumerate(payload["alerts"])
        ]
    if "state" in payload:
        return _parse_grafana_legacy_payload(payload, severity_label)
    raise AlertPayloadError(
        400,
        _lt(
            "Not a Grafana alert webhook payload: expected an “alerts” list (unified "
            "alerting) or a “state” (legacy alerting)."
        ),
    )


def _parse_grafana_legacy_payload(payload, severity_label):
    state = payload.get("state")
    if state not in GRAFANA_LEGACY_STATES:
        raise AlertPayloadError(
            400,
            _lt(
                "“state” must be one of %(states)s, got %(state)s.",
                states=", ".join(GRAFANA_LEGACY_STATES),
                state=json.dumps(state),
            ),
        )
    status = GRAFANA_LEGACY_STATES[state]
    if status is None:
        return []
    tags = _string_dict(payload.get("tags"), "tags")
    key = payload.get("ruleId") or payload.get("ruleName") or payload.get("title")
    if not key or isinstance(key, dict | list):
        raise AlertPayloadError(400, _lt("A legacy Grafana alert needs a “ruleId” or a “ruleName”."))
    matches = payload.get("evalMatches") or []
    extra = [
        (str(match.get("metric")), str(match.get("value")))
        for match in matches
        if isinstance(match, dict) and match.get("metric") is not None
    ]
    return [
        {
            "fingerprint": f"grafana-rule-{key}"[:MAX_FINGERPRINT],
            "status": status,
            "summary": _text(payload.get("ruleName") or payload.get("title")),
            "description": _text(payload.get("message")),
            "severity": tags.get(severity_label, ""),
            "labels": tags,
            "annotations": {},
            "starts_at": "",
            "ends_at": "",
            "url": _text(payload.get("ruleUrl")),
            "extra": extra,
        }
    ]


def _parse_generic_payload(payload, severity_label):
    listed = isinstance(payload.get("alerts"), list)
    items = payload["alerts"] if listed else [payload]
    alerts = []
    for index, item in enumerate(items):
        where = f"alerts[{index}]" if listed else "payload"
        if not isinstance(item, dict):
            raise AlertPayloadError(400, _lt("%(where)s must be a JSON object.", where=where))
        labels = _string_dict(item.get("labels"), f"{where}.labels")
        status = _check_status(item.get("status"), where)
        severity = item.get("severity", labels.get(severity_label, ""))
        if not isinstance(severity, str):
            raise AlertPayloadError(400, _lt("%(where)s.severity must be a string.", where=where))
        alerts.append(
            {
                "fingerprint": _fingerprint(item.get("fingerprint"), labels, where),
                "status": status,
                "summary": _text(item.get("summary")),
                "description": _text(item.get("description")),
                "severity": severity,
                "labels": labels,
                "annotations": {},
                "starts_at": _text(item.get("startsAt")),
                "ends_at": _text(item.get("endsAt")),
                "url": _text(item.get("url")),
                "extra": [],
            }
        )
    return alerts


PARSERS = {
    "alertmanager": _parse_alertmanager_payload,
    "grafana": _parse_grafana_payload,
    "generic": _parse_generic_payload,
}


def _parse_labelled_alert(alert, where, severity_label):
    """One alert of an Alertmanager (v4) or Grafana unified alerting webhook."""
    if not isinstance(alert, dict):
        raise AlertPayloadError(400, _lt("%(where)s must be a JSON object.", where=where))
    labels = _string_dict(alert.get("labels"), f"{where}.labels")
    annotations = _string_dict(alert.get("annotations"), f"{where}.annotations")
    status = _check_status(alert.get("status"), where)
    summary = annotations.get("summary") or annotations.get("title") or labels.get("alertname", "")
    if summary and labels.get("instance") and labels["instance"] not in summary:
        # Rendered now (a parsed alert is plain data), in the request's language.
        summary = str(_lt("%(summary)s on %(instance)s", summary=summary, instance=labels["instance"]))
    extra = [(str(label), _text(alert.get(key))) for key, label in GRAFANA_EXTRA_FIELDS.items()]
    return {
        "fingerprint": _fingerprint(alert.get("fingerprint"), labels, where),
        "status": status,
        "summary": summary,
        "description": annotations.get("description") or annotations.get("message", ""),
        "severity": labels.get(severity_label, ""),
        "labels": labels,
        "annotations": annotations,
        "starts_at": _text(alert.get("startsAt")),
        "ends_at": _text(alert.get("endsAt")),
        "url": _text(alert.get("generatorURL")),
        "extra": [(label, value) for label, value in extra if value],
    }


def _check_status(status, where):
    if status not in ALERT_STATUSES:
        raise AlertPayloadError(
            400,
            _lt(
                "%(where)s.status must be “firing” or “resolved”, got %(status)s.",
                where=where,
                status=json.dumps(status),
            ),
        )
    return status


def _fingerprint(fingerprint, labels, where):
    """The alert's fingerprint, or one derived from its labels (as Alertmanager does)."""
    if fingerprint is not None and not isinstance(fingerprint, str | int):
        raise AlertPayloadError(400, _lt("%(where)s.fingerprint must be a string.", where=where))
    fingerprint = str(fingerprint or "").strip()
    if not fingerprint:
        if not labels:
            raise AlertPayloadError(
                400, _lt("%(where)s has neither a “fingerprint” nor “labels” to identify the alert.", where=where)
            )
        fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    if len(fingerprint) > MAX_FINGERPRINT:
        raise AlertPayloadError(
            400, _lt("%(where)s.fingerprint is longer than %(max)s characters.", where=where, max=MAX_FINGERPRINT)
        )
    return fingerprint


def _string_dict(value, where):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertPayloadError(400, _lt("%(where)s must be a JSON object.", where=where))
    return {str(key): _text(val) for key, val in value.items()}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


# ----------------------------------------------------------------------
# Pipelines
# ----------------------------------------------------------------------


PIPELINE_FIELDS = (
    "ticket",
    "note",
    "stage",
    "build_url",
    "status",
    "resolution_note",
    "closure_code",
    "project",
    "branch",
    "job",
)


def parse_pipeline_payload(payload, states, open_bugs=False):
    """The fields of a pipeline payload as stripped strings, checked one by one; `states`:
    the ITIL states a ticket may be moved to. With `open_bugs` (the source opens a bug
    ticket when a pipeline fails), a payload without `ticket` reports a run of the pipeline
    named by `project` (and `branch`, `job`) with its `status`. Raises AlertPayloadError (400)."""
    if not isinstance(payload, dict):
        raise AlertPayloadError(400, _lt("The payload must be a JSON object."))
    strings = {}
    for key in PIPELINE_FIELDS:
        value = payload.get(key)
        if value is not None and not isinstance(value, str):
            raise AlertPayloadError(400, _lt("“%(key)s” must be a string.", key=key))
        strings[key] = (value or "").strip()
    _check_choice("status", strings["status"], PIPELINE_STATUSES)
    _check_choice("stage", strings["stage"], states, _lt("an ITIL state"))
    if strings["build_url"] and not strings["build_url"].startswith(("http://", "https://")):
        raise AlertPayloadError(400, _lt("“build_url” must be an http(s) URL."))
    if not strings["ticket"]:
        if not open_bugs:
            raise AlertPayloadError(400, _lt("“ticket” is missing: give the ticket reference, e.g. HD-000123."))
        if not strings["project"]:
            raise AlertPayloadError(
                400,
                _lt(
                    "“ticket” or “project” is missing: give the ticket reference, or the project (and "
                    "branch, job) of the pipeline run."
                ),
            )
        if not strings["status"]:
            raise AlertPayloadError(
                400, _lt("“status” is missing: a pipeline run without “ticket” must say success or failure.")
            )
        if strings["stage"]:
            raise AlertPayloadError(400, _lt("“stage” needs a “ticket”: a pipeline run cannot move a ticket."))
        return strings
    if not (strings["note"] or strings["stage"] or strings["status"] or strings["build_url"]):
        raise AlertPayloadError(400, _lt("Nothing to do: give at least a note, a stage, a status or a build_url."))
    return strings


def pipeline_key(strings):
    """The fingerprint of a pipeline run's ticket: one open bug ticket per project, branch and job."""
    return json.dumps([strings["project"], strings["branch"], strings["job"]], ensure_ascii=False)


def _check_choice(key, value, allowed, what=None):
    if not value or value in allowed:
        return
    if what:
        message = _lt(
            "“%(key)s” must be %(what)s, one of %(allowed)s; got %(value)s.",
            key=key,
            what=what,
            allowed=", ".join(allowed),
            value=json.dumps(value),
        )
    else:
        message = _lt(
            "“%(key)s” must be one of %(allowed)s; got %(value)s.",
            key=key,
            allowed=", ".join(allowed),
            value=json.dumps(value),
        )
    raise AlertPayloadError(400, message)
