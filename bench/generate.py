"""Seeded data generator for the SLA benchmark.

``make_dataset(seed)`` returns a plain-Python description of a service desk (agents,
customers, teams, categories, tags and tickets) that does not depend on either product;
``load_ours(env, data)`` and ``load_peer(env, data)`` turn it into records of
``helpdesk_itil`` and of OCA's ``helpdesk_mgmt`` + ``helpdesk_mgmt_sla``, with the same
SLA set-up on both sides, and return the ids the scenarios need.

Both sides get the same teams, members, customers, categories, tags and tickets (same
subjects, descriptions, priorities, customers, assignees), in the same order, so that the
figures in bench/run.sh compare the two SLA engines and not two data sets.
"""

import random
from dataclasses import dataclass, field

# Teams whose tickets get the two SLA policies of the main scenarios (first response
# 4 h, resolution 16 h), then one team per number of SLA lines for the line-count check.
MAIN_TEAMS = ["Service Desk", "Network", "Applications", "Field Service"]
LINE_TEAMS = {1: "Bench: 1 SLA line", 2: "Bench: 2 SLA lines", 3: "Bench: 3 SLA lines"}

CATEGORIES = [
    ("Hardware", None),
    ("Laptops", "Hardware"),
    ("Printers", "Hardware"),
    ("Software", None),
    ("ERP", "Software"),
    ("Email", "Software"),
    ("Network", None),
    ("Access", None),
]
TAGS = ["vip", "outage", "security", "onboarding", "remote", "billing"]
CHANNELS = ["email", "portal", "phone", "web_form"]
TYPES = ["incident", "service_request", "problem", "change"]
# The creations of bench_alternate.py, each with tickets of its own in every round.
ALTERNATE_CREATIONS = ("create", "create_request")

_SYSTEMS = [
    "VPN",
    "laptop",
    "printer",
    "ERP",
    "mailbox",
    "Wi-Fi",
    "badge reader",
    "CRM",
    "file share",
    "phone line",
    "invoice portal",
    "backup job",
    "SSO login",
    "monitor",
    "docking station",
]
_PROBLEMS = [
    "does not start",
    "is very slow",
    "shows an error",
    "cannot connect",
    "lost access",
    "needs an upgrade",
    "request for a new one",
    "keeps disconnecting",
    "password reset",
    "crashes on save",
    "out of toner",
    "certificate expired",
    "quota exceeded",
]
_FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Greta", "Hugo", "Iris", "Jonas", "Karin", "Liam"]
_LAST = ["Martin", "Novak", "Olsen", "Peeters", "Quinn", "Rossi", "Schmidt", "Tanaka", "Umar", "Vidal"]
_COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Soylent"]

# Our priority comes from the ITIL impact × urgency matrix (default cells); the peer has a
# plain priority field. Level 1 is the most urgent on both sides.
LEVEL_TO_IMPACT_URGENCY = {1: ("high", "high"), 2: ("high", "medium"), 3: ("medium", "medium"), 4: ("low", "medium")}
LEVEL_TO_PEER_PRIORITY = {1: "3", 2: "2", 3: "1", 4: "0"}


@dataclass
class Ticket:
    subject: str
    description: str
    level: int  # 1 (critical) … 4 (low)
    team: str
    partner: int  # index into Dataset.partners
    user: int | None  # index into Dataset.users, None: unassigned
    category: str
    tags: list[str]
    channel: str
    type: str


@dataclass
class Dataset:
    seed: int
    users: list[tuple[str, str]] = field(default_factory=list)  # (name, login)
    partners: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, email, is company)
    team_members: dict[str, list[int]] = field(default_factory=dict)
    tickets: dict[str, list[Ticket]] = field(default_factory=dict)  # per scenario


def _ticket(rng, team, members, n_partners):
    system, problem = rng.choice(_SYSTEMS), rng.choice(_PROBLEMS)
    level = rng.choices([1, 2, 3, 4], weights=[5, 20, 50, 25])[0]
    return Ticket(
        subject=f"{system[0].upper()}{system[1:]} {problem}",
        description=(
            f"<p>Hello,</p><p>our {system} {problem} since this morning. "
            f"Reference {rng.randint(10000, 99999)}. Could you have a look?</p><p>Thanks</p>"
        ),
        level=level,
        team=team,
        partner=rng.randrange(n_partners),
        user=rng.choice(members) if rng.random() < 0.7 else None,
        category=rng.choice(CATEGORIES)[0],
        tags=rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2])),
        channel=rng.choice(CHANNELS),
        type=rng.choice(TYPES),
    )


def make_dataset(seed=42, n_create=1000, n_single=100, n_warmup=20, n_per_line_team=200, n_alternate_rounds=5):
    """The whole data set of one benchmark run, deterministic for a given seed.

    Ticket lists (keys of ``Dataset.tickets``): ``warmup`` (fills caches, not measured),
    ``create`` (created in one call), ``single`` (created one by one), ``lines_<n>`` for
    the team with n SLA lines, ``request`` (created one per transaction), ``ack`` (created
    with the acknowledgement on), and ``alternate_<round>_<operation>`` for each round of
    bench_alternate.py (round 0 is its uncounted warm-up) and each of its two creations.

    Every ticket is created once: a list created again would make each new ticket an exact
    copy (same customer, subject and description) of an open one, which no desk receives
    in bulk, and ours would look for and record those duplicates where the peer does not.
    The lists added last leave the earlier ones as they were for a given seed.
    """
    rng = random.Random(seed)
    data = Dataset(seed=seed)
    for i in range(8):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        data.users.append((f"{name} (agent {i + 1})", f"bench.agent{i + 1}"))
    for i in range(200):
        is_company = i % 5 == 0
        if is_company:
            name = f"{_COMPANIES[(i // 5) % len(_COMPANIES)]} {i // 50 + 1}"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        data.partners.append((name, f"customer{i + 1}@example.com", is_company))
    for team in MAIN_TEAMS + list(LINE_TEAMS.values()):
        data.team_members[team] = sorted(rng.sample(range(len(data.users)), k=3))
    n_partners = len(data.partners)

    def tickets(count, teams):
        return [
            _ticket(rng, team, data.team_members[team], n_partners)
            for team in (teams[i % len(teams)] for i in range(count))
        ]

    data.tickets["warmup"] = tickets(n_warmup, MAIN_TEAMS)
    data.tickets["create"] = tickets(n_create, MAIN_TEAMS)
    data.tickets["single"] = tickets(n_single, MAIN_TEAMS)
    for n_lines, team in LINE_TEAMS.items():
        data.tickets[f"lines_{n_lines}"] = tickets(n_per_line_team, [team])
    data.tickets["request"] = tickets(n_single, MAIN_TEAMS)
    data.tickets["ack"] = tickets(n_single, MAIN_TEAMS)
    for round_no in range(n_alternate_rounds + 1):
        for operation in ALTERNATE_CREATIONS:
            data.tickets[alternate_key(round_no, operation)] = tickets(n_single, MAIN_TEAMS)
    return data


def alternate_key(round_no, operation):
    """Key of the tickets bench_alternate.py creates in `round_no` for `operation`."""
    return f"alternate_{round_no}_{operation}"


# ----------------------------------------------------------------------------------
# SLA set-up, the same promises on both sides
# ----------------------------------------------------------------------------------
# (name, metric, hours, teams); every policy pauses in the waiting stage.
SLA_POLICIES = [
    ("First response 4 h", "first_response", 4, MAIN_TEAMS + [LINE_TEAMS[2], LINE_TEAMS[3]]),
    ("Resolution 16 h", "resolution", 16, MAIN_TEAMS + list(LINE_TEAMS.values())),
    ("Internal resolution 12 h (OLA)", "resolution_ola", 12, [LINE_TEAMS[3]]),
]


def _create_users(env, data, groups):
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True)
    users = Users.create(
        [
            {"name": name, "login": login, "email": f"{login}@example.com", "group_ids": [(6, 0, groups.ids)]}
            for name, login in data.users
        ]
    )
    partners = env["res.partner"].create(
        [{"name": name, "email": email, "is_company": is_company} for name, email, is_company in data.partners]
    )
    return users, partners


def _setup_email(env):
    """Teams that receive email, as a helpdesk does: an alias domain for the company (each
    team gets an alias below). Without one, Odoo searches for a default domain and the
    record's alias on every message posted, on both sides."""
    domain = env["mail.alias.domain"].create({"name": "bench.example.com"})
    env.company.alias_domain_id = domain


def _alias_name(team_name):
    return "bench-" + "".join(c if c.isalnum() else "-" for c in team_name.lower())


def load_ours(env, data):
    """Create the data set in a helpdesk_itil database; return ids for the scenarios."""
    ref = env.ref
    users, partners = _create_users(env, data, ref("base.group_user") | ref("helpdesk_itil.group_helpdesk_agent"))
    calendar = env.company.resource_calendar_id
    _setup_email(env)
    teams = {}
    for name, members in data.team_members.items():
        # No acknowledgement email: the peer has no such feature, so the side-by-side rows
        # compare the same work; bench.py measures its cost in a row of its own.
        teams[name] = env["helpdesk.team"].create(
            {
                "name": name,
                "member_ids": [(6, 0, [users[m].id for m in members])],
                "resource_calendar_id": calendar.id,
                "send_acknowledgement": False,
                "alias_name": _alias_name(name),
            }
        )
    categories = {}
    for name, parent in CATEGORIES:
        categories[name] = env["helpdesk.category"].create(
            {"name": name, "parent_id": categories[parent].id if parent else False}
        )
    tags = {name: env["helpdesk.tag"].create({"name": f"bench-{name}"}) for name in TAGS}
    types = {code: env["helpdesk.ticket.type"].search([("code", "=", code)], limit=1) for code in TYPES}
    policies = []
    for name, metric, hours, team_names in SLA_POLICIES:
        policies.append(
            env["helpdesk.sla.policy"].create(
                {
                    "name": name,
                    "kind": "ola" if metric == "resolution_ola" else "sla",
                    "metric": "resolution" if metric == "resolution_ola" else metric,
                    "target_hours": hours,
                    "team_ids": [(6, 0, [teams[t].id for t in team_names])],
                }
            )
        )

    def vals(ticket):
        impact, urgency = LEVEL_TO_IMPACT_URGENCY[ticket.level]
        return {
            "name": ticket.subject,
            "description": ticket.description,
            "team_id": teams[ticket.team].id,
            "partner_id": partners[ticket.partner].id,
            "user_id": users[ticket.user].id if ticket.user is not None else False,
            "category_id": categories[ticket.category].id,
            "type_id": types[ticket.type].id,
            "tag_ids": [(6, 0, [tags[t].id for t in ticket.tags])],
            "channel": ticket.channel,
            "impact": impact,
            "urgency": urgency,
        }

    return {
        "vals": {key: [vals(t) for t in tickets] for key, tickets in data.tickets.items()},
        "stages": {
            "new": ref("helpdesk_itil.stage_new").id,
            "in_progress": ref("helpdesk_itil.stage_in_progress").id,
            "pending": ref("helpdesk_itil.stage_pending").id,
        },
        "teams": {name: team.id for name, team in teams.items()},
        "policies": [p.id for p in policies],
        "calendar": calendar.id,
    }


def load_peer(env, data):
    """Create the data set in a helpdesk_mgmt + helpdesk_mgmt_sla database."""
    ref = env.ref
    users, partners = _create_users(env, data, ref("base.group_user") | ref("helpdesk_mgmt.group_helpdesk_user"))
    calendar = env.company.resource_calendar_id
    _setup_email(env)
    teams = {}
    for name, members in data.team_members.items():
        teams[name] = env["helpdesk.ticket.team"].create(
            {
                "name": name,
                "user_ids": [(6, 0, [users[m].id for m in members])],
                "use_sla": True,
                "resource_calendar_id": calendar.id,
                "alias_name": _alias_name(name),
            }
        )
    categories = {}
    for name, parent in CATEGORIES:
        categories[name] = env["helpdesk.ticket.category"].create(
            {"name": name, "parent_id": categories[parent].id if parent else False}
        )
    tags = {name: env["helpdesk.ticket.tag"].create({"name": f"bench-{name}"}) for name in TAGS}
    channel_names = {"email": "Email", "portal": "Web", "web_form": "Web", "phone": "Phone"}
    channels = {
        key: env["helpdesk.ticket.channel"].search([("name", "=", label)], limit=1)
        for key, label in channel_names.items()
    }
    in_progress = ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
    awaiting = ref("helpdesk_mgmt.helpdesk_ticket_stage_awaiting")
    done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    slas = []
    for name, metric, hours, team_names in SLA_POLICIES:
        # The peer has no metric: an SLA is met when the ticket reaches a stage at least
        # as far in the pipeline as its target stage (In Progress stands for the first
        # response), and it pauses in its "ignore" stages.
        slas.append(
            env["helpdesk.sla"].create(
                {
                    "name": name,
                    "stage_id": (in_progress if metric == "first_response" else done).id,
                    "hours": hours,
                    "days": 0,
                    "team_ids": [(6, 0, [teams[t].id for t in team_names])],
                    "ignore_stage_ids": [(6, 0, awaiting.ids)],
                }
            )
        )

    def vals(ticket):
        return {
            "name": ticket.subject,
            "description": ticket.description,
            "team_id": teams[ticket.team].id,
            "partner_id": partners[ticket.partner].id,
            "user_id": users[ticket.user].id if ticket.user is not None else False,
            "category_id": categories[ticket.category].id,
            "tag_ids": [(6, 0, [tags[t].id for t in ticket.tags])],
            "channel_id": channels[ticket.channel].id,
            "priority": LEVEL_TO_PEER_PRIORITY[ticket.level],
        }

    return {
        "vals": {key: [vals(t) for t in tickets] for key, tickets in data.tickets.items()},
        "stages": {
            "new": ref("helpdesk_mgmt.helpdesk_ticket_stage_new").id,
            "in_progress": in_progress.id,
            "pending": awaiting.id,
        },
        "teams": {name: team.id for name, team in teams.items()},
        "policies": [s.id for s in slas],
        "calendar": calendar.id,
    }


if __name__ == "__main__":
    # Without Odoo: print a summary of the data set, e.g. `python bench/generate.py 42`.
    import sys

    dataset = make_dataset(int(sys.argv[1]) if len(sys.argv) > 1 else 42)
    print(f"seed {dataset.seed}: {len(dataset.users)} agents, {len(dataset.partners)} customers")
    for key, tickets in dataset.tickets.items():
        print(f"  {key}: {len(tickets)} tickets, e.g. {tickets[0].subject!r} (P{tickets[0].level}, {tickets[0].team})")
