"""Machine endpoints: monitoring alerts and CI/CD pipeline status.

    POST /helpdesk/alert/<source_id>       Alertmanager, Grafana or generic JSON alerts
    POST /helpdesk/pipeline/<source_id>    pipeline status for a ticket

Authentication is the source's secret token (``Authorization: Bearer <token>`` or
``X-Helpdesk-Token: <token>``), not a session: no cookie, no CSRF token. Responses are
JSON. A refused request returns its error response instead of raising, after rolling
back whatever it had started, so that the rejection it logs is committed and nothing
else is. Beyond 30 refusals in 10 minutes from one client address, refusals answer 429
without writing anything (`helpdesk.rate.limit`, scope `endpoint`).
"""

import json
import logging
import re

import psycopg2

from odoo import SUPERUSER_ID, http
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.http import request
from odoo.tools.translate import LazyGettext

from ..tools.alert_payload import AlertPayloadError

_logger = logging.getLogger(__name__)

BEARER_RE = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class HelpdeskAlertController(http.Controller):
    @http.route(
        "/helpdesk/alert/<int:source_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def helpdesk_alert(self, source_id, **kwargs):
        return self._serve("alert", source_id)

    @http.route(
        "/helpdesk/pipeline/<int:source_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def helpdesk_pipeline(self, source_id, **kwargs):
        return self._serve("pipeline", source_id)

    def _serve(self, endpoint, source_id):
        # The endpoints act as OdooBot: the token, not a user, is the credential.
        env = request.env(user=SUPERUSER_ID)
        source = env["helpdesk.alert.source"].browse(source_id).exists().filtered("active")
        body = None
        try:
            if not source:
                raise AlertPayloadError(404, env._("Source %(id)s does not exist or is archived.", id=source_id))
            self._check_token(env, source)
            if source.kind != endpoint:
                raise AlertPayloadError(
                    404,
                    env._(
                        "Source %(id)s is a %(kind)s source: post to /helpdesk/%(right)s/%(id)s.",
                        id=source_id,
                        kind=dict(source._fields["kind"]._description_selection(env))[source.kind],
                        right=source.kind,
                    ),
                )
            body = self._read_body(env, source.max_payload_kb * 1024)
            payload = self._parse_json(env, body)
            with env.cr.savepoint():
                if endpoint == "alert":
                    alerts = source._parse_alerts(payload)
                    results = source._process_alerts(alerts)
                    result = {
                        "received": len(alerts),
                        "created": sum(1 for r in results if r["action"] == "created"),
                        "results": results,
                    }
                else:
                    result = source._process_pipeline(payload)
        except AlertPayloadError as error:
            # Payload parsing (tools/alert_payload.py) has no env: its messages are lazy.
            message = env._(error.message) if isinstance(error.message, LazyGettext) else error.message
            return self._reject(env, endpoint, source, error.status, message, body)
        except (ValidationError, UserError) as error:
            # The savepoint was rolled back: nothing of this request remains.
            return self._reject(env, endpoint, source, 422, str(error.args[0]), body)
        except (psycopg2.OperationalError, ConcurrencyError):
            raise  # serialization failure, lock, concurrent alert: retried by the HTTP layer
        except Exception as error:  # noqa: BLE001 - every request ends in a result or a logged rejection
            _logger.exception("helpdesk %s endpoint failed on source %s", endpoint, source_id)
            message = env._("Internal error (%(error)s); the request was not processed.", error=type(error).__name__)
            return self._reject(env, endpoint, source, 500, message, body)
        return request.make_json_response({"ok": True, "source": source.name, **result})

    def _check_token(self, env, source):
        headers = request.httprequest.headers
        token = headers.get("X-Helpdesk-Token", "").strip()
        authorization = headers.get("Authorization")
        if not token and authorization:
            match = BEARER_RE.match(authorization)
            token = match.group(1) if match else ""
        if not token:
            raise AlertPayloadError(
                401,
                env._("Missing token: send “Authorization: Bearer <token>” or “X-Helpdesk-Token: <token>”."),
            )
        if not source._check_token(token):
            raise AlertPayloadError(403, env._("Invalid token for source %(id)s.", id=source.id))

    def _read_body(self, env, limit):
        """The request body, refused (413) beyond `limit` bytes, read at most once."""
        httprequest = request.httprequest
        too_large = AlertPayloadError(
            413, env._("Payload too large: this source accepts at most %(kb)s KB.", kb=limit // 1024)
        )
        if httprequest.content_length is not None and httprequest.content_length > limit:
            raise too_large
        if httprequest.mimetype in FORM_MIMETYPES:
            raise AlertPayloadError(
                400,
                env._(
                    "Expected a JSON body with “Content-Type: application/json”, got %(type)s.",
                    type=httprequest.mimetype,
                ),
            )
        # Cached by werkzeug: a retry after a serialization failure reads it again. A
        # chunked body (no Content-Length) is only measured once read; the reverse proxy's
        # body size limit protects the server's memory there.
        body = httprequest.get_data()
        if len(body) > limit:
            raise too_large
        return body

    def _parse_json(self, env, body):
        if not body.strip():
            raise AlertPayloadError(400, env._("Empty body: send a JSON object."))
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise AlertPayloadError(400, env._("Malformed JSON: %(error)s.", error=error)) from error

    def _reject(self, env, endpoint, source, status, message, body):
        wait = env["helpdesk.rate.limit"]._consume_request("endpoint")
        if wait:
            # A flood of bad requests (a scanner, a broken script) is not logged row by row.
            return request.make_json_response(
                {
                    "ok": False,
                    "error": env._(
                        "Too many refused requests from %(address)s; try again in %(seconds)s seconds. Last refusal: "
                        "%(message)s",
                        address=request.httprequest.remote_addr,
                        seconds=wait,
                        message=message,
                    ),
                },
                headers={"Retry-After": str(wait)},
                status=429,
            )
        env["helpdesk.alert.rejection"]._log(
            message,
            status,
            source=source,
            endpoint=endpoint,
            payload=body,
            http_request=request.httprequest,
        )
        _logger.info("helpdesk %s endpoint refused a request (%s): %s", endpoint, status, message)
        headers = {"WWW-Authenticate": 'Bearer realm="helpdesk"'} if status == 401 else None
        return request.make_json_response({"ok": False, "error": message}, headers=headers, status=status)
