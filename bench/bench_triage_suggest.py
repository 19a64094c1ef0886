#!/usr/bin/env python3
"""How often the first suggested category is right.

A ticket that arrives without a category (no triage rule gave one) gets the categories of
the most similar resolved tickets as suggestions (`helpdesk.ticket.category.suggestion`,
found in `create()`). This measures the first suggestion against the category the ticket
really belongs to:

* **generated** (default): N resolved tickets (default 20,000) are inserted by SQL: 12
  categories, each with its own everyday requests written several ways, some requests
  that two categories share (a "cannot print to PDF" is software or printer), 300
  customer companies that each lean to a few categories, details and typos added to the
  subjects. Then S new tickets (default 500) from the same customers, drawn the same way,
  are created through the ORM in one `create()` call, and their suggestions are compared
  with the category they were drawn from;
* **--existing**: leave-one-out on the database as it is (e.g. the demo data): each
  resolved or closed ticket with a category is compared with the others, as if it had
  just arrived without one.

Reported: first-suggestion accuracy (over the tickets with a suggestion and over all),
top-3 accuracy, coverage (tickets with at least one suggestion), the cost of the lookup per
ticket. Everything runs in one transaction that is rolled back.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_triage_suggest.py \\
        --tickets 20000 --samples 500 -- -c .odoo/odoo.conf -d helpdesk
    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_triage_suggest.py \\
        --existing -- -c .odoo/odoo.conf -d helpdesk_demo

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import os
import random
import statistics
import sys
import time

# Category → the requests people file under it, each written a few ways.
CATEGORIES = {
    "Printer": [
        "printer {n} jams on double-sided jobs",
        "paper jam in printer {n}",
        "label printer at dock {n} prints blank labels",
        "toner empty on printer {n}",
        "printer on floor {n} offline",
    ],
    "VPN": [
        "vpn drops every {n} minutes",
        "cannot connect to the vpn from home",
        "vpn client error {n}",
        "remote access very slow over vpn",
    ],
    "Wi-Fi": [
        "wi-fi lost in warehouse {n}",
        "wifi keeps disconnecting in meeting room {n}",
        "no wireless signal at desk {n}",
        "scanners drop off the wi-fi in aisle {n}",
    ],
    "Password Reset": [
        "password reset for user {n}",
        "locked out of my account",
        "forgot my password again",
        "account locked after {n} attempts",
    ],
    "New Account": [
        "new account for a temporary worker",
        "accounts for {n} new starters on monday",
        "new employee needs email and erp access",
        "create user for the new intern",
    ],
    "Laptop": [
        "laptop {n} does not boot",
        "laptop battery drains in {n} minutes",
        "docking station {n} not detected by the laptop",
        "laptop screen cracked",
    ],
    "Email": [
        "outlook keeps asking for the password",
        "email to customers bounces",
        "order confirmation emails end in spam",
        "mailbox full, cannot send",
    ],
    "ERP": [
        "cannot log in to the erp",
        "erp picking list does not load",
        "stock valuation report times out",
        "invoice pdf is empty in the erp",
    ],
    "Phone": [
        "phone extension {n} has no dial tone",
        "teams calls drop after {n} minutes",
        "headset microphone not working",
        "voicemail not reaching email",
    ],
    "Backup": [
        "backup of file server {n} failed",
        "restore a deleted folder from yesterday",
        "nightly backup job took {n} hours",
    ],
    "Quotation Request": [
        "quote for {n} laptops",
        "price list for the new service contract",
        "quotation for extra licences",
    ],
    "Access": [
        "access to the sales folder",
        "remove access for a leaver",
        "badge reader at entrance {n} rejects badges",
        "need rights on the shared drive",
    ],
}
# Requests filed under either of two categories (a coin decides, as desks do).
SHARED = [
    ("cannot print to pdf", "Printer", "ERP"),
    ("slow internet at store {n}", "Wi-Fi", "VPN"),
    ("cannot sync the calendar on phone {n}", "Phone", "Email"),
    ("two-factor codes not received", "Password Reset", "Access"),
]
DETAILS = [
    "",
    "",
    " since this morning",
    " again",
    " for the night shift",
    " after the update",
    " urgent",
    " - please help",
    " (2nd time this week)",
]
PREFIXES = ["", "", "", "re: ", "fw: ", "problem: ", "help: "]
CUSTOMERS = 300


def import_odoo():
    try:
        import odoo  # noqa: F401
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)


def say(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def typo(rng, text):
    """Swap two neighbouring letters of one word, sometimes."""
    if rng.random() > 0.2 or len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def draw(rng, leaning):
    """(subject, category name) of one request of a customer who leans to `leaning`."""
    if rng.random() < 0.12:
        template, first, second = rng.choice(SHARED)
        category = first if rng.random() < 0.6 else second
    else:
        category = rng.choice(leaning) if rng.random() < 0.6 else rng.choice(list(CATEGORIES))
        template = rng.choice(CATEGORIES[category])
    subject = rng.choice(PREFIXES) + template.format(n=rng.randrange(1, 60)) + rng.choice(DETAILS)
    return typo(rng, subject), category


def evaluate(pairs):
    """pairs: [(true category, [suggested categories by rank])] → figures."""
    total = len(pairs)
    suggested = [(truth, ranks) for truth, ranks in pairs if ranks]
    first = sum(1 for truth, ranks in suggested if ranks[0] == truth)
    top3 = sum(1 for truth, ranks in suggested if truth in ranks[:3])
    return {
        "tickets": total,
        "coverage": len(suggested) / total if total else 0.0,
        "first_when_suggested": first / len(suggested) if suggested else 0.0,
        "first_overall": first / total if total else 0.0,
        "top3_when_suggested": top3 / len(suggested) if suggested else 0.0,
    }


def report(title, figures, times=None):
    say(
        f"{title}: {figures['tickets']} tickets; coverage {100 * figures['coverage']:.1f} %; first suggestion right "
        f"{100 * figures['first_when_suggested']:.1f} % of the suggested ({100 * figures['first_overall']:.1f} % "
        f"of all); right category among the first three {100 * figures['top3_when_suggested']:.1f} %"
    )
    if times:
        ordered = sorted(times)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        say(f"lookup per ticket: median {1000 * statistics.median(ordered):.2f} ms, p95 {1000 * p95:.2f} ms")


def insert_history(env, count, team, categories, customers, leanings, rng):
    """`count` closed tickets by SQL, each with the category it was drawn from."""
    from odoo.addons.helpdesk_itil.tools.text import normalize_subject

    stage = env["helpdesk.stage"].search([("state", "=", "closed")], limit=1)
    rows = []
    for _ in range(count):
        customer = rng.choice(customers)
        name, category = draw(rng, leanings[customer.id])
        rows.append((name, normalize_subject(name), categories[category].id, customer.id))
    env.cr.execute("SELECT max(id) FROM helpdesk_ticket")
    base = (env.cr.fetchone()[0] or 0) + 1
    env.cr.execute(
        """
        INSERT INTO helpdesk_ticket (
            company_id, team_id, name, subject_normalized, channel, impact, urgency, priority,
            customer_confirmation, stage_id, state, is_closed, active, category_id, partner_id,
            commercial_partner_id, create_date, write_date, reference)
        SELECT %(company)s, %(team)s, t.name, t.normalized, 'email', 'medium', 'medium', '3', 'none',
               %(stage)s, 'closed', true, true, t.category, t.customer, t.customer,
               now() at time zone 'UTC' - make_interval(days => (t.n %% 365)::int),
               now() at time zone 'UTC', 'SUGGEST-' || (%(base)s + t.n)
          FROM unnest(%(names)s::varchar[], %(normalized)s::varchar[], %(categories)s::int[], %(customers)s::int[])
               WITH ORDINALITY AS t(name, normalized, category, customer, n)
        """,
        {
            "company": team.company_id.id,
            "team": team.id,
            "stage": stage.id,
            "base": base,
            "names": [r[0] for r in rows],
            "normalized": [r[1] for r in rows],
            "categories": [r[2] for r in rows],
            "customers": [r[3] for r in rows],
        },
    )
    env.cr.execute("SELECT gin_clean_pending_list('helpdesk_ticket__subject_normalized_index'::regclass)")
    env.cr.execute("ANALYZE helpdesk_ticket")


def run_generated(env, args, rng):
    Suggestion = env["helpdesk.ticket.category.suggestion"]
    env["helpdesk.triage.rule"].search([]).active = False  # suggestions are for what no rule classifies
    # A company of its own: only the generated history is compared with (not the database's).
    company = env["res.company"].create({"name": "Bench suggestions"})
    env = env(context=dict(env.context, allowed_company_ids=[company.id, env.company.id]))
    team = env["helpdesk.team"].create(
        {"name": "Bench suggestions", "duplicate_window_hours": 0, "company_id": company.id}
    )
    categories = {
        name: env["helpdesk.category"].create({"name": f"Bench {name}", "team_id": team.id, "company_id": company.id})
        for name in CATEGORIES
    }
    customers = env["res.partner"].create(
        [{"name": f"Suggest customer {i}", "is_company": True} for i in range(CUSTOMERS)]
    )
    leanings = {customer.id: rng.sample(list(CATEGORIES), 3) for customer in customers}
    start = time.perf_counter()
    insert_history(env, args.tickets, team, categories, customers, leanings, rng)
    say(f"{args.tickets} resolved tickets inserted in {time.perf_counter() - start:.1f} s")

    names = {category.id: name for name, category in categories.items()}
    truths, vals_list = [], []
    for _ in range(args.samples):
        customer = rng.choice(customers)
        name, category = draw(rng, leanings[customer.id])
        truths.append(category)
        vals_list.append({"name": name, "team_id": team.id, "partner_id": customer.id, "channel": "email"})
    times = []
    original = type(Suggestion)._suggest

    def timed(self, tickets):
        begin = time.perf_counter()
        result = original(self, tickets)
        times.append((time.perf_counter() - begin) / max(len(tickets), 1))
        return result

    from unittest.mock import patch

    Ticket = env["helpdesk.ticket"].with_context(tracking_disable=True, helpdesk_no_acknowledgement=True)
    with patch.object(type(Suggestion), "_suggest", timed):
        Ticket.create([dict(vals) for vals in vals_list[:20]])  # warm-up, not counted (create() fills the dicts)
        times.clear()
        tickets = env["helpdesk.ticket"]
        for chunk in range(0, len(vals_list), 50):
            tickets |= Ticket.create([dict(vals) for vals in vals_list[chunk : chunk + 50]])
    pairs = [
        (truth, [names[s.category_id.id] for s in ticket.category_suggestion_ids.sorted("rank")])
        for truth, ticket in zip(truths, tickets, strict=True)
    ]
    report(f"generated set ({args.tickets} resolved tickets)", evaluate(pairs), times)
    if args.explain:
        say("query plan of one lookup:\n" + explain(env, tickets[0]))


def explain(env, ticket):
    """EXPLAIN ANALYZE of the similar-tickets query `_suggest` runs for `ticket`."""
    from odoo.tools import SQL

    Ticket = env["helpdesk.ticket"]
    captured = []
    original = env.execute_query

    def capture(query):
        captured.append(query)
        return original(query)

    from unittest.mock import patch

    from odoo.addons.helpdesk_itil.models import helpdesk_ticket_category_suggestion

    with patch.object(type(env), "execute_query", lambda self, query: capture(query)):
        env["helpdesk.ticket.category.suggestion"]._neighbours(ticket)
    query = next(q for q in captured if "ORDER BY" in q.code and "similarity" in q.code)
    with Ticket._trigram_threshold(helpdesk_ticket_category_suggestion.SUGGESTION_SIMILARITY):
        rows = original(SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) %s", query))
    return "\n".join(row[0] for row in rows)


def run_existing(env):
    """Leave-one-out on the resolved and closed tickets of the database."""
    Ticket = env["helpdesk.ticket"]
    Suggestion = env["helpdesk.ticket.category.suggestion"]
    history = Ticket.search([("state", "in", ["resolved", "closed"]), ("category_id", "!=", False)])
    pairs, times = [], []
    for ticket in history:
        begin = time.perf_counter()
        neighbours = Suggestion._neighbours(ticket)
        ranked = Suggestion._rank(ticket, neighbours)
        times.append(time.perf_counter() - begin)
        pairs.append((ticket.category_id.id, [category.id for category, _share in ranked]))
    report(f"existing tickets, leave-one-out (database {env.cr.dbname})", evaluate(pairs), times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000, help="resolved tickets inserted by SQL")
    parser.add_argument("--samples", type=int, default=500, help="new tickets created and measured")
    parser.add_argument("--existing", action="store_true", help="leave-one-out on the database's tickets")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--explain", action="store_true", help="print the query plan of one lookup")
    parser.add_argument("--threshold", type=float, help="least subject similarity (default: the addon's)")
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()

    import_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([*args.odoo_args, "--log-level=warn"])
    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0] if dbname else None
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)
    rng = random.Random(args.seed)
    if args.threshold is not None:
        from odoo.addons.helpdesk_itil.models import helpdesk_ticket_category_suggestion

        helpdesk_ticket_category_suggestion.SUGGESTION_SIMILARITY = args.threshold
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            if args.existing:
                run_existing(env)
            else:
                run_generated(env, args, rng)
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()
