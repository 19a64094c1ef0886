import logging
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from .helpdesk_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# Agents handled per committed batch of the daily digest.
DIGEST_BATCH_SIZE = 50

# Support levels of agents and tickets, lowest first: an agent works tickets of their level
# and below; an escalation by complexity raises a ticket to the next one.
SUPPORT_LEVELS = [("l1", "L1"), ("l2", "L2"), ("l3", "L3")]
# What helpdesk managers may set on agents (the "Agents" list) without user administration
# rights: skills, support level and capacity (team assignment "by skill").
AGENT_SKILL_FIELDS = frozenset(
    {
        "helpdesk_category_ids",
        "helpdesk_product_ids",
        "helpdesk_lang_ids",
        "helpdesk_support_level",
        "helpdesk_capacity",
    }
)


class ResUsers(models.Model):
    _inherit = "res.users"

    helpdesk_digest = fields.Boolean(
        string="Helpdesk Daily Digest",
        default=True,
        help="Receive an email in your first working hour listing your open tickets, those at risk, those "
        "waiting on you and your reminders due.",
    )
    helpdesk_digest_date = fields.Date(
        string="Last Helpdesk Digest", readonly=True, copy=False, help="Day (in your time zone) of the last digest."
    )

    # Skills for team assignment "by skill, then least open tickets" (helpdesk.team).
    helpdesk_category_ids = fields.Many2many(
        "helpdesk.category",
        "helpdesk_category_res_users_skill_rel",
        "user_id",
        "category_id",
        string="Skilled in Categories",
        help="Ticket categories this agent handles, sub-categories included.",
    )
    helpdesk_product_ids = fields.Many2many(
        "product.product",
        "helpdesk_product_res_users_skill_rel",
        "user_id",
        "product_id",
        string="Skilled in Products",
        help="Products this agent supports.",
    )
    helpdesk_lang_ids = fields.Many2many(
        "res.lang",
        "helpdesk_res_lang_res_users_skill_rel",
        "user_id",
        "lang_id",
        string="Support Languages",
        help="Languages this agent answers customers in, besides their own language (Preferences).",
    )
    helpdesk_support_level = fields.Selection(
        SUPPORT_LEVELS,
        string="Support Level",
        default="l1",
        help="L1 first line, L2 specialist, L3 expert: the agent takes tickets of this level and below.",
    )
    helpdesk_capacity = fields.Integer(
        string="Ticket Capacity",
        help="Most open tickets this agent is assigned automatically, weighted by priority "
        "(P1 counts 4, P2 3, P3 2, P4 1). 0: no limit.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "helpdesk_digest", "helpdesk_digest_date"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "helpdesk_digest"]

    @api.constrains("helpdesk_capacity")
    def _check_helpdesk_capacity(self):
        for user in self:
            if user.helpdesk_capacity < 0:
                raise ValidationError(
                    self.env._("%(user)s: the ticket capacity cannot be negative; use 0 for no limit.", user=user.name)
                )

    def write(self, vals):
        # Helpdesk managers set agents' skills, level and capacity (Helpdesk > Configuration >
        # Agents) without being user administrators; nothing else of a user.
        if (
            vals
            and AGENT_SKILL_FIELDS.issuperset(vals)
            and not self.env.su
            and not self.has_access("write")
            and self.env.user.has_group("helpdesk_itil.group_helpdesk_manager")
        ):
            if any(user.share for user in self.sudo()):
                raise AccessError(self.env._("Skills and capacity are for internal users only."))
            return super(ResUsers, self.sudo()).write(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Skills (team assignment by skill)
    # ------------------------------------------------------------------

    def _helpdesk_lang_codes(self):
        """{user: set of language codes they answer in}: their own language and their
        support languages."""
        return {user: {user.lang, *user.helpdesk_lang_ids.mapped("code")} - {False} for user in self.sudo()}

    # ------------------------------------------------------------------
    # My working hours (tools/business_clock.py on my resource calendar)
    # ------------------------------------------------------------------

    def _helpdesk_calendar(self):
        """The user's working hours: their resource's calendar, else their company's."""
        self.ensure_one()
        user = self.sudo()
        return user.resource_calendar_id or user.company_id.resource_calendar_id

    def _helpdesk_tz(self):
        self.ensure_one()
        return pytz.timezone(self.tz or self._helpdesk_calendar().tz or "UTC")

    def _helpdesk_local_date(self, when):
        """The user's calendar day at `when` (naive UTC)."""
        return pytz.utc.localize(when).astimezone(self._helpdesk_tz()).date()

    def _helpdesk_midnight(self, day):
        """Naive UTC of the start of the user's calendar day `day`."""
        local = self._helpdesk_tz().localize(datetime.combine(day, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def _helpdesk_opening(self, after, clocks=None):
        """The first instant of the user's working hours at or after `after` (naive UTC);
        False for a calendar without working time."""
        self.ensure_one()
        calendar = self._helpdesk_calendar()
        if not calendar:
            return after
        clocks = clocks or self.env["resource.calendar"]._helpdesk_clocks()
        return clocks.get((calendar, self.sudo().company_id)).next_opening(after)

    def _helpdesk_next_morning(self, now):
        """Tomorrow morning in the user's working hours: the start of their next working
        day after today (Monday's after a Friday)."""
        return self._helpdesk_opening(self._helpdesk_midnight(self._helpdesk_local_date(now) + timedelta(days=1)))

    def _helpdesk_first_working_hour(self, day, clocks=None):
        """When the user's working day `day` starts; False if they do not work that day."""
        midnight = self._helpdesk_midnight(day)
        opening = self._helpdesk_opening(midnight, clocks)
        return opening if opening and opening < self._helpdesk_midnight(day + timedelta(days=1)) else False

    # ------------------------------------------------------------------
    # Daily digest
    # ------------------------------------------------------------------

    def _helpdesk_digest_values(self, day):
        """What the digest of `day` tells the agent: their open tickets, those at risk
        (SLA at risk or failed), those waiting on them (the customer replied) and their
        ticket reminders due by that day."""
        self.ensure_one()
        tickets = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                Domain("user_id", "=", self.id) & Domain("state", "in", OPEN_STATES),
                order="priority, sla_deadline, id",
            )
        )
        reminders = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [("user_id", "=", self.id), ("res_model", "=", "helpdesk.ticket"), ("date_deadline", "<=", day)],
                order="date_deadline, id",
            )
        )
        return {
            "day": day,
            "tickets": tickets,
            "at_risk": tickets.filtered(lambda t: t.sla_status in ("at_risk", "failed")),
            "waiting": tickets.filtered("customer_replied_date").sorted("customer_replied_date"),
            "reminders": reminders,
            "status_labels": dict(tickets._fields["sla_status"]._description_selection(self.env)),
            "reminder_tickets": {
                activity.id: self.env["helpdesk.ticket"].sudo().browse(activity.res_id) for activity in reminders
            },
        }

    def _helpdesk_send_digest(self, day):
        """Email the digest of `day` (nothing when there is nothing to tell); True if sent."""
        self.ensure_one()
        values = self._helpdesk_digest_values(day)
        if not values["tickets"] and not values["reminders"]:
            return False
        if not self.email:
            return False
        template = self.env.ref("helpdesk_itil.mail_template_helpdesk_digest")
        template.sudo().with_context(helpdesk_digest=values, lang=self.lang).send_mail(
            self.id, email_layout_xmlid="mail.mail_notification_light"
        )
        return True

    @api.model
    def _cron_helpdesk_digest(self, batch_size=DIGEST_BATCH_SIZE):
        """Scheduled action "Helpdesk: daily digest" (hourly): each agent who wants it gets
        the digest once per day of theirs, from the start of their working day on (no
        digest on a day off). ``helpdesk_digest_date`` remembers the day, so a second run
        or a second worker sends nothing more."""
        now = fields.Datetime.now()
        domain = (
            Domain("share", "=", False)
            & Domain("helpdesk_digest", "=", True)
            & Domain("all_group_ids", "in", self.env.ref("helpdesk_itil.group_helpdesk_user").ids)
            & (Domain("helpdesk_digest_date", "=", False) | Domain("helpdesk_digest_date", "<=", now.date()))
        )
        Users = self.sudo()
        seen = []
        clocks = self.env["resource.calendar"]._helpdesk_clocks()
        while True:
            users = Users.search(domain & Domain("id", "not in", seen), order="id", limit=batch_size)
            if not users:
                return True
            seen += users.ids
            for user in users.try_lock_for_update():
                today = user._helpdesk_local_date(now)
                if user.helpdesk_digest_date and user.helpdesk_digest_date >= today:
                    continue
                opening = user._helpdesk_first_working_hour(today, clocks)
                if not opening or opening > now:
                    continue
                user._helpdesk_send_digest(today)
                user.helpdesk_digest_date = today
            if not self.env["ir.cron"]._commit_progress(len(users)):
                return False
