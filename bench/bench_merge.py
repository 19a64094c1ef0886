#!/usr/bin/env python3
"""Merge of many tickets into one, and its unmerge: time and number of queries.

Creates a destination and N source tickets (default 50) of one customer through the ORM,
each source with a customer email, an internal note, an attachment, an extra follower, a
CC address, a tag, a link to another ticket, a sales order and a field task, and running
SLA lines (a resolution policy). Then merges them (``helpdesk.ticket.merge.log._merge``, as
the Merge wizard does, as a team member) and unmerges them one by one (as a manager),
counting queries (``cr.sql_log_count``) and time. The merge is set-based: its queries do not
grow with the number of messages, followers or documents, and grow by a small constant per
source (the audit record, the closing write, the notes). The same is measured for 10
sources to show the cost per source.

Everything runs in one transaction that is rolled back, so any database with helpdesk_itil
installed can be used.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_merge.py \\
        --sources 50 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host, ...).
"""

import argparse
import os
import sys
import time


def import_odoo():
    try:
        import odoo  # noqa: F401
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)


def say(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def make_tickets(env, fixtures, count, label):
    """A destination and `count` sources with something of everything to move."""
    Ticket = env["helpdesk.ticket"].with_context(helpdesk_no_acknowledgement=True)
    team, contact, tag, user = fixtures["team"], fixtures["contact"], fixtures["tag"], fixtures["user"]
    destination = Ticket.create({"name": f"{label}: VPN drops", "team_id": team.id, "partner_id": contact.id})
    sources = Ticket.create(
        [
            {
                "name": f"{label}: VPN drops again {i}",
                "team_id": team.id,
                "partner_id": contact.id,
                "email_cc": f"cc{i}@acme.example.com",
                "tag_ids": [(4, tag.id)],
            }
            for i in range(count)
        ]
    )
    others = Ticket.create([{"name": f"{label}: related {i}", "team_id": team.id} for i in range(count)])
    env["helpdesk.ticket.link"].create(
        [{"ticket_id": s.id, "target_id": o.id, "link_type": "blocks"} for s, o in zip(sources, others, strict=True)]
    )
    for source in sources:
        source.message_post(
            body="<p>Still dropping</p>",
            author_id=contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("vpn.log", b"log")],
        )
        source.with_user(user).message_post(body="<p>Internal: client outdated</p>", subtype_xmlid="mail.mt_note")
    sources.message_subscribe(partner_ids=fixtures["colleague"].ids)
    env["sale.order"].create([{"partner_id": contact.id, "helpdesk_ticket_id": s.id} for s in sources])
    env["project.task"].create([{"name": f"Visit {s.reference}", "helpdesk_ticket_id": s.id} for s in sources])
    env.flush_all()
    env.invalidate_all()
    return destination, sources


def measure(env, fixtures, count, label):
    cr = env.cr
    destination, sources = make_tickets(env, fixtures, count, label)
    user, manager = fixtures["user"], fixtures["manager"]
    Log = env["helpdesk.ticket.merge.log"]
    dest_u, sources_u = destination.with_user(user), sources.with_user(user)
    queries, start = cr.sql_log_count, time.perf_counter()
    other = dest_u._merge_check(sources_u)
    logs = Log.with_user(user)._merge(dest_u, sources_u, other)
    env.flush_all()
    merge = (cr.sql_log_count - queries, time.perf_counter() - start)
    moved = {
        "messages": sum(len(log.message_ids) for log in logs.sudo()),
        "attachments": sum(len(log.attachment_ids) for log in logs.sudo()),
        "followers": sum(len(log.follower_ids) for log in logs.sudo()),
        "sla": sum(len(log.sla_line_ids) for log in logs.sudo()),
    }
    env.invalidate_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    logs.with_user(manager).action_unmerge()
    env.flush_all()
    unmerge = (cr.sql_log_count - queries, time.perf_counter() - start)
    assert not sources.merged_into_id, "every source is back"
    return merge, unmerge, moved


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=50, help="tickets merged into one, default 50")
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()

    import_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tests import new_test_user
    from odoo.tools import config

    config.parse_config([*args.odoo_args, "--log-level=warn"])
    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0] if dbname else None
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": False})
        user = new_test_user(env, login="bench_merge_user", groups="helpdesk_itil.group_helpdesk_user")
        manager = new_test_user(env, login="bench_merge_manager", groups="helpdesk_itil.group_helpdesk_manager")
        calendar = env.company.resource_calendar_id
        team = env["helpdesk.team"].create(
            {"name": "Bench merge", "member_ids": [(6, 0, user.ids)], "resource_calendar_id": calendar.id}
        )
        env["helpdesk.sla.policy"].create(
            {"name": "Bench resolution", "metric": "resolution", "target_hours": 8, "team_ids": [(6, 0, team.ids)]}
        )
        customer = env["res.partner"].create({"name": "Bench Acme", "is_company": True})
        fixtures = {
            "team": team,
            "user": user,
            "manager": manager,
            "tag": env["helpdesk.tag"].create({"name": "Bench VPN"}),
            "contact": env["res.partner"].create(
                {"name": "Bench Carla", "parent_id": customer.id, "email": "carla@bench.example.com"}
            ),
            "colleague": env["res.partner"].create(
                {"name": "Bench Dora", "parent_id": customer.id, "email": "dora@bench.example.com"}
            ),
        }
        results = {}
        for count in sorted({10, args.sources}):
            results[count] = measure(env, fixtures, count, f"Bench {count}")
        for count, ((m_queries, m_time), (u_queries, u_time), moved) in results.items():
            say(
                f"merge of {count} tickets into one: {m_queries} queries ({m_queries / count:.1f} per ticket), "
                f"{m_time * 1000:.0f} ms; moved {moved['messages']} messages, {moved['attachments']} attachments, "
                f"{moved['followers']} followers, cancelled {moved['sla']} SLA lines"
            )
            say(f"unmerge of the {count} tickets, one by one: {u_queries} queries, {u_time * 1000:.0f} ms")
        if len(results) == 2:
            small, big = sorted(results)
            extra = (results[big][0][0] - results[small][0][0]) / (big - small)
            say(f"each ticket more in a merge costs {extra:.1f} queries")
        cr.rollback()


if __name__ == "__main__":
    main()
