#!/usr/bin/env python3
"""Tickets per second through Odoo's mail gateway (`mail.thread.message_process`).

Feeds N realistic emails (multipart/alternative with a small attachment, each from its
own sender, to a team alias) through the same entry point fetchmail and the mailgate
script use, then N customer replies to those tickets (routed by In-Reply-To), and
prints both rates. ``--compare-task`` sends the same new emails, in the same run and
database, interleaved with the tickets' (one each in turn), to the alias of a project (Odoo's
own ``project.task`` made by the same gateway) and prints the ratio, ours ÷ Odoo's. Both sides
are measured alike: each email comes from a sender the database does not know yet (both create
a contact for it), after one untimed email that fills the caches of its path;
``--task-known-senders`` sends the tasks from the senders the tickets just created, the
comparison of earlier runs (the tasks then skip creating a contact). Everything runs in one
transaction that is rolled back, so any database with helpdesk_itil installed can be used.

    PYTHONPATH=~/.cache/helpdesk_itil/odoo-19.0 .venv/bin/python bench/bench_mail_gateway.py \\
        --count 200 -- -c .odoo/odoo.conf -d helpdesk

Arguments after `--` go to Odoo's configuration parser (-c, -d, --db_host,
--addons-path, ...).
"""

import argparse
import os
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid

BENCH_DOMAIN = "bench.helpdesk.example.com"


def import_odoo():
    try:
        import odoo
    except ImportError:
        src = os.environ.get("ODOO_SRC") or os.path.expanduser("~/.cache/helpdesk_itil/odoo-19.0")
        sys.path.insert(0, src)
        import odoo  # noqa: F401


def build_email(i, to, sender="customer"):
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <{sender}{i}@customers.example.com>"
    msg["To"] = to
    msg["Subject"] = f"Printer {i} shows error E{i % 97:02d}"
    msg["Message-ID"] = make_msgid(domain="customers.example.com")
    msg["Date"] = "Tue, 14 Oct 2025 09:12:01 +0200"
    text = f"Hello,\n\nPrinter {i} on floor {i % 7} shows error E{i % 97:02d} since this morning.\n\nThanks"
    msg.set_content(text)
    msg.add_alternative(
        f"<p>Hello,</p><p>Printer <b>{i}</b> shows error E{i % 97:02d}.</p><p>Thanks</p>", subtype="html"
    )
    msg.add_attachment(b"error log line\n" * 40, maintype="text", subtype="plain", filename="printer.log")
    return msg


def build_reply(i, to, in_reply_to):
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <customer{i}@customers.example.com>"
    msg["To"] = to
    msg["Subject"] = f"Re: Printer {i}"
    msg["Message-ID"] = make_msgid(domain="customers.example.com")
    msg["In-Reply-To"] = in_reply_to
    msg["References"] = in_reply_to
    msg.set_content("Still broken after a restart.")
    return msg


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="number of new emails (and replies), default 200")
    parser.add_argument("--no-ack", action="store_true", help="disable the acknowledgement email")
    parser.add_argument("--commit", action="store_true", help="keep the tickets (default: roll back)")
    parser.add_argument(
        "--compare-task", action="store_true", help="also send the new emails to a project's alias (project.task)"
    )
    parser.add_argument(
        "--task-known-senders",
        action="store_true",
        help="send the tasks from the tickets' senders, known by then (no contact created for them)",
    )
    parser.add_argument("odoo_args", nargs="*", help="arguments for Odoo's config parser, after --")
    args = parser.parse_args()

    import_odoo()
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(args.odoo_args)
    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0] if dbname else None
    if not dbname:
        parser.error("give the database: -- -d <db>")
    registry = Registry(dbname)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        domain = company.alias_domain_id or env["mail.alias.domain"].create(
            {"name": BENCH_DOMAIN, "company_ids": [(4, company.id)]}
        )
        team = env["helpdesk.team"].create(
            {
                "name": "Benchmark desk",
                "company_id": company.id,
                "alias_name": f"bench-desk-{os.getpid()}",
                "alias_domain_id": domain.id,
                "send_acknowledgement": not args.no_ack,
            }
        )
        to = team.alias_email
        Thread = env["mail.thread"]
        Ticket = env["helpdesk.ticket"]
        project = args.compare_task and env["project.project"].create(
            {
                "name": "Benchmark project",
                "company_id": company.id,
                "alias_name": f"bench-project-{os.getpid()}",
                "alias_domain_id": domain.id,
            }
        )
        emails = [build_email(i, to).as_bytes() for i in range(args.count)]
        if project:
            sender = "customer" if args.task_known_senders else "task-customer"
            task_emails = [build_email(i, project.alias_email, sender=sender).as_bytes() for i in range(args.count)]
        else:
            task_emails = []
        # One untimed email to each side first: the caches of its path (templates, views,
        # ormcache) filled.
        Thread.message_process(None, build_email(0, to, sender="warmup-ticket").as_bytes())
        if project:
            Thread.message_process(None, build_email(0, project.alias_email, sender="warmup-task").as_bytes())
        env.flush_all()

        def timed(raw):
            """(record id, seconds, queries) of one email through the gateway."""
            queries = cr.sql_log_count
            start = time.perf_counter()
            record_id = Thread.message_process(None, raw)
            env.flush_all()
            return record_id, time.perf_counter() - start, cr.sql_log_count - queries

        # Side by side: a ticket's email, then a task's, so that a change of the machine's
        # load during the run weighs on both sides alike.
        ticket_runs, task_runs = [], []
        for i in range(args.count):
            ticket_runs.append(timed(emails[i]))
            if project:
                task_runs.append(timed(task_emails[i]))
        ticket_ids = [run[0] for run in ticket_runs]
        new_elapsed = sum(run[1] for run in ticket_runs)
        new_queries = sum(run[2] for run in ticket_runs)

        tickets = Ticket.browse(ticket_ids)
        assert len(set(ticket_ids)) == args.count and tickets.team_id == team, (
            "every email must create its own ticket in the benchmark team"
        )
        first_messages = {
            t.id: t.message_ids.filtered(lambda m: m.message_type == "email")[:1].message_id for t in tickets
        }
        replies = [build_reply(i, to, first_messages[tid]).as_bytes() for i, tid in enumerate(ticket_ids)]
        env.flush_all()
        reply_runs = [timed(raw) for raw in replies]
        reply_elapsed = sum(run[1] for run in reply_runs)
        reply_queries = sum(run[2] for run in reply_runs)
        assert [run[0] for run in reply_runs] == ticket_ids, "every reply must land on its ticket"
        acks = env["mail.message"].search_count(
            [("model", "=", "helpdesk.ticket"), ("res_id", "in", ticket_ids), ("message_type", "=", "auto_comment")]
        )

        print(
            f"database: {dbname}, {args.count} emails, acknowledgement {'off' if args.no_ack else 'on'} ({acks} sent)"
        )
        print(
            f"new tickets: {args.count} in {new_elapsed:.2f} s = {args.count / new_elapsed:.1f} tickets/s "
            f"({1000 * new_elapsed / args.count:.1f} ms, {new_queries / args.count:.0f} queries per email)"
        )
        print(
            f"replies:     {args.count} in {reply_elapsed:.2f} s = {args.count / reply_elapsed:.1f} replies/s "
            f"({1000 * reply_elapsed / args.count:.1f} ms, {reply_queries / args.count:.0f} queries per email)"
        )
        if project:
            task_ids = [run[0] for run in task_runs]
            task_elapsed = sum(run[1] for run in task_runs)
            task_queries = sum(run[2] for run in task_runs)
            assert len(set(task_ids)) == args.count and env["project.task"].browse(task_ids).project_id == project
            print(
                f"project.task: {args.count} in {task_elapsed:.2f} s = {args.count / task_elapsed:.1f} tasks/s "
                f"({1000 * task_elapsed / args.count:.1f} ms, {task_queries / args.count:.0f} queries per email)"
            )
            print(
                f"ratio, a new ticket ÷ a new task by email ({'known' if args.task_known_senders else 'new'} "
                f"senders for the tasks): time {new_elapsed / task_elapsed:.2f}, "
                f"queries {new_queries / task_queries:.2f}"
            )
        if args.commit:
            cr.commit()
            print("committed")
        else:
            cr.rollback()


if __name__ == "__main__":
    main()
