import hmac
import json
import logging
import secrets
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..tools.alert_payload import (
    PAYLOAD_FORMATS,
    AlertPayloadError,
    alert_digest,
    hash_token,
    parse_alerts,
    parse_pipeline_payload,
    pipeline_key,
)
from .helpdesk_alert_severity import DEFAULT_SEVERITIES
from .helpdesk_priority_matrix import IMPACTS, URGENCIES
from .helpdesk_stage import OPEN_STATES, RESOLUTION_STATES, TICKET_STATES

TOKEN_PREFIX = "hdk_"
MAX_SUMMARY = 250
# The scheduled action of ticket timers (helpdesk.ticket._cron_lifecycle): a recovered
# alert ticket asks it to run at the end of its source's quiet period.
LIFECYCLE_CRON = "helpdesk_itil.ir_cron_helpdesk_sla_watch"
# Partial unique index of helpdesk.ticket: one open alert ticket per (source, fingerprint).
OPEN_ALERT_INDEX = "helpdesk_ticket_alert_open_uniq"


@contextmanager
def mute_sql_errors_of_current_thread():
    """Silence odoo.sql_db's "bad query" errors of this thread only (other requests keep theirs)."""
    thread = threading.get_ident()
    logger = logging.getLogger("odoo.sql_db")

    def other_threads_only(record):
        return record.thread != thread

    logger.addFilter(other_threads_only)
    try:
        yield
    finally:
        logger.removeFilter(other_threads_only)


class HelpdeskAlertSource(models.Model):
    """A monitoring system or CI/CD pipeline allowed to post to the helpdesk.

    Each source has its own URL (`/helpdesk/alert/<id>` or `/helpdesk/pipeline/<id>`)
    and secret token; alert tickets are deduplicated per source and fingerprint.
    """

    _name = "helpdesk.alert.source"
    _description = "Helpdesk Alert Source"
    _order = "sequence, name, id"
    _check_company_auto = True

    def _default_severity_ids(self):
        return [
            Command.create({"name": name, "impact": impact, "urgency": urgency, "sequence": sequence})
            for sequence, (name, impact, urgency) in enumerate(DEFAULT_SEVERITIES, start=1)
        ]

    def _default_type_id(self):
        return self.env.ref("helpdesk_itil.type_incident", raise_if_not_found=False)

    name = fields.Char(required=True, help="e.g. Prometheus production, Grafana Cloud, GitLab CI")
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    kind = fields.Selection(
        [("alert", "Monitoring Alerts"), ("pipeline", "CI/CD Pipeline")],
        required=True,
        default="alert",
        help="Monitoring sources post alerts to /helpdesk/alert/<id> and open tickets; pipeline "
        "sources post build status to /helpdesk/pipeline/<id> on existing tickets.",
    )
    payload_format = fields.Selection(
        PAYLOAD_FORMATS,
        required=True,
        default="alertmanager",
        help="Shape of the JSON the monitoring system sends; see the README for each.",
    )
    team_id = fields.Many2one(
        "helpdesk.team",
        check_company=True,
        help="Team of the alert tickets. For a pipeline source: only this team's tickets can be updated.",
    )
    category_id = fields.Many2one("helpdesk.category", check_company=True)
    type_id = fields.Many2one(
        "helpdesk.ticket.type", string="Ticket Type", default=lambda self: self._default_type_id()
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", check_company=True, help="Customer whose systems this source monitors."
    )
    severity_label = fields.Char(
        default="severity", required=True, help="Label (or tag) of the alert that holds its severity."
    )
    severity_ids = fields.One2many(
        "helpdesk.alert.severity",
        "source_id",
        string="Severity Mapping",
        copy=True,
        default=lambda self: self._default_severity_ids(),
    )
    default_impact = fields.Selection(
        IMPACTS, required=True, default="medium", help="Impact of alerts whose severity is not mapped."
    )
    default_urgency = fields.Selection(
        URGENCIES, required=True, default="medium", help="Urgency of alerts whose severity is not mapped."
    )
    quiet_period_minutes = fields.Integer(
        string="Quiet Period (minutes)",
        default=30,
        help="A ticket resolved because its alert recovered is closed after this many minutes "
        "without the alert firing again; if it fires again before, the ticket is reopened.",
    )
    pipeline_open_bug = fields.Boolean(
        string="Open a Bug Ticket on Failure",
        help="A failing run posted without a ticket reference opens a ticket (the source's type, team, "
        "category and customer) for its project, branch and job; later failing runs of the same pipeline "
        "are added to it while it is open.",
    )
    max_payload_kb = fields.Integer(
        string="Max Payload (KB)", default=1024, help="Larger requests are refused with HTTP 413."
    )
    token_hash = fields.Char(copy=False, groups="base.group_system", help="SHA-256 of the secret token.")
    token_hint = fields.Char(string="Token", copy=False, readonly=True, help="Beginning of the current token.")
    token_date = fields.Datetime(string="Token Generated On", copy=False, readonly=True)
    has_token = fields.Boolean(compute="_compute_has_token")
    endpoint_url = fields.Char(string="Endpoint URL", compute="_compute_endpoint_url")
    ticket_ids = fields.One2many("helpdesk.ticket", "alert_source_id", string="Tickets")
    ticket_count = fields.Integer(compute="_compute_ticket_count")
    open_ticket_count = fields.Integer(compute="_compute_ticket_count")
    rejection_ids = fields.One2many("helpdesk.alert.rejection", "source_id", string="Rejections")
    rejection_count = fields.Integer(compute="_compute_rejection_count")

    _quiet_period_positive = models.Constraint(
        "CHECK (quiet_period_minutes >= 0)", "The quiet period cannot be negative."
    )
    _max_payload_positive = models.Constraint(
        "CHECK (max_payload_kb > 0)", "The maximum payload size must be positive."
    )

    @api.depends("token_hint")
    def _compute_has_token(self):
        for source in self:
            source.has_token = bool(source.token_hint)

    @api.depends("kind")
    def _compute_endpoint_url(self):
        for source in self:
            if source.id:
                source.endpoint_url = f"{source.get_base_url()}/helpdesk/{source.kind}/{source.id}"
            else:
                source.endpoint_url = False

    def _compute_ticket_count(self):
        groups = self.env["helpdesk.ticket"]._read_group(
            [("alert_source_id", "in", self.ids)], ["alert_source_id", "is_closed"], ["__count"]
        )
        counts = defaultdict(lambda: [0, 0])
        for source, is_closed, count in groups:
            counts[source.id][0] += count
            if not is_closed:
                counts[source.id][1] += count
        for source in self:
            source.ticket_count, source.open_ticket_count = counts[source.id]

    def _compute_rejection_count(self):
        counts = dict(
            self.env["helpdesk.alert.rejection"]._read_group(
                [("source_id", "in", self.ids)], ["source_id"], ["__count"]
            )
        )
        for source in self:
            source.rejection_count = counts.get(source, 0)

    @api.onchange("kind", "pipeline_open_bug")
    def _onchange_pipeline_type(self):
        """A pipeline's failures are bugs, a monitoring system's alerts incidents."""
        incident, bug = self.env.ref("helpdesk_itil.type_incident"), self.env.ref("helpdesk_itil.type_bug")
        if self.kind == "pipeline" and self.pipeline_open_bug and self.type_id == incident:
            self.type_id = bug
        elif self.kind == "alert" and self.type_id == bug:
            self.type_id = incident

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_tickets(self):
        if (
            self.env["helpdesk.ticket"]
            .with_context(active_test=False)
            .search_count([("alert_source_id", "in", self.ids)], limit=1)
        ):
            raise UserError(self.env._("This source opened tickets: archive it instead of deleting it."))

    def action_generate_token(self):
        """Generate a new secret token (the previous one stops working) and show it once."""
        self.ensure_one()
        self.check_access("write")  # the token is written as superuser: only the hash is stored
        token = self._generate_token()
        wizard = self.env["helpdesk.alert.source.token"].create({"source_id": self.id, "token": token})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Token"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action["domain"] = [("alert_source_id", "=", self.id)]
        action["context"] = {"create": False}
        action["display_name"] = self.name
        return action

    def action_view_rejections(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_alert_rejection_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["display_name"] = self.env._("Rejections: %(source_name)s", source_name=self.name)
        return action

    # ------------------------------------------------------------------
    # Token
    # ------------------------------------------------------------------

    def _generate_token(self):
        """Store the hash of a new random token and return the token itself."""
        self.ensure_one()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.sudo().write(
            {"token_hash": hash_token(token), "token_hint": f"{token[:8]}…", "token_date": fields.Datetime.now()}
        )
        return token

    def _check_token(self, token):
        self.ensure_one()
        stored = self.sudo().token_hash
        if not (token and stored):
            return False
        return hmac.compare_digest(hash_token(token), stored)

    # ------------------------------------------------------------------
    # Alert payloads: parse into normalised alerts
    # ------------------------------------------------------------------

    def _parse_alerts(self, payload):
        """The payload's alerts, normalised (see tools/alert_payload.py); AlertPayloadError (400)."""
        self.ensure_one()
        return parse_alerts(payload, self.payload_format, self.severity_label)

    # ------------------------------------------------------------------
    # Alert payloads: act on tickets
    # ------------------------------------------------------------------

    def _process_alerts(self, alerts):
        """Open, update, reopen or resolve the tickets of normalised alerts.

        Returns one result per alert: {fingerprint, status, action, ticket}; action is
        created, updated (a repeat: counted, noted only when the alert changed), reopened,
        resolved or ignored.
        """
        self.ensure_one()
        source = self.with_company(self.company_id)
        Ticket = source.env["helpdesk.ticket"]
        fingerprints = list({alert["fingerprint"] for alert in alerts})
        open_tickets = {}
        if fingerprints:
            for ticket in Ticket.search(
                Domain("alert_source_id", "=", self.id)
                & Domain("alert_fingerprint", "in", fingerprints)
                & Domain("is_closed", "=", False)
            ):
                open_tickets[ticket.alert_fingerprint] = ticket
        severity_map = {line.name: (line.impact, line.urgency) for line in self.severity_ids}
        now = fields.Datetime.now()
        results, recovered = [], Ticket
        for alert in alerts:
            fingerprint = alert["fingerprint"]
            ticket = open_tickets.get(fingerprint, Ticket)
            if alert["status"] == "firing":
                if not ticket:
                    ticket = source._create_alert_ticket(alert, severity_map)
                    open_tickets[fingerprint] = ticket
                    action = "created"
                elif ticket.state in OPEN_STATES:
                    source._note_alert_repeat(ticket, alert)
                    action = "updated"
                else:
                    source._reopen_alert_ticket(ticket, alert)
                    action = "reopened"
            elif ticket and ticket.state in OPEN_STATES:
                source._resolve_alert_ticket(ticket, alert)
                recovered |= ticket
                action = "resolved"
            else:
                action = "ignored"
            results.append(
                {
                    "fingerprint": fingerprint,
                    "status": alert["status"],
                    "action": action,
                    "ticket": ticket.reference or None,
                }
            )
        if recovered:
            cron = self.env.ref(LIFECYCLE_CRON, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger(now + timedelta(minutes=self.quiet_period_minutes))
        return results

    def _alert_ticket_values(self, alert, severity_map):
        impact, urgency = severity_map.get(
            (alert["severity"] or "").strip().lower(), (self.default_impact, self.default_urgency)
        )
        summary = (alert["summary"] or "").strip() or self.env._(
            "Alert %(fingerprint)s", fingerprint=alert["fingerprint"]
        )
        vals = {
            "name": summary[:MAX_SUMMARY],
            "description": self._alert_description(alert),
            "channel": "alert",
            "impact": impact,
            "urgency": urgency,
            "alert_source_id": self.id,
            "alert_fingerprint": alert["fingerprint"],
            "alert_last_seen": fields.Datetime.now(),
            "alert_digest": alert_digest(alert),
            "company_id": self.company_id.id,
        }
        # Only what the source sets: an empty team lets the category choose it.
        for fname in ("team_id", "category_id", "type_id", "partner_id"):
            if self[fname]:
                vals[fname] = self[fname].id
        return vals

    def _create_alert_ticket(self, alert, severity_map):
        """Open the ticket of an alert that has none, once whatever the concurrency."""
        return self._create_ticket_once(alert["fingerprint"], self._alert_ticket_values(alert, severity_map))

    def _create_ticket_once(self, fingerprint, vals):
        """Create the ticket of `fingerprint` (an alert, a failing pipeline) from `vals`, once.

        Requests about the same fingerprint are serialised by a transaction lock on (source,
        fingerprint). A request that finds the lock taken waits for its holder to
        finish, then raises ConcurrencyError: the HTTP layer retries it in a new
        transaction, which sees the holder's ticket and adds to it. The partial unique
        index on open alert tickets is the guarantee behind the lock (a transaction
        whose snapshot predates a ticket committed just before it took the lock).
        """
        conflict = f"the ticket of {fingerprint!r} (source {self.id}) is being opened by another request"
        lock_key = SQL("%s, hashtext(%s)", self.id, fingerprint)
        if not self.env.execute_query(SQL("SELECT pg_try_advisory_xact_lock(%s)", lock_key))[0][0]:
            self.env.execute_query(SQL("SELECT pg_advisory_xact_lock(%s)", lock_key))
            raise ConcurrencyError(conflict)
        try:
            # The expected duplicate-key error is not worth an ERROR line; any other
            # error still propagates and is logged by the endpoint.
            with mute_sql_errors_of_current_thread():
                ticket = self.env["helpdesk.ticket"].create(vals)
                self.env.flush_all()
        except psycopg2.errors.UniqueViolation as exc:
            if exc.diag.constraint_name != OPEN_ALERT_INDEX:
                raise
            raise ConcurrencyError(conflict) from exc
        return ticket

    def _note_alert_repeat(self, ticket, alert):
        """A still-firing alert notified again: counted and dated on the ticket; a note only
        when what the alert says (status, labels, annotations) changed since the last one, so
        that a night of Alertmanager repeats leaves the chatter readable."""
        digest = alert_digest(alert)
        changed = digest != ticket.alert_digest
        self._count_alert_repeat(ticket, digest)
        if changed:
            ticket.message_post(
                body=Markup("<p>%s</p>%s")
                % (self.env._("Alert still firing, and it changed:"), self._alert_details(alert)),
                subtype_xmlid="mail.mt_note",
            )

    def _reopen_alert_ticket(self, ticket, alert):
        ticket._set_state("in_progress")
        self._count_alert_repeat(ticket, alert_digest(alert))
        ticket.message_post(
            body=Markup("<p>%s</p>%s")
            % (self.env._("The alert fires again before the quiet period ended."), self._alert_details(alert)),
            subtype_xmlid="mail.mt_note",
        )

    def _count_alert_repeat(self, ticket, digest):
        """One more notification of the ticket's alert: last seen now, one more repeat. Two
        concurrent repeats of one alert write the same ticket row: the second one's transaction
        fails to serialise and the HTTP layer retries it, so no repeat goes uncounted."""
        ticket._write_stamps(
            {
                "alert_last_seen": fields.Datetime.now(),
                "alert_repeat_count": ticket.alert_repeat_count + 1,
                "alert_digest": digest,
            }
        )

    def _resolve_alert_ticket(self, ticket, alert):
        code = self.env.ref("helpdesk_itil.closure_monitoring_recovered")
        when = alert["ends_at"] or fields.Datetime.to_string(fields.Datetime.now())
        note = Markup("<p>%s</p>") % self.env._(
            "Monitoring (%(source_name)s) reported the alert as resolved at %(when)s. The ticket closes "
            "after %(minutes)s minutes without the alert firing again.",
            source_name=self.name,
            when=when,
            minutes=self.quiet_period_minutes,
        )
        ticket._set_state("resolved", {"resolution_note": note, "closure_code_id": code.id})

    def _alert_description(self, alert):
        parts = []
        if alert["description"]:
            parts.append(Markup("<p>%s</p>") % alert["description"])
        parts.append(self._alert_details(alert))
        return Markup("").join(parts)

    def _alert_details(self, alert):
        rows = [
            (self.env._("Source"), self.name),
            (self.env._("Fingerprint"), alert["fingerprint"]),
            (self.env._("Severity"), alert["severity"]),
            (self.env._("Started"), alert["starts_at"]),
        ]
        rows += [(key, value) for key, value in sorted(alert["labels"].items())]
        rows += [
            (key, value) for key, value in sorted(alert["annotations"].items()) if key not in ("summary", "description")
        ]
        rows += alert["extra"]
        body = Markup("").join(
            Markup("<tr><th>%s</th><td>%s</td></tr>") % (label, self._maybe_link(value))
            for label, value in rows
            if value
        )
        html = Markup('<table class="table table-sm o_helpdesk_alert_details">%s</table>') % body
        if alert["url"].startswith(("http://", "https://")):
            html += Markup('<p><a href="%s" target="_blank">%s</a></p>') % (
                alert["url"],
                self.env._("Open in the monitoring system"),
            )
        return html

    @api.model
    def _maybe_link(self, value):
        if value.startswith(("http://", "https://")):
            return Markup('<a href="%s" target="_blank">%s</a>') % (value, value)
        return escape(value)

    # ------------------------------------------------------------------
    # Pipeline payloads
    # ------------------------------------------------------------------

    def _process_pipeline(self, payload):
        """Post a CI/CD status to a ticket: note, build link, stage change.

        Validates everything first (AlertPayloadError: 400 bad input, 404 unknown
        ticket, 409 closed ticket) so that a refused request changes nothing.
        """
        self.ensure_one()
        strings = parse_pipeline_payload(
            payload, [state for state, _label in TICKET_STATES], open_bugs=self.pipeline_open_bug
        )
        if not strings["ticket"]:
            return self._process_pipeline_run(strings)
        ticket = self._pipeline_ticket(strings["ticket"])
        vals = self._pipeline_stage_values(ticket, strings)
        if vals:
            ticket.write(vals)
        ticket.message_post(body=self._pipeline_message(strings, vals), subtype_xmlid="mail.mt_note")
        return {"ticket": ticket.reference, "state": ticket.state, "stage": ticket.stage_id.name}

    def _process_pipeline_run(self, strings):
        """A run of the pipeline named by project, branch and job, without a ticket reference
        (sources that open bug tickets): a failure opens the pipeline's bug ticket, or is added
        to the open one (a resolved one is reopened); a success is noted on the open one (people
        resolve bugs, not pipelines) and is otherwise ignored."""
        source = self.with_company(self.company_id)
        fingerprint = pipeline_key(strings)
        ticket = source.env["helpdesk.ticket"].search(
            Domain("alert_source_id", "=", self.id)
            & Domain("alert_fingerprint", "=", fingerprint)
            & Domain("is_closed", "=", False),
            limit=1,
        )
        failed = strings["status"] == "failure"
        if not ticket:
            if not failed:
                return {"action": "ignored", "ticket": None}
            ticket = source._create_ticket_once(fingerprint, source._pipeline_bug_values(strings, fingerprint))
            action = "created"
        else:
            if failed and ticket.state not in OPEN_STATES:
                ticket._set_state("in_progress")
                action = "reopened"
            else:
                action = "updated"
            if failed:
                self._count_alert_repeat(ticket, False)
            ticket.message_post(body=self._pipeline_message(strings, {}), subtype_xmlid="mail.mt_note")
        return {"action": action, "ticket": ticket.reference, "state": ticket.state, "stage": ticket.stage_id.name}

    def _pipeline_bug_values(self, strings, fingerprint):
        what = " · ".join(filter(None, (strings["project"], strings["branch"], strings["job"])))
        rows = [
            (self.env._("Source"), self.name),
            (self.env._("Project"), strings["project"]),
            (self.env._("Branch"), strings["branch"]),
            (self.env._("Job"), strings["job"]),
        ]
        details = Markup("").join(
            Markup("<tr><th>%s</th><td>%s</td></tr>") % (label, value) for label, value in rows if value
        )
        description = (
            self._pipeline_message(strings, {})
            + Markup('<table class="table table-sm o_helpdesk_alert_details">%s</table>') % details
        )
        vals = {
            "name": self.env._("Pipeline failed: %(what)s", what=what)[:MAX_SUMMARY],
            "description": description,
            "channel": "pipeline",
            "impact": self.default_impact,
            "urgency": self.default_urgency,
            "alert_source_id": self.id,
            "alert_fingerprint": fingerprint,
            "alert_last_seen": fields.Datetime.now(),
            "company_id": self.company_id.id,
            "type_id": (self.type_id or self.env.ref("helpdesk_itil.type_bug")).id,
        }
        for fname in ("team_id", "category_id", "partner_id"):
            if self[fname]:
                vals[fname] = self[fname].id
        return vals

    def _pipeline_ticket(self, reference):
        """The ticket a pipeline source may update: its company's, and its team's if it has one."""
        domain = Domain("reference", "=", reference) & Domain("company_id", "=", self.company_id.id)
        if self.team_id:
            domain &= Domain("team_id", "=", self.team_id.id)
        ticket = self.with_company(self.company_id).env["helpdesk.ticket"].search(domain, limit=1)
        if not ticket:
            raise AlertPayloadError(
                404, self.env._("Ticket %(reference)s not found for this source.", reference=reference)
            )
        return ticket

    def _pipeline_stage_values(self, ticket, strings):
        """Values moving `ticket` to the requested state (with what resolving needs), if any."""
        state = strings["stage"]
        if not state or state == ticket.state:
            return {}
        if ticket.is_closed:
            raise AlertPayloadError(
                409,
                self.env._(
                    "%(reference)s is %(state)s: its stage cannot change any more; ask a helpdesk "
                    "manager to reopen it.",
                    reference=ticket.reference,
                    state=dict(TICKET_STATES)[ticket.state].lower(),
                ),
            )
        stage = ticket.team_id._get_stage_for_state(state)
        if not stage:
            raise AlertPayloadError(
                400,
                self.env._(
                    "Team %(team)s has no stage for the state %(state)s.", team=ticket.team_id.name or "-", state=state
                ),
            )
        vals = {"stage_id": stage.id}
        if state in RESOLUTION_STATES:
            note = strings["resolution_note"] or strings["note"]
            if not note:
                raise AlertPayloadError(
                    400,
                    self.env._(
                        "To resolve %(reference)s, give a “resolution_note” (or a “note”).", reference=ticket.reference
                    ),
                )
            code_key = strings["closure_code"] or "solved"
            Code = self.env["helpdesk.closure.code"]
            code = Code.search([("code", "=", code_key)], limit=1)
            if not code:
                raise AlertPayloadError(
                    400,
                    self.env._(
                        "Unknown closure_code %(code)s; use one of: %(allowed)s.",
                        code=json.dumps(code_key),
                        allowed=", ".join(Code.search([]).mapped("code")),
                    ),
                )
            vals.update(resolution_note=Markup("<p>%s</p>") % note, closure_code_id=code.id)
        return vals

    def _pipeline_message(self, strings, vals):
        labels = {"success": self.env._("succeeded"), "failure": self.env._("failed")}
        if strings["status"]:
            headline = self.env._(
                "Pipeline %(source_name)s %(result)s.", source_name=self.name, result=labels[strings["status"]]
            )
        else:
            headline = self.env._("Pipeline %(source_name)s reports:", source_name=self.name)
        body = Markup("<p><strong>%s</strong></p>") % headline
        if strings["note"]:
            body += Markup("<p>%s</p>") % strings["note"]
        if strings["build_url"]:
            body += Markup('<p><a href="%s" target="_blank">%s</a></p>') % (
                strings["build_url"],
                self.env._("Open the build"),
            )
        if vals.get("stage_id"):
            body += Markup("<p>%s</p>") % self.env._(
                "Stage set to %(stage)s.", stage=self.env["helpdesk.stage"].browse(vals["stage_id"]).name
            )
        return body
