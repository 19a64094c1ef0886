import json
import logging
import math
import threading
import time
from datetime import timedelta

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.http import request
from odoo.sql_db import Cursor
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Public entry points and their limits per client address: (window, accepted requests).
RATE_LIMITS = {
    "web_form": ((timedelta(minutes=10), 5), (timedelta(days=1), 20)),
    "chatbot": ((timedelta(minutes=10), 5), (timedelta(days=1), 20)),
    "endpoint": ((timedelta(minutes=10), 30),),
}
SCOPES = [
    ("web_form", "Public Web Form"),
    ("chatbot", "Live Chat Ticket"),
    ("endpoint", "Alert/Pipeline Refusals"),
]
# Refusals beyond a limit are counted in the server process and written at most this often
# per address (and scope), so that a flood costs no write per request.
FLUSH_SECONDS = 60
# Addresses without a refusal are forgotten after a day, the others after this many days.
KEEP_REFUSED_DAYS = 30


class HelpdeskRateLimit(models.Model):
    """What a client address did at a public entry point: its recent accepted requests, and
    how many were refused beyond the limit.

    One row per (scope, address). A request under the limits locks and updates its row in a
    short READ COMMITTED transaction of its own: concurrent requests of one address queue on
    the lock and each reads the count the previous one committed, so a limit is never
    exceeded. A refused request reads the row and writes nothing: its refusal is counted in
    this process's memory (as Odoo counts login failures) and added to the row at most once
    a minute.
    """

    _name = "helpdesk.rate.limit"
    _description = "Helpdesk Rate Limit"
    _order = "last_refused desc, id desc"
    _rec_name = "remote_addr"

    scope = fields.Selection(SCOPES, required=True, readonly=True)
    remote_addr = fields.Char(string="Client Address", required=True, readonly=True)
    hits = fields.Text(readonly=True, help="When the recent accepted requests came (JSON, UTC).")
    hit_count = fields.Integer(
        string="Accepted (last day)", readonly=True, help="Requests accepted in the longest window."
    )
    last_hit = fields.Datetime(string="Last Accepted", readonly=True)
    refused_count = fields.Integer(
        string="Refused", readonly=True, help="Requests refused beyond the limit (written at most once a minute)."
    )
    first_refused = fields.Datetime(readonly=True)
    last_refused = fields.Datetime(readonly=True, index=True)

    _scope_addr_uniq = models.Constraint("unique (scope, remote_addr)", "One row per scope and address.")

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.model
    def _consume_request(self, scope):
        """`_consume(scope, address)` for the current HTTP request's client address; 0 (allowed)
        outside a request."""
        if not request:
            return 0
        return self._consume(scope, request.httprequest.remote_addr or "unknown")

    @api.model
    def _consume(self, scope, remote_addr):
        """Count one request of `remote_addr` at `scope` if its limits allow it and return 0;
        else return the seconds until one is allowed, having written nothing."""
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                "SELECT id, hits FROM %s WHERE scope = %s AND remote_addr = %s",
                SQL.identifier(self._table),
                scope,
                remote_addr,
            )
        )
        wait = self._wait_seconds(scope, rows[0][1] if rows else None, now)
        if wait:
            self._count_refusal(scope, remote_addr, rows[0][0])
            return wait
        # Counted in a short transaction of its own, in READ COMMITTED: concurrent requests of
        # one address queue on the row lock and each then reads the count the previous one
        # committed (in the request's REPEATABLE READ snapshot they would fail to serialise).
        # The request counts even if what it asked for fails afterwards: it was an attempt.
        with self.env.registry.cursor() as cr:
            if isinstance(cr, Cursor):  # not a test cursor, which shares the test's transaction
                cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            row_id, wait = self.with_env(self.env(cr=cr))._consume_locked(scope, remote_addr, now)
        if wait:
            self._count_refusal(scope, remote_addr, row_id)
        return wait

    @api.model
    def _consume_locked(self, scope, remote_addr, now):
        """(row id, seconds to wait): the row of (scope, address) locked, one more request
        counted on it when the limits allow it."""
        table = SQL.identifier(self._table)
        self.env.execute_query(
            SQL(
                "INSERT INTO %s (scope, remote_addr, hits, hit_count, refused_count, create_date, write_date,"
                " create_uid, write_uid) VALUES (%s, %s, '[]', 0, 0, %s, %s, %s, %s)"
                " ON CONFLICT (scope, remote_addr) DO NOTHING",
                table,
                scope,
                remote_addr,
                now,
                now,
                self.env.uid,
                self.env.uid,
            )
        )
        [(row_id, hits)] = self.env.execute_query(
            SQL(
                "SELECT id, hits FROM %s WHERE scope = %s AND remote_addr = %s FOR NO KEY UPDATE",
                table,
                scope,
                remote_addr,
            )
        )
        wait = self._wait_seconds(scope, hits, now)
        if not wait:
            recent = self._recent_hits(scope, hits, now) + [fields.Datetime.to_string(now)]
            self.env.execute_query(
                SQL(
                    "UPDATE %s SET hits = %s, hit_count = %s, last_hit = %s, write_date = %s WHERE id = %s",
                    table,
                    json.dumps(recent),
                    len(recent),
                    now,
                    now,
                    row_id,
                )
            )
        self.env["helpdesk.rate.limit"].invalidate_model(["hits", "hit_count", "last_hit"])
        return row_id, wait

    @api.model
    def _recent_hits(self, scope, hits, now):
        """The accepted requests of `hits` (JSON) still inside the longest window of `scope`."""
        longest = max(window for window, _limit in RATE_LIMITS[scope])
        since = fields.Datetime.to_string(now - longest)
        return sorted(hit for hit in json.loads(hits or "[]") if hit > since)

    @api.model
    def _wait_seconds(self, scope, hits, now):
        """0 when one more request fits every window of `scope`, else the seconds until it does."""
        recent = self._recent_hits(scope, hits, now)
        wait = 0
        for window, limit in RATE_LIMITS[scope]:
            since = fields.Datetime.to_string(now - window)
            inside = [hit for hit in recent if hit > since]
            if len(inside) >= limit:
                # The oldest request of the window that must leave it for one more to fit.
                frees = fields.Datetime.to_datetime(inside[len(inside) - limit]) + window
                wait = max(wait, math.ceil((frees - now).total_seconds()) or 1)
        return wait

    # ------------------------------------------------------------------
    # Refusals: counted in memory, written at most once a minute
    # ------------------------------------------------------------------

    def _refusal_counter(self):
        registry = self.env.registry
        counter = getattr(registry, "_helpdesk_refusals", None)
        if counter is None:
            counter = registry._helpdesk_refusals = {"lock": threading.Lock(), "pending": {}}
        return counter

    @api.model
    def _count_refusal(self, scope, remote_addr, row_id):
        counter = self._refusal_counter()
        with counter["lock"]:
            pending, flushed_at = counter["pending"].get(row_id, (0, 0.0))
            pending += 1
            due = time.monotonic() - flushed_at >= FLUSH_SECONDS
            counter["pending"][row_id] = (pending, flushed_at)
        if pending == 1 and not flushed_at:
            _logger.warning("Helpdesk %s: requests from %s refused beyond the rate limit", scope, remote_addr)
        if due:
            self._flush_refusals([row_id])

    @api.model
    def _flush_refusals(self, row_ids=None):
        """Add the refusals counted in this process to their rows (all rows by default), in a
        transaction of their own: the refused request itself writes nothing."""
        counter = self._refusal_counter()
        now_monotonic = time.monotonic()
        with counter["lock"]:
            taken = {}
            for row_id in row_ids or list(counter["pending"]):
                pending, _flushed_at = counter["pending"].get(row_id, (0, 0.0))
                if pending:
                    taken[row_id] = pending
                    counter["pending"][row_id] = (0, now_monotonic)
        if not taken:
            return
        now = fields.Datetime.now()
        try:
            with self.env.registry.cursor() as cr:
                for row_id, count in taken.items():
                    cr.execute(
                        SQL(
                            "UPDATE %s SET refused_count = refused_count + %s, last_refused = %s,"
                            " first_refused = COALESCE(first_refused, %s) WHERE id = %s",
                            SQL.identifier(self._table),
                            count,
                            now,
                            now,
                            row_id,
                        )
                    )
        except Exception:  # noqa: BLE001 - a count not written now is written with the next flush
            _logger.info("Helpdesk rate limit: refusals not written this time", exc_info=True)
            with counter["lock"]:
                for row_id, count in taken.items():
                    pending, flushed_at = counter["pending"].get(row_id, (0, 0.0))
                    counter["pending"][row_id] = (pending + count, flushed_at)
            return
        self.invalidate_model(["refused_count", "last_refused", "first_refused"])
        for row_id, count in taken.items():
            _logger.info("Helpdesk rate limit: %s more requests refused (rate limit %s)", count, row_id)

    @api.autovacuum
    def _gc_rate_limits(self):
        now = fields.Datetime.now()
        self.search(
            [
                ("write_date", "<", now - timedelta(days=1)),
                "|",
                ("last_refused", "=", False),
                ("last_refused", "<", now - timedelta(days=KEEP_REFUSED_DAYS)),
            ]
        ).unlink()
