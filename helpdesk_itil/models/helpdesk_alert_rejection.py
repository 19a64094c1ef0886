from datetime import timedelta

from odoo import api, fields, models

EXCERPT_SIZE = 1000
# Rejections are kept this long (days), then removed by the autovacuum.
KEEP_DAYS = 90


class HelpdeskAlertRejection(models.Model):
    """A request refused by the alert or pipeline endpoint, with the reason.

    Written by the endpoint in the transaction of the refused request, which ends
    with an error response instead of an exception, so the log survives while
    nothing else was written.
    """

    _name = "helpdesk.alert.rejection"
    _description = "Helpdesk Alert Rejection"
    _order = "date desc, id desc"
    _rec_name = "reason"

    source_id = fields.Many2one(
        "helpdesk.alert.source",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="Empty when the request named a source that does not exist.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True, index=True)
    endpoint = fields.Selection(
        [("alert", "Alert"), ("pipeline", "Pipeline")], required=True, default="alert", readonly=True
    )
    path = fields.Char(string="URL Path", readonly=True)
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    http_status = fields.Integer(string="HTTP Status", readonly=True)
    reason = fields.Text(required=True, readonly=True)
    payload_excerpt = fields.Text(
        readonly=True, help=f"The first {EXCERPT_SIZE} characters of the request body, when it was read."
    )

    @api.model
    def _log(self, reason, http_status, source=None, endpoint="alert", payload=None, http_request=None):
        """Record a rejection; `payload` is the raw body (bytes or str) when it was read."""
        excerpt = False
        if payload:
            if isinstance(payload, bytes):
                payload = payload[: EXCERPT_SIZE * 4].decode("utf-8", errors="replace")
            # PostgreSQL text cannot hold NUL characters.
            excerpt = payload[:EXCERPT_SIZE].replace("\x00", "\ufffd")
        vals = {
            "source_id": source.id if source else False,
            "endpoint": endpoint,
            "http_status": http_status,
            "reason": reason,
            "payload_excerpt": excerpt,
        }
        if http_request is not None:
            vals.update(
                path=http_request.path[:255],
                remote_addr=http_request.remote_addr,
                user_agent=(http_request.user_agent.string or "")[:255],
            )
        return self.sudo().create(vals)

    @api.autovacuum
    def _gc_old_rejections(self):
        limit_date = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search([("date", "<", limit_date)]).unlink()
