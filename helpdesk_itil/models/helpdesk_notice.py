import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import format_datetime, mute_logger

from .helpdesk_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# Groups of notices sent per committed batch of the notice cron.
NOTICE_BATCH_SIZE = 50


def minute_of(when):
    """The start of the minute `when` falls in: notices of one minute go together."""
    return when.replace(second=0, microsecond=0)


class HelpdeskNotice(models.Model):
    """Agent notifications of the helpdesk, in one place (README "Notifications").

    A row is a notice waiting to be sent: a new ticket for the followers of its team
    (teams with manual assignment), or a ticket assigned automatically to an agent. Rows
    are sent grouped per team and recipient by the scheduled action "Helpdesk: agent
    notices", which ``create()`` triggers for the end of the minute: a burst of tickets in
    one minute is one message, not one per ticket.

    The SLA notices (at risk, failed) are sent at once by the SLA watcher through
    ``_notify_sla_lines``, once per line and status.
    """

    _name = "helpdesk.notice"
    _description = "Helpdesk Agent Notice (queue)"
    _order = "id"

    team_id = fields.Many2one("helpdesk.team", required=True, index=True, ondelete="cascade")
    ticket_id = fields.Many2one("helpdesk.ticket", required=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users", ondelete="cascade", help="Agent the ticket was assigned to; empty: the team's new-ticket notice."
    )
    minute = fields.Datetime(required=True, index=True, help="Minute the notice belongs to (grouping).")

    # ------------------------------------------------------------------
    # New and automatically assigned tickets: queued by create(), sent per minute
    # ------------------------------------------------------------------

    @api.model
    def _queue_created(self, tickets, auto_assigned):
        """The notification step of ``helpdesk.ticket.create()``: queue a new-ticket
        notice for unassigned tickets of teams with manual assignment, an assignment
        notice for tickets the team's method assigned (`auto_assigned`). A ticket created
        with an assignee is not queued: mail's own "assigned to you" tells that assignee."""
        minute = minute_of(fields.Datetime.now())
        rows = []
        for ticket in tickets.filtered(lambda t: t.team_id and t.state in OPEN_STATES):
            if ticket in auto_assigned:
                rows.append({"team_id": ticket.team_id.id, "ticket_id": ticket.id, "user_id": ticket.user_id.id})
            elif not ticket.user_id and ticket.team_id.assignment_method == "manual":
                rows.append({"team_id": ticket.team_id.id, "ticket_id": ticket.id})
        if not rows:
            return self.browse()
        notices = self.sudo().create([dict(row, minute=minute) for row in rows])
        self._schedule_send(minute + timedelta(minutes=1))
        return notices

    @api.model
    def _schedule_send(self, at):
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_notice", raise_if_not_found=False)
        if not cron:
            return
        # One trigger per minute, not one per ticket of a burst.
        pending = (
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id), ("call_at", "=", at)], limit=1)
        )
        if not pending:
            cron._trigger(at)

    @api.model
    def _cron_send(self, batch_size=NOTICE_BATCH_SIZE):
        """Scheduled action "Helpdesk: agent notices": send the notices of the minutes that
        are over, one message per team (new tickets) and per agent (assignments), in
        committed batches of groups. Rows another worker holds are left for it."""
        Notice = self.sudo()
        domain = Domain("minute", "<", minute_of(fields.Datetime.now()))
        seen = []
        while True:
            groups = Notice._read_group(
                domain & Domain("id", "not in", seen), ["team_id", "user_id"], ["id:array_agg"], limit=batch_size
            )
            if not groups:
                return True
            for team, user, ids in groups:
                seen += ids
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    notices = Notice.browse(ids).try_lock_for_update()
                    if not notices.exists():
                        continue
                    if user:
                        notices._send_assigned(team, user)
                    else:
                        notices._send_new_tickets(team)
                    notices.unlink()
            if not self.env["ir.cron"]._commit_progress(len(groups)):
                return False

    def _ticket_list(self, tickets):
        items = Markup().join(
            Markup(
                '<li><a href="/odoo/helpdesk.ticket/%s" data-oe-model="helpdesk.ticket" data-oe-id="%s">%s</a>%s</li>'
            )
            % (
                ticket.id,
                ticket.id,
                ticket.display_name,
                Markup(" — %s") % ticket.partner_id.name if ticket.partner_id else "",
            )
            for ticket in tickets
        )
        return Markup("<ul>%s</ul>") % items

    def _send_new_tickets(self, team):
        """One message on the team to its followers with "New Ticket", listing the
        tickets still waiting for an assignee (one taken within the minute is left out)."""
        tickets = self.ticket_id.filtered(lambda t: t.team_id == team and not t.user_id and t.state in OPEN_STATES)
        if not tickets:
            return
        if len(tickets) == 1:
            subject = self.env._("New ticket in %(team)s: %(ticket)s", team=team.name, ticket=tickets.display_name)
            intro = self.env._("A new ticket is waiting for an assignee in %(team)s:", team=team.name)
        else:
            subject = self.env._("%(count)s new tickets in %(team)s", count=len(tickets), team=team.name)
            intro = self.env._(
                "%(count)s new tickets are waiting for an assignee in %(team)s:", count=len(tickets), team=team.name
            )
        team.sudo().with_context(mail_post_autofollow=False).message_post(
            body=Markup("<p>%s</p>") % intro + self._ticket_list(tickets),
            subject=subject,
            subtype_xmlid="helpdesk_itil.mt_team_ticket_new",
            message_type="notification",
            author_id=self.env.ref("base.partner_root").id,
        )

    def _send_assigned(self, team, user):
        """Tell `user` about the tickets the team's method assigned to them: mail's own
        "you have been assigned" for one ticket, one message listing them for several.
        Unless they follow the team without "Assigned to Me" (their opt-out)."""
        tickets = self.ticket_id.filtered(lambda t: t.user_id == user and t.state in OPEN_STATES)
        if not tickets or not user.active or team._assignment_muted(user.partner_id):
            return
        if len(tickets) == 1:
            tickets.sudo()._message_auto_subscribe_notify(user.partner_id.ids, "mail.message_user_assigned")
            return
        team.sudo().message_notify(
            partner_ids=user.partner_id.ids,
            subject=self.env._("%(count)s tickets of %(team)s assigned to you", count=len(tickets), team=team.name),
            body=Markup("<p>%s</p>") % self.env._("These tickets of %(team)s were assigned to you:", team=team.name)
            + self._ticket_list(tickets),
            author_id=self.env.ref("base.partner_root").id,
            email_layout_xmlid="mail.mail_notification_layout",
        )

    # ------------------------------------------------------------------
    # SLA at risk / failed: from the SLA watcher, once per line and status
    # ------------------------------------------------------------------

    @api.model
    def _notify_sla_lines(self, lines):
        """Tell the assignee (the team leader when the ticket is unassigned) that an SLA
        line is at risk or failed: a plain notification on the ticket, never an
        escalation. The line remembers it (``notified_at_risk`` / ``notified_failed``),
        so each line tells each status once; a line that fails before anyone was told it
        was at risk sends only the failure. Followers of the team with "SLA at Risk" are
        told as well (``helpdesk.ticket._notify_get_recipients``)."""
        todo = defaultdict(lambda: self.env["helpdesk.ticket.sla"])
        for line in lines:
            if line.status == "failed" and not line.notified_failed:
                todo["failed"] |= line
            elif line.status == "at_risk" and not line.notified_at_risk:
                todo["at_risk"] |= line
        if not todo:
            return
        odoobot = self.env.ref("base.partner_root")
        for status, status_lines in todo.items():
            for line in status_lines:
                ticket = line.ticket_id.sudo()
                recipient = ticket.user_id or ticket.team_id.leader_id
                when = format_datetime(self.env, line.deadline, tz=recipient.tz or None, dt_format="short")
                if status == "failed":
                    subject = self.env._("SLA failed: %(ticket)s", ticket=ticket.display_name)
                    text = self.env._(
                        "The SLA “%(sla)s” of this ticket failed: its deadline was %(when)s.", sla=line.name, when=when
                    )
                else:
                    subject = self.env._("SLA at risk: %(ticket)s", ticket=ticket.display_name)
                    text = self.env._(
                        "The SLA “%(sla)s” of this ticket is at risk: its deadline is %(when)s.",
                        sla=line.name,
                        when=when,
                    )
                ticket.with_context(mail_post_autofollow=False).message_post(
                    body=Markup("<p>%s</p>") % text,
                    subject=subject,
                    subtype_xmlid="helpdesk_itil.mt_ticket_sla_alert",
                    message_type="notification",
                    author_id=odoobot.id,
                    partner_ids=recipient.partner_id.ids,
                )
            # A failed line is past being at risk: it never sends that notice afterwards.
            status_lines.write(
                {"notified_at_risk": True, "notified_failed": True}
                if status == "failed"
                else {"notified_at_risk": True}
            )
