from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

# "In N days": at most this many days ahead.
REMIND_MAX_DAYS = 365


class HelpdeskTicketRemind(models.TransientModel):
    """ "Remind me" on a ticket: a to-do activity for oneself, due when asked."""

    _name = "helpdesk.ticket.remind"
    _description = "Remind Me About a Ticket"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    when = fields.Selection(
        [
            ("hour", "In 1 Hour"),
            ("morning", "Tomorrow Morning"),
            ("days", "In N Days"),
        ],
        required=True,
        default="hour",
        help="Tomorrow morning: the start of your next working day, in your working hours.",
    )
    days = fields.Integer(default=3, help="Calendar days from now, at the same time of day.")
    note = fields.Text(help="What to do then.")
    remind_at = fields.Datetime(string="Remind Me On", compute="_compute_remind_at")

    @api.depends("when", "days")
    def _compute_remind_at(self):
        now = fields.Datetime.now()
        for wizard in self:
            wizard.remind_at = wizard._remind_at(now)

    def _remind_at(self, now):
        """The moment of the reminder (naive UTC); False for a bad number of days."""
        self.ensure_one()
        if self.when == "hour":
            return now + timedelta(hours=1)
        if self.when == "morning":
            return self.env.user._helpdesk_next_morning(now)
        if 1 <= self.days <= REMIND_MAX_DAYS:
            return now + timedelta(days=self.days)
        return False

    def action_remind(self):
        """Schedule the to-do for oneself, due on the reminder's day in one's time zone;
        the exact time is in its summary (activities are due on a date)."""
        self.ensure_one()
        if self.when == "days" and not 1 <= self.days <= REMIND_MAX_DAYS:
            raise UserError(
                self.env._("Remind you in 1 to %(max)s days, not %(days)s.", max=REMIND_MAX_DAYS, days=self.days)
            )
        remind_at = self._remind_at(fields.Datetime.now())
        if not remind_at:
            raise UserError(self.env._("Your working hours have no working time: pick a number of days instead."))
        user = self.env.user
        tz = user._helpdesk_tz().zone
        summary = self.env._(
            "Reminder: %(when)s", when=format_datetime(self.env, remind_at, tz=tz, dt_format="EEE d MMM HH:mm")
        )
        return self.ticket_id.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=user._helpdesk_local_date(remind_at),
            summary=summary,
            note=self.note or False,
            user_id=user.id,
        )
