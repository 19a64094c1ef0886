"""19.0.1.2.0: metrics stamped on the ticket when their event happens (helpdesk.ticket._kpi_*).

Existing tickets get the figures their events would have stamped, rebuilt from what the
database kept, with the same arithmetic (tools/ticket_metrics.py):

* first resolution: the first stage change into a resolved or closed stage in the chatter's
  tracking values, else the resolution date; a reopened ticket whose stage changes were not
  tracked: its first resolution SLA line reached or failed;
* first assignment: the first assignee change in the chatter (from nobody: its date; from
  someone: the ticket was assigned at creation), else the assignment date;
* durations from creation to the first assignment, the first response, the first and last
  resolution and the closure;
* requester and agent waits: the stretches between the tracked stage changes, the one still
  running left for the next stage change (as the live stamps do); a ticket without any
  tracked stage change takes them from the closed intervals of its resolution SLA lines
  (running: the requester waits, paused: the agent waits);
* public agent replies: public comments and emails of internal users other than OdooBot
  (archived users included: they were agents when they wrote); escalations: the escalation
  log; team transfers: the team changes in the chatter;
* one-touch and first-contact resolution for resolved tickets never reopened, with the
  replies, escalations and transfers up to the resolution.

Business hours run on each ticket's clock (``_get_clock_key``: its team's working hours, else
its company's) with the SLA engine's business clock; without a calendar they are calendar
hours. Set-based: per batch of tickets a fixed number of queries and one UPDATE.
"""

from collections import defaultdict

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, split_every

from odoo.addons.helpdesk_itil.models.helpdesk_stage import RESOLUTION_STATES
from odoo.addons.helpdesk_itil.tools import ticket_metrics

BATCH_SIZE = 2000
DURATIONS = (
    "kpi_assign",
    "kpi_first_response",
    "kpi_first_resolution",
    "kpi_resolution",
    "kpi_close",
    "kpi_requester_wait",
    "kpi_agent_wait",
)
COLUMNS = (
    "first_resolved_date",
    *(f"{prefix}_{unit}" for prefix in DURATIONS for unit in ("hours", "business_hours")),
    "kpi_reply_count",
    "kpi_escalation_count",
    "kpi_team_transfer_count",
    "kpi_one_touch",
    "kpi_first_contact_resolution",
)
# The SLA fallback of the waits: a running interval is time the requester waits, a paused one
# time the agent waits.
INTERVAL_STATES = {"running": "in_progress", "paused": "pending"}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute("SELECT id FROM helpdesk_ticket ORDER BY id")
    ticket_ids = [row[0] for row in cr.fetchall()]
    # One set of clocks for the whole run: each batch fetches only the days it adds.
    clocks = env["resource.calendar"]._helpdesk_clocks()
    for batch in split_every(BATCH_SIZE, ticket_ids, list):
        stamp_tickets(env, batch, clocks)
        env.invalidate_all()


def stamp_tickets(env, ticket_ids, clocks):
    """Compute and write the metrics of `ticket_ids` (a batch)."""
    history = read_history(env, ticket_ids)
    records = env["helpdesk.ticket"].browse(ticket_ids)
    records.fetch(["team_id", "company_id"])  # not the whole rows (descriptions, notes)
    keys = {ticket.id: ticket._get_clock_key() for ticket in records}
    tickets = read_tickets(env, ticket_ids)
    for ticket in tickets:
        key = keys[ticket["id"]]
        if key:
            clocks.need(key, ticket["create_date"], ticket["last_stage_update"] or ticket["create_date"])
            for date in (ticket["resolved_date"], ticket["closed_date"], ticket["first_response_date"]):
                if date:
                    clocks.need(key, ticket["create_date"], date)
    rows = []
    for ticket in tickets:
        key = keys[ticket["id"]]
        clock = clocks.get(key) if key else None
        values = ticket_values(ticket, history, clock)
        rows.append((ticket["id"], *(values[column] for column in COLUMNS)))
    write_rows(env, rows)


def read_tickets(env, ticket_ids):
    env.cr.execute(
        """
        SELECT ticket.id, ticket.create_date, ticket.last_stage_update, ticket.assign_date,
               ticket.first_response_date, ticket.resolved_date, ticket.closed_date,
               COALESCE(ticket.reopen_count, 0) AS reopen_count, stage.state
          FROM helpdesk_ticket ticket
          LEFT JOIN helpdesk_stage stage ON stage.id = ticket.stage_id
         WHERE ticket.id = ANY(%s)
         ORDER BY ticket.id
        """,
        [ticket_ids],
    )
    return env.cr.dictfetchall()


def read_history(env, ticket_ids):
    """What the chatter, the escalation log and the SLA lines say about the tickets:
    {kind: {ticket id: [rows, in date order]}}."""
    history = defaultdict(lambda: defaultdict(list))

    def collect(kind, query):
        env.cr.execute(query)
        for ticket_id, *row in env.cr.fetchall():
            history[kind][ticket_id].append(row)

    def tracked(fname, states=False):
        """Changes of a tracked field: date, old value, new value (and the stages' states)."""
        return SQL(
            """
            SELECT message.res_id, message.date, value.old_value_integer, value.new_value_integer %s
              FROM mail_tracking_value value
              JOIN mail_message message ON message.id = value.mail_message_id
              %s
             WHERE message.model = 'helpdesk.ticket' AND message.res_id = ANY(%s) AND value.field_id = %s
             ORDER BY message.res_id, message.date, value.id
            """,
            SQL(", old_stage.state, new_stage.state") if states else SQL(),
            SQL(
                "LEFT JOIN helpdesk_stage old_stage ON old_stage.id = value.old_value_integer "
                "LEFT JOIN helpdesk_stage new_stage ON new_stage.id = value.new_value_integer"
            )
            if states
            else SQL(),
            ticket_ids,
            env["ir.model.fields"]._get("helpdesk.ticket", fname).id,
        )

    collect("stage", tracked("stage_id", states=True))
    collect("team", tracked("team_id"))
    collect("user", tracked("user_id"))
    # Public agent replies: helpdesk.ticket._is_first_response in SQL.
    collect(
        "reply",
        SQL(
            """
            SELECT message.res_id, message.date
              FROM mail_message message
             WHERE message.model = 'helpdesk.ticket' AND message.res_id = ANY(%s)
               AND message.message_type IN ('comment', 'email')
               AND message.subtype_id = %s
               AND message.author_id != %s
               AND EXISTS (
                       SELECT 1 FROM res_users author WHERE author.partner_id = message.author_id AND NOT author.share
                   )
             ORDER BY message.res_id, message.date
            """,
            ticket_ids,
            env.ref("mail.mt_comment").id,
            env.ref("base.partner_root").id,
        ),
    )
    collect(
        "escalation",
        SQL(
            "SELECT ticket_id, date FROM helpdesk_escalation_log WHERE ticket_id = ANY(%s) ORDER BY ticket_id, date",
            ticket_ids,
        ),
    )
    # Resolution SLA lines: their closed intervals (the waits of tickets without tracked
    # stage changes) and their first settlement (the first resolution of reopened ones).
    collect(
        "interval",
        SQL(
            """
            SELECT line.ticket_id, line.kind, interval.kind, interval.date_start, interval.date_stop
              FROM helpdesk_ticket_sla_interval interval
              JOIN helpdesk_ticket_sla line ON line.id = interval.sla_id
             WHERE line.ticket_id = ANY(%s) AND line.metric = 'resolution' AND interval.date_stop IS NOT NULL
             ORDER BY line.ticket_id, interval.date_start, interval.id
            """,
            ticket_ids,
        ),
    )
    collect(
        "settled",
        SQL(
            """
            SELECT ticket_id, MIN(settled_date)
              FROM helpdesk_ticket_sla
             WHERE ticket_id = ANY(%s) AND metric = 'resolution' AND status IN ('reached', 'failed')
             GROUP BY ticket_id
            """,
            ticket_ids,
        ),
    )
    return history


def ticket_values(ticket, history, clock):
    """The metric columns of one ticket from its row and its history."""
    ticket_id, created = ticket["id"], ticket["create_date"]
    stage_changes = history["stage"].get(ticket_id, [])
    resolved, reopens = ticket["resolved_date"], ticket["reopen_count"]

    # First resolution.
    candidates = [date for date, _old, _new, _old_state, new_state in stage_changes if new_state in RESOLUTION_STATES]
    if resolved:
        candidates.append(resolved)
    if not stage_changes and reopens:
        candidates += [date for (date,) in history["settled"].get(ticket_id, [])]
    first_resolved = min(candidates) if candidates else None

    # First assignment.
    user_changes = history["user"].get(ticket_id, [])
    if user_changes:
        first_date, first_old = user_changes[0][0], user_changes[0][1]
        first_assigned = created if first_old else first_date
        if ticket["assign_date"]:
            first_assigned = min(first_assigned, ticket["assign_date"])
    else:
        first_assigned = ticket["assign_date"]

    # Waits.
    if stage_changes:
        initial = stage_changes[0][3] or ticket["state"]
        segments = ticket_metrics.state_segments(
            created, initial, [(date, new_state) for date, _old, _new, _old_state, new_state in stage_changes]
        )
    else:
        intervals = history["interval"].get(ticket_id, [])
        # One kind of line only (SLA lines, else OLA lines): their clocks run side by side.
        kinds = {line_kind for line_kind, *_rest in intervals}
        kind = "sla" if "sla" in kinds else "ola"
        segments = [
            (INTERVAL_STATES[interval_kind], start, stop)
            for line_kind, interval_kind, start, stop in intervals
            if line_kind == kind
        ]
    waits = ticket_metrics.wait_hours(clock, segments)

    def until_resolution(kind):
        return sum(1 for (date, *_rest) in history[kind].get(ticket_id, []) if resolved and date <= resolved)

    values = {
        "first_resolved_date": first_resolved,
        "kpi_reply_count": len(history["reply"].get(ticket_id, [])),
        "kpi_escalation_count": len(history["escalation"].get(ticket_id, [])),
        "kpi_team_transfer_count": len(history["team"].get(ticket_id, [])),
        "kpi_one_touch": bool(resolved) and ticket_metrics.is_one_touch(until_resolution("reply"), reopens),
        "kpi_first_contact_resolution": bool(resolved)
        and ticket_metrics.is_first_contact_resolution(
            until_resolution("team"), until_resolution("escalation"), reopens
        ),
    }
    spans = {
        "kpi_assign": first_assigned,
        "kpi_first_response": ticket["first_response_date"],
        "kpi_first_resolution": first_resolved,
        "kpi_resolution": resolved,
        "kpi_close": ticket["closed_date"],
    }
    for prefix, stop in spans.items():
        values[f"{prefix}_hours"], values[f"{prefix}_business_hours"] = ticket_metrics.elapsed(clock, created, stop)
    for party in ("requester", "agent"):
        values[f"kpi_{party}_wait_hours"], values[f"kpi_{party}_wait_business_hours"] = waits[party]
    return values


def write_rows(env, rows):
    """One UPDATE for the batch: rows are (id, *COLUMNS)."""
    if not rows:
        return
    fields = env["helpdesk.ticket"]._fields
    env.cr.execute(
        SQL(
            "UPDATE helpdesk_ticket SET %s FROM (VALUES %s) AS kpi(id, %s) WHERE helpdesk_ticket.id = kpi.id",
            SQL(", ").join(
                SQL(
                    "%s = kpi.%s::%s",
                    SQL.identifier(column),
                    SQL.identifier(column),
                    SQL(fields[column].column_type[1]),
                )
                for column in COLUMNS
            ),
            SQL(", ").join(rows),
            SQL(", ").join(SQL.identifier(column) for column in COLUMNS),
        )
    )
