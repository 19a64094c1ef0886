"""Print the benchmark figures as Markdown tables and write them to bench/out/results.md.

Usage: python bench/report.py OUT_DIR   (reads ours.json, peer.json, meta.json and
alternate.json there)
"""

import json
import os
import sys


def load(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fmt_time(row):
    if not row:
        return "–"
    seconds = row["seconds"]
    total = f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"
    return f"{total} ({1000 * seconds / row['count']:.1f} ms/t)"


def fmt_queries(row):
    if not row:
        return "–"
    return f"{row['queries']:,} ({row['queries'] / row['count']:.1f}/t)"


def ratio(ours, peer, key):
    if not ours or not peer or not peer[key]:
        return "–"
    return f"{ours[key] / peer[key]:.2f}"


MAIN_ROWS = [
    ("create_batch", "create {count:,} tickets, one `create()` call, 2 SLA lines each"),
    ("create_100_single", "create 100 tickets, one `create()` per ticket, 2 SLA lines each"),
    ("move_100_bulk", "move 100 tickets in progress → waiting, one `write()` on the 100"),
    ("move_100_single", "move 100 tickets in progress → waiting, one `write()` per ticket"),
    ("move_100_bulk_notrack", "same, one `write()` on the 100, mail tracking off (SLA engine + ORM)"),
    ("move_100_single_notrack", "same, one `write()` per ticket, mail tracking off (SLA engine + ORM)"),
    ("move_10_bulk_notrack", "same, one `write()` on 10 tickets only, mail tracking off"),
    ("create_100_request", "create 100 tickets, each in a transaction of its own (cold cache, `COMMIT`)"),
    ("move_100_request", "move 100 tickets in progress → waiting, each in a transaction of its own"),
]


ALTERNATE_ROWS = [
    ("create", "create 100 tickets, one `create()` per ticket, one commit"),
    ("move", "move them in progress → waiting, one `write()` per ticket, one commit"),
    ("create_request", "create 100 tickets, each in a transaction of its own (cold cache, `COMMIT`)"),
    ("move_request", "move them in progress → waiting, each in a transaction of its own"),
]


def render_alternate(alternate):
    """The single-record paths of bench_alternate.py: both sides in turn, medians of rounds."""
    out = [
        "## Single-record paths, both sides in turn",
        "",
        f"`bench_alternate.py`: {alternate['rounds']} rounds (after one uncounted), each running every",
        "operation on both sides in one process, call by call, the side that goes first changing at",
        "every call, on 100 tickets of the data set of their own; median time per ticket over the",
        "rounds, ratio of the medians, and the lowest and highest of the rounds' own ratios.",
        "Queries: median per ticket.",
        "",
        "| operation | ours | peer | ratio | rounds' ratios |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, label in ALTERNATE_ROWS:
        row = alternate["rows"].get(key)
        if not row:
            continue
        o, p = row["ours"], row["peer"]
        out.append(
            f"| {label} | {o['ms_per_ticket']:.1f} ms/t, {o['queries_per_ticket']:.1f} q/t "
            f"| {p['ms_per_ticket']:.1f} ms/t, {p['queries_per_ticket']:.1f} q/t | {row['ratio']:.2f} "
            f"| {row['ratio_min']:.2f}–{row['ratio_max']:.2f} |"
        )
    out.append("")
    return out


def render(ours, peer, meta, alternate=None):
    o_rows = (ours or {}).get("rows", {})
    p_rows = (peer or {}).get("rows", {})
    out = []
    add = out.append
    add("# SLA benchmark: helpdesk_itil vs OCA helpdesk_mgmt + helpdesk_mgmt_sla")
    add("")
    if meta:
        add(
            f"Run {meta.get('date', '?')} on {meta.get('cpus', '?')} CPUs (load average "
            f"{meta.get('load_start', '?')} at start, {meta.get('load_end', '?')} at end), "
            f"Odoo {meta.get('odoo', '?')}, PostgreSQL {meta.get('postgres', '?')}; peer "
            f"{meta.get('peer', '?')}; seed {meta.get('seed', '?')}. Every figure includes the commit "
            "(flush, mail tracking, `COMMIT`); queries are the cursor's `sql_log_count`; "
            "`/t` = per ticket. Ratio = ours ÷ peer (below 1: ours is cheaper)."
        )
        add("")
    add("| operation | ours time | ours queries | peer time | peer queries | time ratio | query ratio |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label in MAIN_ROWS:
        o, p = o_rows.get(key), p_rows.get(key)
        label = label.format(count=(o or p or {}).get("count", 0))
        add(
            f"| {label} | {fmt_time(o)} | {fmt_queries(o)} | {fmt_time(p)} | {fmt_queries(p)} "
            f"| {ratio(o, p, 'seconds')} | {ratio(o, p, 'queries')} |"
        )
    add("")
    ack = o_rows.get("create_100_ack")
    if ack:
        sent = (ours or {}).get("checks", {}).get("create_100_ack_sent", "?")
        add(
            f"Ours only (the peer has no acknowledgement email): {ack['count']} other tickets created in one "
            f"call by teams that acknowledge new tickets ({sent} acknowledgements sent, for the email, portal "
            f"and web form channels): {fmt_time(ack)}, {fmt_queries(ack)}."
        )
        add("")
    notices = [(key, o_rows.get(key)) for key in ("notices_batch", "notices_100_single")]
    if all(row for _key, row in notices):
        checks = (ours or {}).get("checks", {})
        told = "; ".join(
            f"after the {label}: {row['notices']:,} notices in {checks.get(key + '_messages', '?')} messages, "
            f"{fmt_time(row)}, {fmt_queries(row)}"
            for (key, row), label in zip(notices, ("one-call creation", "one-by-one creation"), strict=True)
        )
        add(
            "Ours only, outside the creation figures: the assignees of new tickets (and the followers of "
            "manual teams) are told by the scheduled action *Helpdesk: agent notices* once the minute is over, "
            "one message per agent and minute; the peer emails each assignee inside `create()`. That action, "
            f"{told}."
        )
        add("")
    if alternate:
        out.extend(render_alternate(alternate))
    add("## Queries per ticket by number of SLA lines")
    add("")
    add("Tickets of a team whose policies give them 1, 2 or 3 SLA lines, with mail tracking off")
    add("(`tracking_disable`) so that the figures are the SLA engine's and the ORM's: 200 created in")
    add("one call, then 100 moved in progress → waiting in one `write()` and 100 with one `write()`")
    add("each. Queries (q) and milliseconds per ticket. On the peer a first-response SLA counts as met")
    add("once the ticket reaches In Progress, so with 2 lines only 1 is still running when it moves;")
    add("its cost grows with the running lines (about 4 queries each).")
    add("")
    add(
        "| SLA lines | ours create | ours move (bulk) | ours move (single) "
        "| peer create | peer move (bulk) | peer move (single) |"
    )
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in (1, 2, 3):
        cells = []
        for rows in (o_rows, p_rows):
            for key in (f"create_200_{n}_lines", f"move_100_bulk_{n}_lines", f"move_100_single_{n}_lines"):
                row = rows.get(key)
                cells.append(
                    f"{row['queries'] / row['count']:.1f} q, {1000 * row['seconds'] / row['count']:.1f} ms"
                    if row
                    else "–"
                )
        add(f"| {n} | " + " | ".join(cells) + " |")
    add("")
    watch = sorted(
        (row for key, row in o_rows.items() if key.startswith("watch_")),
        key=lambda r: (r["open_tickets"], r["due"]),
    )
    if watch:
        add("## SLA watcher (ours only): one pass of the scheduled action (`helpdesk.ticket._cron_lifecycle()`)")
        add("")
        add("Open tickets with two running SLA lines each, inserted with SQL; the due lines cross their")
        add("at-risk date (half) or their deadline (half). The pass also runs the lifecycle timers (nothing")
        add("due for them). Target: under 5 s, queries independent of the number of open tickets.")
        add("")
        add("| open tickets | due lines | time | queries | checked |")
        add("| ---: | ---: | ---: | ---: | --- |")
        checks = ours.get("checks", {})
        for row in watch:
            check = checks.get(f"watch_{row['open_tickets']}_{row['due']}", {})
            ok = (
                check.get("still_due") == 0
                and check.get("failed") == row["due"] // 2
                and check.get("at_risk") == row["due"] - row["due"] // 2
            )
            add(
                f"| {row['open_tickets']:,} | {row['due']:,} | {row['seconds']:.2f} s | {row['queries']} "
                f"| {'ok' if ok else 'MISMATCH ' + json.dumps(check)} |"
            )
        add("")
    checks_o = (ours or {}).get("checks", {})
    checks_p = (peer or {}).get("checks", {})
    if checks_o or checks_p:
        add("## Sanity checks")
        add("")
        add("| check | ours | peer |")
        add("| --- | ---: | ---: |")
        for key in (
            "create_batch_lines",
            "move_lines_per_ticket",
            "lines_1_lines_per_ticket",
            "lines_2_lines_per_ticket",
            "lines_3_lines_per_ticket",
            "lines_1_paused",
            "lines_2_paused",
            "lines_3_paused",
        ):
            add(f"| {key} | {checks_o.get(key, '–')} | {checks_p.get(key, '–')} |")
        add("")
    return "\n".join(out)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "out")
    text = render(
        load(os.path.join(out_dir, "ours.json")),
        load(os.path.join(out_dir, "peer.json")),
        load(os.path.join(out_dir, "meta.json")),
        load(os.path.join(out_dir, "alternate.json")),
    )
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
