import ast
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .helpdesk_priority_matrix import PRIORITY_WEIGHTS, URGENT_PRIORITIES
from .helpdesk_stage import OPEN_STATES

# Notifications: what a member follows the team with when they join it (README
# "Notifications"); the other team subtypes are opt-in. The leader also follows
# escalations; SLA notices reach the leader for unassigned tickets only.
MEMBER_SUBTYPES = ("helpdesk_itil.mt_team_ticket_new", "helpdesk_itil.mt_team_ticket_assigned")
LEADER_SUBTYPES = (*MEMBER_SUBTYPES, "helpdesk_itil.mt_team_escalated")
# The overview's windows: customer satisfaction of the last 30 days, created vs resolved of
# the last 7 days (today included), in the user's time zone.
OVERVIEW_RATING_DAYS = 30
OVERVIEW_SPARKLINE_DAYS = 7
# Figures of the overview card that open the tickets behind them through a report model's
# action_open_tickets (action_open_overview_figure).
OVERVIEW_REPORT_FIGURES = ("oldest", "rating", "created", "resolved")

# Duplicate detection defaults: a ticket's possible duplicates are the open tickets of the
# same customer created within this many hours, whose subject is at least this similar.
DUPLICATE_WINDOW_HOURS = 72
DUPLICATE_SIMILARITY = 0.6


class HelpdeskTeam(models.Model):
    _name = "helpdesk.team"
    _description = "Helpdesk Team"
    _inherit = ["mail.alias.mixin", "mail.thread", "rating.parent.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    def _default_stage_ids(self):
        return self.env["helpdesk.stage"].search([])

    def _default_pending_reminder_template(self):
        return self.env.ref("helpdesk_itil.mail_template_ticket_pending_reminder", raise_if_not_found=False)

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    description = fields.Text(translate=True)
    # ERP: where field tasks go, and which finished documents resolve the ticket
    service_project_id = fields.Many2one(
        "project.project",
        check_company=True,
        help="Project that field tasks made from this team's tickets go to.",
    )
    resolve_on_order_confirmed = fields.Boolean(
        string="Resolve When the Quotation Is Confirmed",
        help="Confirming a quotation made from a ticket resolves the ticket (closure code "
        "“Fulfilled by ERP Document”). A note is posted on the ticket in any case.",
    )
    resolve_on_task_done = fields.Boolean(
        string="Resolve When the Field Task Is Done",
        help="Marking the last open field task of a ticket done resolves the ticket.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    member_ids = fields.Many2many(
        "res.users",
        "helpdesk_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Agents who work this queue. Automatic assignment picks among them.",
    )
    # Recurring incidents (helpdesk.problem.proposal._cron_detect).
    problem_detection_count = fields.Integer(
        string="Problem Proposal After",
        default=4,
        help="Similar incidents without a problem within the window that make a problem proposal (0: off).",
    )
    problem_detection_days = fields.Integer(
        string="Problem Detection Window",
        default=7,
        help="Days within which the similar incidents were reported.",
    )
    leader_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Receives hierarchical escalations.",
    )
    stage_ids = fields.Many2many(
        "helpdesk.stage",
        "helpdesk_team_stage_rel",
        "team_id",
        "stage_id",
        string="Stages",
        default=lambda self: self._default_stage_ids(),
        help="Stages of this team's pipeline; new tickets start in the first one.",
    )
    assignment_method = fields.Selection(
        [
            ("manual", "Manual"),
            ("round_robin", "Round Robin"),
            ("least_open", "Least Open Tickets"),
            ("skills", "By Skill, then Least Open Tickets"),
        ],
        required=True,
        default="manual",
        help="How new tickets without an assignee get one: not at all (manual), each "
        "member in turn (round robin), the member with the fewest open tickets, or the one with "
        "the fewest open tickets among the members skilled in the ticket's category, product, "
        "customer language and support level (else the whole team). Members on leave are "
        "skipped; nobody gets more than their ticket capacity.",
    )
    last_assigned_user_id = fields.Many2one(
        "res.users", readonly=True, copy=False, help="Where round robin continues from."
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        compute="_compute_resource_calendar_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Business hours and holidays that SLA clocks of this team run on.",
    )
    pending_reminder_days = fields.Integer(
        string="Remind Customer After (days)",
        help="Calendar days a ticket may wait on the customer (pending state) before the customer "
        "gets a reminder. 0: no reminder.",
    )
    pending_auto_resolve_days = fields.Integer(
        string="Resolve After (days)",
        help="Calendar days a ticket may wait on the customer (pending state) before it is resolved "
        "with the closure code “No Customer Response”. 0: never.",
    )
    pending_reminder_template_id = fields.Many2one(
        "mail.template",
        string="Reminder Template",
        domain="[('model', '=', 'helpdesk.ticket')]",
        default=lambda self: self._default_pending_reminder_template(),
        help="Email sent to the customer as the reminder.",
    )
    # Customer portal, verified closure and satisfaction
    portal_company_visibility = fields.Boolean(
        string="Company Sees All Its Tickets",
        help="In the customer portal, every contact of a customer company sees all of the "
        "company's tickets of this team. Otherwise a contact sees only the tickets they "
        "opened or follow.",
    )
    closure_confirmation = fields.Boolean(
        string="Closure Needs the Customer's Confirmation",
        default=True,
        help="Agents resolve tickets; a ticket is closed only when the customer confirms the resolution, "
        "when nobody answered within the days below (closed without confirmation), by a system closure "
        "(monitoring recovery) or by a helpdesk manager with a written reason (Close button).",
    )
    auto_close_days = fields.Integer(
        string="Close Unconfirmed After (days)",
        default=7,
        help="A resolved ticket that the customer neither confirms nor rejects is closed "
        "automatically after this many days (recorded as closed without confirmation). "
        "0 keeps it resolved until someone acts.",
    )
    use_rating = fields.Boolean(
        string="Customer Ratings",
        default=True,
        help="Ask the customer to rate the service when one of this team's tickets is closed.",
    )
    survey_url = fields.Char(
        string="Follow-up Survey",
        help="Optional link to a longer satisfaction survey, added to the rating request email.",
    )
    ticket_ids = fields.One2many("helpdesk.ticket", "team_id", string="Tickets")

    # Intake: email alias (mail.alias.mixin), portal and public web form
    alias_id = fields.Many2one(
        help="Email address of this team: incoming emails create tickets in it, replies are added to their ticket."
    )
    email_create_partner = fields.Boolean(
        string="Create Contacts for New Senders",
        default=True,
        help="A ticket from an address that matches no contact creates the contact. Otherwise the "
        "sender's name and address are only kept on the ticket.",
    )
    email_cc_as_followers = fields.Boolean(
        string="CC'd Addresses Follow the Ticket",
        default=True,
        help="People in CC of an incoming email follow the ticket and receive its public replies.",
    )
    send_acknowledgement = fields.Boolean(
        string="Acknowledge New Tickets",
        default=True,
        help="Email the customer the ticket reference and a link to follow it, when a ticket "
        "arrives by email, the portal or the web form. Never sent to auto-replies or bounces.",
    )
    public_form = fields.Boolean(
        string="Public Web Form",
        help="Publish a form anyone can use without an account to submit a ticket to this team.",
    )
    public_form_url = fields.Char(string="Web Form URL", compute="_compute_public_form_url")
    # Triage: what customers may say about their request (portal, web form, email)
    customer_may_state_impact = fields.Boolean(
        string="Customers State the Impact",
        default=True,
        help="The portal and web forms ask how many people are affected (only me: low impact, my team: "
        "medium, the whole site: high). Otherwise the desk assesses the impact.",
    )
    customer_may_reach_p1 = fields.Boolean(
        string="Customers May Reach P1",
        help="What a customer says alone (urgency, people affected, urgent keywords or email flags) gives "
        "at most P2 High; tick to let it give P1 Critical. A triage rule or an agent may always set P1, "
        "and a gold or platinum customer's tier raises the capped priority by one level.",
    )
    urgent_keywords = fields.Char(
        help="Comma-separated words or phrases that make a customer's request urgent (high urgency) when it "
        "states no urgency itself. Empty: the company's list.",
    )
    # Duplicates (helpdesk.ticket.duplicate)
    duplicate_window_hours = fields.Integer(
        string="Look for Duplicates Within (hours)",
        default=DUPLICATE_WINDOW_HOURS,
        help="A new ticket is compared with the open tickets of the same customer company or sender "
        "address created this many hours before or after it; possible duplicates are shown on the "
        "ticket. 0: no duplicate detection for this team.",
    )
    duplicate_similarity = fields.Float(
        string="Subject Similarity",
        default=DUPLICATE_SIMILARITY,
        help="How alike two subjects must be (trigram similarity of the subjects without "
        "Re:/Fwd:/[reference], 0–100 %) for the tickets to be possible duplicates. The same subject "
        "or the same description (40 characters or more) always counts.",
    )
    duplicate_merge_double_submissions = fields.Boolean(
        string="Merge Exact Double Submissions",
        help="The same sender sending the same subject and description twice within 10 minutes "
        "(a double click, an email sent again): the second ticket is merged into the first a moment "
        "after it arrives (closed as a duplicate, its message and attachments moved, undone by a "
        "manager's Unmerge) instead of being shown as a possible duplicate.",
    )
    open_ticket_count = fields.Integer(string="Open Tickets", compute="_compute_ticket_counters")
    unassigned_ticket_count = fields.Integer(string="Unassigned", compute="_compute_ticket_counters")
    urgent_ticket_count = fields.Integer(string="Urgent", compute="_compute_ticket_counters")
    my_ticket_count = fields.Integer(string="My Tickets", compute="_compute_ticket_counters")
    improvement_new_count = fields.Integer(
        string="New Improvement Suggestions",
        compute="_compute_improvement_new_count",
        help="Improvement suggestions raised from the team's tickets and not decided yet; counted "
        "for the team's leader and helpdesk managers, who decide them.",
    )
    sla_at_risk_ticket_count = fields.Integer(
        string="SLA at Risk",
        compute="_compute_ticket_counters",
        help="Open tickets with an SLA line at risk (most of its time used).",
    )
    sla_failed_ticket_count = fields.Integer(
        string="SLA Failed",
        compute="_compute_ticket_counters",
        help="Open tickets with an SLA line that failed.",
    )
    # The overview card (read through the report models: the user's record rules apply).
    oldest_open_age = fields.Integer(
        string="Oldest Open (business days)",
        compute="_compute_ticket_counters",
        help="Age of the oldest open ticket in working days of the team's calendar (Backlog report).",
    )
    rating_recent_avg = fields.Float(
        string="CSAT (30 days)",
        compute="_compute_rating_recent",
        digits=(16, 1),
        help="Average rating (1-5) the customers gave in the last 30 days (Satisfaction report).",
    )
    rating_recent_count = fields.Integer(string="Ratings (30 days)", compute="_compute_rating_recent")
    created_recent_count = fields.Integer(string="Created (7 days)", compute="_compute_activity_sparkline")
    resolved_recent_count = fields.Integer(string="Resolved (7 days)", compute="_compute_activity_sparkline")
    activity_sparkline = fields.Html(
        string="Created vs Resolved (7 days)",
        compute="_compute_activity_sparkline",
        sanitize=False,
        help="Tickets created and resolved per day over the last 7 days (Created vs Resolved report).",
    )
    mail_rejection_count = fields.Integer(
        string="Unprocessed Emails",
        compute="_compute_mail_rejection_count",
        groups="helpdesk_itil.group_helpdesk_agent",
        help="Emails to this team that the mail gateway could not file, waiting for an agent.",
    )

    _auto_close_days_positive = models.Constraint(
        "CHECK (auto_close_days >= 0)", "The number of days before closing an unconfirmed ticket cannot be negative."
    )
    _duplicate_window_positive = models.Constraint(
        "CHECK (duplicate_window_hours >= 0)", "The window for duplicates is a number of hours, 0 or more."
    )
    _problem_detection_count_positive = models.Constraint(
        "CHECK (problem_detection_count >= 0)", "The incidents that make a problem proposal are 0 (off) or more."
    )
    _problem_detection_days_positive = models.Constraint(
        "CHECK (problem_detection_days >= 1)", "The window of problem detection is at least one day."
    )
    _duplicate_similarity_range = models.Constraint(
        "CHECK (duplicate_similarity > 0 AND duplicate_similarity <= 1)",
        "The subject similarity of duplicates is a share above 0 % and up to 100 %.",
    )

    @api.depends("company_id")
    def _compute_resource_calendar_id(self):
        for team in self:
            calendar_company = team.resource_calendar_id.company_id
            if not team.resource_calendar_id or (calendar_company and calendar_company != team.company_id):
                team.resource_calendar_id = team.company_id.resource_calendar_id

    @api.constrains("survey_url")
    def _check_survey_url(self):
        for team in self:
            if team.survey_url and not team.survey_url.startswith(("https://", "http://")):
                raise ValidationError(
                    self.env._(
                        "The follow-up survey of %(team)s must be a web address starting with https:// or http://.",
                        team=team.name,
                    )
                )

    @api.constrains("pending_reminder_days", "pending_auto_resolve_days")
    def _check_pending_timers(self):
        for team in self:
            if team.pending_reminder_days < 0 or team.pending_auto_resolve_days < 0:
                raise ValidationError(self.env._("Team %(team)s: waiting periods are days, 0 or more.", team=team.name))
            if (
                team.pending_reminder_days
                and team.pending_auto_resolve_days
                and (team.pending_auto_resolve_days <= team.pending_reminder_days)
            ):
                raise ValidationError(
                    self.env._(
                        "Team %(team)s: resolve waiting tickets after more days (now %(resolve)s) than the "
                        "reminder (%(remind)s), or the customer never gets the reminder.",
                        team=team.name,
                        resolve=team.pending_auto_resolve_days,
                        remind=team.pending_reminder_days,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        teams._subscribe_members()
        self.env.registry.clear_cache()  # helpdesk.stage._get_team_stage_ids
        return teams

    def write(self, vals):
        people_before = (
            {team: team._member_users() for team in self} if {"member_ids", "leader_id"} & set(vals) else None
        )
        result = super().write(vals)
        if people_before is not None:
            for team in self:
                # Leaving a team stops its notices; joining it starts them.
                gone = people_before[team] - team._member_users()
                if gone:
                    team.message_unsubscribe(partner_ids=gone.partner_id.ids)
            self._subscribe_members()
        if "stage_ids" in vals:
            self.env.registry.clear_cache()  # helpdesk.stage._get_team_stage_ids
        return result

    def unlink(self):
        # A stage whose only team goes becomes shared.
        self.env.registry.clear_cache()  # helpdesk.stage._get_team_stage_ids
        return super().unlink()

    @api.depends("name", "public_form")
    def _compute_public_form_url(self):
        for team in self:
            if team.public_form and team.id:
                team.public_form_url = f"{team.get_base_url()}{team._get_public_form_path()}"
            else:
                team.public_form_url = False

    @api.depends_context("uid")
    def _compute_improvement_new_count(self):
        # The team lead's (and managers') to-do on the overview: one grouped query.
        user = self.env.user
        deciders = (
            self
            if user.has_group("helpdesk_itil.group_helpdesk_manager")
            else self.filtered(lambda team: team.leader_id == user)
        )
        counts = {}
        if deciders:
            counts = dict(
                self.env["helpdesk.improvement"]._read_group(
                    [("state", "=", "new"), ("team_id", "in", deciders.ids)], ["team_id"], ["__count"]
                )
            )
        for team in self:
            team.improvement_new_count = counts.get(team, 0)

    def action_open_new_improvements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_improvement_action")
        action["domain"] = [("team_id", "=", self.id), ("state", "=", "new")]
        action["context"] = {"default_team_id": self.id}
        return action

    @api.depends_context("uid")
    def _compute_ticket_counters(self):
        # One grouped query for every card; the record rules of the user apply.
        groups = self.env["helpdesk.ticket"]._read_group(
            self._overview_open_domain(),
            ["team_id", "user_id", "priority", "sla_status", "sla_failed"],
            ["__count", "create_date:min"],
        )
        keys = ("open", "unassigned", "urgent", "mine", "at_risk", "failed")
        counters = {team.id: dict.fromkeys(keys, 0) for team in self}
        oldest = {}
        for team, user, priority, sla_status, sla_failed, count, created in groups:
            team_counters = counters[team.id]
            team_counters["open"] += count
            if not user:
                team_counters["unassigned"] += count
            elif user == self.env.user:
                team_counters["mine"] += count
            if priority in URGENT_PRIORITIES:
                team_counters["urgent"] += count
            if sla_status == "at_risk":
                team_counters["at_risk"] += count
            if sla_failed:
                team_counters["failed"] += count
            oldest[team.id] = min(created, oldest.get(team.id, created))
        ages = self._oldest_open_ages(oldest)
        for team in self:
            team.open_ticket_count = counters[team.id]["open"]
            team.unassigned_ticket_count = counters[team.id]["unassigned"]
            team.urgent_ticket_count = counters[team.id]["urgent"]
            team.my_ticket_count = counters[team.id]["mine"]
            team.sla_at_risk_ticket_count = counters[team.id]["at_risk"]
            team.sla_failed_ticket_count = counters[team.id]["failed"]
            team.oldest_open_age = ages.get(team.id, 0)

    @api.model
    def _oldest_open_ages(self, oldest):
        """{team id: age in business days} of the tickets created at `oldest` {team id:
        creation date} (each team's oldest open ticket the user sees), aged as the Backlog
        report ages them: its query, on those tickets only (aging the whole backlog to keep
        one ticket per team would cost a second per 100,000 open tickets). The age depends
        only on the team's calendar and the creation date: any ticket created then will do."""
        if not oldest:
            return {}
        backlog = self.env["helpdesk.ticket.backlog"]._backlog_query(
            SQL(
                "(t.team_id, t.create_date) IN (SELECT * FROM unnest(%s::int[], %s::timestamp[]))",
                list(oldest),
                list(oldest.values()),
            )
        )
        # The planner prices the backlog query's calendar days far above what they cost and
        # would JIT-compile it (200 ms, more than the query itself): not for this request.
        self.env["helpdesk.report.mixin"]._report_query_settings()
        rows = self.env.execute_query(
            SQL("SELECT team_id, MAX(age_business_days) FROM (%s) backlog GROUP BY team_id", backlog)
        )
        return dict(rows)

    @api.depends_context("uid", "tz")
    def _compute_rating_recent(self):
        figures = {
            team: (average, count)
            for team, average, count in self.env["helpdesk.rating.analysis"]._read_group(
                self._overview_domain("rating"), ["team_id"], ["rating:avg", "received_count:sum"]
            )
        }
        for team in self:
            team.rating_recent_avg, team.rating_recent_count = figures.get(team, (0.0, 0))

    @api.depends_context("uid", "tz")
    def _compute_activity_sparkline(self):
        days = self._overview_days(OVERVIEW_SPARKLINE_DAYS)
        # date:day groups in the user's time zone (the context's tz), as the days above.
        groups = self.env["helpdesk.ticket.activity"]._read_group(
            self._overview_domain("created") | self._overview_domain("resolved"),
            ["team_id", "kind", "date:day"],
            ["__count"],
        )
        series = {team.id: {"created": [0] * len(days), "resolved": [0] * len(days)} for team in self}
        for team, kind, day, count in groups:
            if day.date() in days:
                series[team.id][kind][days.index(day.date())] = count
        for team in self:
            created, resolved = series[team.id]["created"], series[team.id]["resolved"]
            team.created_recent_count = sum(created)
            team.resolved_recent_count = sum(resolved)
            team.activity_sparkline = self._sparkline_svg(days, created, resolved)

    def _compute_mail_rejection_count(self):
        counts = dict(
            self.env["helpdesk.mail.rejection"]._read_group(
                [("team_id", "in", self.ids), ("state", "=", "new")], ["team_id"], ["__count"]
            )
        )
        for team in self:
            team.mail_rejection_count = counts.get(team, 0)

    def action_view_mail_rejections(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_mail_rejection_action")
        action["domain"] = [("team_id", "=", self.id)]
        return action

    def action_view_ratings(self):
        """The customer ratings of this team's tickets."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.rating_rating_action_helpdesk")
        action["domain"] = [
            ("parent_res_model", "=", self._name),
            ("parent_res_id", "=", self.id),
            ("consumed", "=", True),
        ]
        action["display_name"] = self.env._("Ratings of %(team)s", team=self.name)
        return action

    def action_view_tickets(self):
        """Open the team's tickets; `ticket_filter` in the context picks a search filter."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        ticket_filter = self.env.context.get("ticket_filter")
        context = {
            "default_team_id": self.id,
            "search_default_team_id": self.id,
            "search_default_filter_open": 1,
        }
        if ticket_filter in ("unassigned", "urgent", "my", "sla_at_risk", "sla_failed"):
            context[f"search_default_filter_{ticket_filter}"] = 1
        action["context"] = context
        action["display_name"] = self.name
        return action

    @api.readonly
    def action_open_overview_figure(self):
        """The tickets behind a figure of the overview card that comes from a report
        (`overview_figure` in the context: oldest, rating, created, resolved), through the
        report model's drill-down with the domain the figure was computed with."""
        self.ensure_one()
        figure = self.env.context.get("overview_figure")
        if figure not in OVERVIEW_REPORT_FIGURES:
            raise ValueError(f"Unknown overview figure {figure!r}.")
        domain = self._overview_domain(figure)
        if figure == "oldest":
            # The team's open tickets created when its oldest one was (the same age).
            ((oldest,),) = self.env["helpdesk.ticket"]._read_group(domain, [], ["create_date:min"])
            domain &= Domain("create_date", "<=", oldest or False)
        action = self.env[self._overview_report_model(figure)].action_open_tickets(list(domain))
        label = self._fields[self._overview_field(figure)]._description_string(self.env)
        action["display_name"] = self.env._("%(team)s: %(figure)s", team=self.name, figure=label)
        return action

    # ------------------------------------------------------------------
    # Overview
    # ------------------------------------------------------------------

    @api.model
    def _overview_report_model(self, figure):
        return {
            "oldest": "helpdesk.ticket.backlog",
            "rating": "helpdesk.rating.analysis",
            "created": "helpdesk.ticket.activity",
            "resolved": "helpdesk.ticket.activity",
        }[figure]

    @api.model
    def _overview_field(self, figure):
        return {
            "oldest": "oldest_open_age",
            "rating": "rating_recent_avg",
            "created": "created_recent_count",
            "resolved": "resolved_recent_count",
        }[figure]

    def _overview_open_domain(self):
        """These teams' open tickets (said the same way on the tickets and the Backlog)."""
        return Domain("team_id", "in", self.ids) & Domain("state", "in", OPEN_STATES)

    def _overview_domain(self, figure):
        """The report rows behind a figure of these teams' overview cards."""
        teams = Domain("team_id", "in", self.ids)
        if figure == "oldest":
            return self._overview_open_domain()
        if figure == "rating":
            return teams & Domain("rated_on", ">=", self._overview_since(OVERVIEW_RATING_DAYS))
        since = self._overview_since(OVERVIEW_SPARKLINE_DAYS)
        return teams & Domain("kind", "=", figure) & Domain("date", ">=", since)

    @api.model
    def _overview_days(self, count):
        """The last `count` days, today included, in the user's time zone."""
        today = pytz.utc.localize(fields.Datetime.now()).astimezone(self.env.tz).date()
        return [today - timedelta(days=count - 1 - i) for i in range(count)]

    @api.model
    def _overview_since(self, days):
        """Start (naive UTC) of the first of the last `days` days, in the user's time zone."""
        first = self._overview_days(days)[0]
        return self.env.tz.localize(datetime.combine(first, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _sparkline_svg(self, days, created, resolved, width=112, height=28):
        """A small inline SVG: created (blue) and resolved (green) per day; a tooltip per day."""
        top = max([*created, *resolved, 1])
        step = width / max(len(days) - 1, 1)

        def points(values):
            return " ".join(
                f"{i * step:.1f},{height - 2 - (height - 4) * value / top:.1f}" for i, value in enumerate(values)
            )

        title = "\n".join(
            self.env._(
                "%(day)s: %(created)s created, %(resolved)s resolved",
                day=day.strftime("%a %d"),
                created=c,
                resolved=r,
            )
            for day, c, r in zip(days, created, resolved, strict=True)
        )
        return Markup(
            '<svg class="o_helpdesk_sparkline" xmlns="http://www.w3.org/2000/svg" width="%(w)s" height="%(h)s" '
            'viewBox="0 0 %(w)s %(h)s" role="img"><title>%(title)s</title>'
            '<polyline fill="none" stroke="#3b82f6" stroke-width="2" points="%(created)s"/>'
            '<polyline fill="none" stroke="#16a34a" stroke-width="2" stroke-dasharray="3 2" points="%(resolved)s"/>'
            "</svg>"
        ) % {
            "w": width,
            "h": height,
            "title": escape(title),
            "created": points(created),
            "resolved": points(resolved),
        }

    @api.readonly
    @api.model
    def get_my_performance(self):
        """The "My performance" strip above the overview: the user's open tickets, those with
        an SLA at risk, and the median time to first response (business hours, stamped on the
        tickets) of the tickets first answered this week (from Monday, the user's time zone)."""
        user = self.env.user
        counts = self.env["helpdesk.ticket"]._read_group(
            Domain("user_id", "=", user.id) & Domain("state", "in", OPEN_STATES), ["sla_status"], ["__count"]
        )
        today = self._overview_days(1)[0]
        monday = today - timedelta(days=today.weekday())
        week_start = self.env.tz.localize(datetime.combine(monday, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        ((median, answered),) = self.env["helpdesk.ticket.analysis"]._read_group(
            Domain("user_id", "=", user.id) & Domain("first_response_date", ">=", week_start),
            [],
            ["kpi_first_response_business_hours_median:median", "__count"],
        )
        return {
            "open": sum(count for _status, count in counts),
            "at_risk": sum(count for status, count in counts if status == "at_risk"),
            # Nobody answered yet: no median (None), never a 0.
            "first_response_median": median if answered else None,
            "answered": answered,
            "week_start": fields.Date.to_string(monday),
        }

    @api.model
    def action_my_tickets(self, at_risk=False):
        """The user's open tickets (`at_risk`: those with an SLA line at risk)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        context = {"search_default_filter_my": 1, "search_default_filter_open": 1}
        if at_risk:
            context["search_default_filter_sla_at_risk"] = 1
        action["context"] = context
        return action

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("helpdesk.ticket")
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
        return values

    def _get_public_form_path(self):
        self.ensure_one()
        slug = self.env["ir.http"]._slugify(self.name or "") or "team"
        return f"/helpdesk/{slug}-{self.id}/submit"

    @api.model
    def _get_company_default_team(self, company):
        """The team of a ticket that names none and whose category has none: the company's
        first active team by sequence. Searched as superuser: routing a ticket does not
        depend on what its creator may read."""
        return self.sudo().search(Domain("company_id", "=", company.id), limit=1).sudo(False)

    def _get_stages(self):
        """The stages this team's tickets move through: its own and those shared by every
        team (no team set on the stage); every stage for tickets without a team."""
        Stage = self.env["helpdesk.stage"]
        if not self:
            return Stage.browse(Stage._get_team_stage_ids(False))
        return Stage.browse({stage_id for team in self for stage_id in Stage._get_team_stage_ids(team.id)}).sorted()

    def _get_stage_for_state(self, state):
        """The stage that stands for the ITIL `state` in this team: its first stage (by
        sequence) in that state, among `_get_stages()`. Empty when the team has none: the
        caller says so (never another team's stage)."""
        return self[:1]._get_stages().filtered(lambda stage: stage.state == state)[:1]

    def _pick_assignees(self, count, tickets=None):
        """Return `count` users for new tickets (`tickets`, when given, in that order: their
        priority and skills count); an empty user where nobody may take one (manual team,
        everyone on leave or at capacity).

        The one home of automatic assignment: members on leave are skipped; a member never
        goes beyond their capacity (open tickets weighted by priority, PRIORITY_WEIGHTS);
        "by skill" picks among the members with the ticket's skills (``_has_ticket_skills``),
        else among the whole team."""
        self.ensure_one()
        members = self.member_ids.filtered("active").sorted("id")
        if self.assignment_method != "manual" and members:
            # Agents on leave (resource calendar) are skipped.
            members -= self._users_on_leave(members)
        if self.assignment_method == "manual" or not members or count <= 0:
            return [self.env["res.users"]] * count
        self._lock_for_assignment()
        tickets = list(tickets or [self.env["helpdesk.ticket"]] * count)
        capped = any(member.sudo().helpdesk_capacity for member in members)
        if self.assignment_method == "round_robin" and not capped:
            start = 0
            if self.last_assigned_user_id in members:
                start = list(members).index(self.last_assigned_user_id) + 1
            picked = [members[(start + i) % len(members)] for i in range(count)]
            self.sudo().last_assigned_user_id = picked[-1]
            return picked
        counts, workloads = self._open_ticket_workloads(members)
        if self.assignment_method == "round_robin":
            return self._pick_round_robin(members, tickets, workloads)
        return [
            self._pick_least_loaded(members, ticket, counts, workloads, skills=self.assignment_method == "skills")
            for ticket in tickets
        ]

    def _pick_round_robin(self, members, tickets, workloads):
        """Round robin that passes over members at capacity (see ``_has_room``)."""
        start = 0
        if self.last_assigned_user_id in members:
            start = list(members).index(self.last_assigned_user_id) + 1
        picked = []
        for ticket in tickets:
            weight = self._ticket_weight(ticket)
            user = self.env["res.users"]
            for i in range(len(members)):
                member = members[(start + i) % len(members)]
                if self._has_room(member, workloads[member], weight):
                    user = member
                    start = (start + i + 1) % len(members)
                    workloads[member] += weight
                    break
            picked.append(user)
        last = [user for user in picked if user]
        if last:
            self.sudo().last_assigned_user_id = last[-1]
        return picked

    def _pick_least_loaded(self, members, ticket, counts, workloads, skills=False, strict=False):
        """The member with the fewest open tickets (then the lowest id) among those with room
        for `ticket`; with `skills`, among those who also have its skills, else (unless
        `strict`) among the whole team. Updates `counts` and `workloads` with the pick."""
        weight = self._ticket_weight(ticket)
        candidates = members.filtered(lambda member: self._has_room(member, workloads[member], weight))
        if skills:
            skilled = candidates.filtered(lambda member: self._has_ticket_skills(member, ticket))
            candidates = skilled if skilled or strict else candidates
        if not candidates:
            return self.env["res.users"]
        user = min(candidates, key=lambda member: (counts[member], member.id))
        counts[user] += 1
        workloads[user] += weight
        return user

    def _pick_next_level(self, ticket):
        """For an escalation by complexity: the member of this team, not on leave, with room
        and `ticket`'s skills at its (already raised) support level, fewest open tickets
        first; empty when there is none (no fallback: a lower level cannot take it)."""
        self.ensure_one()
        members = self.member_ids.filtered("active").sorted("id")
        members -= self._users_on_leave(members)
        if not members:
            return self.env["res.users"]
        self._lock_for_assignment()
        counts, workloads = self._open_ticket_workloads(members)
        return self._pick_least_loaded(members, ticket, counts, workloads, skills=True, strict=True)

    def _lock_for_assignment(self):
        """Serialise assignment per team: two requests assigning tickets at once would
        otherwise both read the same last assignee or the same loads."""
        self.ensure_one()
        # NO KEY UPDATE: a request that inserted a ticket of this team holds a KEY SHARE lock on
        # the row (the foreign key); FOR UPDATE would wait for it, and two such requests would
        # deadlock on each other (seen in the load test). Assignments still queue per team.
        self.env.cr.execute("SELECT id FROM helpdesk_team WHERE id = %s FOR NO KEY UPDATE", [self.id])

    @api.model
    def _ticket_weight(self, ticket):
        """What `ticket` (empty: a ticket of the default priority, P3) weighs in a workload."""
        return PRIORITY_WEIGHTS[ticket.priority or "3"]

    @api.model
    def _has_room(self, user, workload, weight):
        """Whether `user` may take a ticket weighing `weight` on top of `workload` (0: no limit)."""
        capacity = user.sudo().helpdesk_capacity
        return not capacity or workload + weight <= capacity

    @api.model
    def _has_ticket_skills(self, user, ticket):
        """Whether `user` has `ticket`'s skills: its category (or a parent category), its
        product, its customer's language (the agent's own language or a support language) and
        its support level (or a higher one). A ticket without category, product or customer
        language asks nothing on that count."""
        if not ticket:
            return True
        user = user.sudo()
        ticket = ticket.sudo()
        if not ticket._support_level_covered(user):
            return False
        category = ticket.category_id
        if category:
            lineage = {int(cid) for cid in category.parent_path.split("/") if cid}
            if not lineage & set(user.helpdesk_category_ids.ids):
                return False
        if ticket.product_id and ticket.product_id not in user.helpdesk_product_ids:
            return False
        lang = ticket.partner_id.lang
        return not lang or lang == user.lang or lang in user.helpdesk_lang_ids.mapped("code")

    @api.model
    def _users_on_leave(self, users, at=None):
        """The `users` on leave at `at` (now by default): a time off of their resource.

        Users without a resource have no leaves and are considered available.
        """
        if not users:
            return self.env["res.users"]
        at = at or fields.Datetime.now()
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search(
                [
                    ("resource_id.user_id", "in", users.ids),
                    ("time_type", "=", "leave"),
                    ("date_from", "<=", at),
                    ("date_to", ">", at),
                ]
            )
        )
        return users & leaves.resource_id.user_id

    def _pick_available_member(self, at=None, exclude=None, ticket=None):
        """A member for `ticket` when the agent an escalation rule wants is on leave: not on
        leave at `at` (now by default), not in `exclude`. The same choice as assignment by
        skill (``_pick_least_loaded``, whatever the team's method): among the members with
        room under their capacity, those with the ticket's skills first, fewest open tickets
        first; when everyone is at capacity, the member with the fewest open tickets."""
        self.ensure_one()
        members = self.member_ids.filtered("active").sorted("id") - (exclude or self.env["res.users"])
        members -= self._users_on_leave(members, at)
        if not members:
            return self.env["res.users"]
        self._lock_for_assignment()
        counts, workloads = self._open_ticket_workloads(members)
        ticket = ticket or self.env["helpdesk.ticket"]
        picked = self._pick_least_loaded(members, ticket, counts, workloads, skills=True)
        return picked or min(members, key=lambda member: (counts[member], member.id))

    @api.model
    def _open_ticket_workloads(self, users):
        """({user: open tickets}, {user: open tickets weighted by priority}) of the tickets
        assigned to `users` in every team, in one query."""
        counts = dict.fromkeys(users, 0)
        workloads = dict.fromkeys(users, 0)
        groups = (
            self.env["helpdesk.ticket"]
            .sudo()
            ._read_group(
                Domain("user_id", "in", users.ids) & Domain("state", "in", OPEN_STATES),
                ["user_id", "priority"],
                ["__count"],
            )
        )
        for user, priority, count in groups:
            counts[user] += count
            workloads[user] += count * PRIORITY_WEIGHTS[priority]
        return counts, workloads

    # ------------------------------------------------------------------
    # Notifications: who follows the team for what (README "Notifications")
    # ------------------------------------------------------------------

    def _member_users(self):
        self.ensure_one()
        return (self.member_ids | self.leader_id).filtered(lambda user: not user._is_public() and not user.share)

    def _subscribe_members(self):
        """Members and the leader follow their team with the default notification
        subtypes; someone who already follows it keeps their own choice."""
        Subtype = self.env["mail.message.subtype"]
        xmlid_to_id = self.env["ir.model.data"]._xmlid_to_res_id
        member_subtypes = Subtype.browse(xmlid_to_id(xmlid) for xmlid in MEMBER_SUBTYPES).ids
        leader_subtypes = Subtype.browse(xmlid_to_id(xmlid) for xmlid in LEADER_SUBTYPES).ids
        for team in self:
            users = team._member_users()
            if not users:
                continue
            subtypes = {
                user.partner_id.id: set(leader_subtypes if user == team.leader_id else member_subtypes)
                for user in users
            }
            self.env["mail.followers"].sudo()._insert_followers(
                self._name, team.ids, list(subtypes), subtypes=subtypes, check_existing=True, existing_policy="skip"
            )

    def _watchers(self, subtype):
        """{team: partners} of the internal users following each team with `subtype` (a
        record or an xmlid); portal and other share partners are never told internal notices."""
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id(subtype) if isinstance(subtype, str) else subtype.id
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search_fetch(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("subtype_ids", "in", [subtype_id]),
                    ("partner_id.partner_share", "=", False),
                    ("partner_id.active", "=", True),
                ],
                ["res_id", "partner_id"],
            )
        )
        watchers = {team: self.env["res.partner"] for team in self}
        for follower in followers:
            watchers[self.browse(follower.res_id)] |= follower.partner_id
        return watchers

    def _assignment_muted(self, partners):
        """The `partners` who follow this team without "Assigned to Me": they opted out.
        Someone who does not follow the team at all has not opted out."""
        self.ensure_one()
        if not partners:
            return self.env["res.partner"]
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("helpdesk_itil.mt_team_ticket_assigned")
        # One query for the followers and their subtypes (mail's own subscription lookup).
        subscriptions = self.env["mail.followers"].sudo()._get_subscription_data([(self._name, self.ids)], partners.ids)
        return self.env["res.partner"].browse(
            partner_id
            for _fid, _res_id, partner_id, subtype_ids in subscriptions
            if subtype_id not in (subtype_ids or [])
        )
