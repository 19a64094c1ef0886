"""Ticket metrics: the arithmetic of the figures a ticket stamps when events happen.

Pure Python, no ORM. ``helpdesk.ticket`` calls these functions at each event (creation,
stage, team and assignee changes, agent replies, escalations) and the 19.0.1.2.0 migration
calls them on the history it rebuilds from the chatter, so that both give the same figures.

Datetimes are naive UTC, as Odoo stores them. A clock is a ``BusinessClock``
(tools/business_clock.py) or None when the ticket has no working calendar: its business
hours are then calendar hours.
"""

# Who waits while a ticket is in a state: the requester while the desk has the ticket
# (new, in progress), the agent while it waits on the customer (pending). Resolved,
# closed and cancelled tickets keep nobody waiting.
WAITING_PARTY = {"new": "requester", "in_progress": "requester", "pending": "agent"}


def elapsed(clock, start, stop):
    """(calendar hours, business hours) from `start` to `stop`; (0.0, 0.0) when either is
    missing or `stop` is not after `start` (a zero stays a zero, never "no value")."""
    if not start or not stop or stop <= start:
        return 0.0, 0.0
    hours = (stop - start).total_seconds() / 3600
    return hours, (clock.duration(start, stop) if clock else hours)


def waiting_party(state):
    """ "requester", "agent" or None: who waits while a ticket is in ITIL `state`."""
    return WAITING_PARTY.get(state)


def state_segments(created, initial_state, changes):
    """The finished stretches of a ticket's life, [(state, start, stop)], from its creation
    date, the state it was created in and its state changes [(date, new state)]. The
    stretch still running (from the last change on) is not included: it is counted when the
    ticket leaves it."""
    segments = []
    state, since = initial_state, created
    for when, new_state in sorted(changes, key=lambda change: change[0]):
        segments.append((state, since, when))
        state, since = new_state, when
    return segments


def wait_hours(clock, segments):
    """{party: [calendar hours, business hours]} waited in `segments` [(state, start, stop)],
    for "requester" and "agent"."""
    totals = {"requester": [0.0, 0.0], "agent": [0.0, 0.0]}
    for state, start, stop in segments:
        party = waiting_party(state)
        if party:
            hours, business = elapsed(clock, start, stop)
            totals[party][0] += hours
            totals[party][1] += business
    return totals


def is_one_touch(replies, reopens):
    """Resolved with at most one public agent reply, never reopened."""
    return replies <= 1 and not reopens


def is_first_contact_resolution(transfers, escalations, reopens):
    """Resolved by the team that first had it (no team transfer), never escalated, never
    reopened."""
    return not transfers and not escalations and not reopens
