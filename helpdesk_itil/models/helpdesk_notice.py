import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, clean_context, format_datetime, mute_logger, split_every

from odoo.addons.mail.tools.discuss import Store

from .helpdesk_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# Groups of notices sent per committed batch of the notice cron.
NOTICE_BATCH_SIZE = 50
# Per database, the latest send time whose trigger this process saw committed: the tickets
# of a burst after the first one in a minute skip the lookup (see _schedule_send).
_COMMITTED_TRIGGERS = {}


def minute_of(when):
    """The start of the minute `when` falls in: notices of one minute go together."""
    return when.replace(second=0, microsecond=0)


class HelpdeskNotice(models.Model):
    """Agent notifications of the helpdesk, in one place (README "Notifications").

    A row is a notice waiting to be sent: a new ticket for the followers of its team
    (teams with manual assignment), or a new ticket assigned to an agent (by the team's
    method or by whoever created it). Rows are sent grouped per team and recipient by the
    scheduled action "Helpdesk: agent notices", which ``create()`` triggers for the end of
    the minute: a burst of tickets in one minute is one message, not one per ticket.

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
    def _queue_created(self, tickets, auto_assigned, named_assignee=None):
        """The notification step of ``helpdesk.ticket.create()``: queue a new-ticket
        notice for unassigned tickets of teams with manual assignment, an assignment
        notice for tickets the team's method assigned (`auto_assigned`) and for tickets
        created with an assignee (`named_assignee`), whose "you have been assigned" mail
        would have sent from create() (so not to the creator, nor with tracking or that
        notification turned off). A ticket the queue cannot hold (no team, created
        resolved or closed) tells its named assignee at once."""
        minute = minute_of(fields.Datetime.now())
        named_assignee = named_assignee or tickets.browse()
        if (
            any(self.env.context.get(key) for key in ("tracking_disable", "mail_auto_subscribe_no_notify"))
            or not self.env.registry.ready
        ):
            named_assignee = tickets.browse()
        named_assignee = named_assignee.filtered(lambda t: t.user_id.active and t.user_id != self.env.user)
        rows = []
        for ticket in tickets:
            if not (ticket.team_id and ticket.state in OPEN_STATES):
                if ticket in named_assignee:
                    ticket._message_auto_subscribe_notify(ticket.user_id.partner_id.ids, "mail.message_user_assigned")
            elif ticket in auto_assigned or ticket in named_assignee:
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
        # The xmlid is resolved from the registry's cache (env.ref would also query the row).
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id("helpdesk_itil.ir_cron_helpdesk_notice")
        if not cron_id:
            return
        # One trigger per minute, not one per ticket of a burst. A trigger this process saw
        # committed is still there: `at` is the end of the current minute, and the scheduler
        # removes a trigger only once its time has come. (One this transaction made is not
        # trusted: a savepoint rolled back since may have taken it.)
        dbname, key = self.env.cr.dbname, (cron_id, at)
        if _COMMITTED_TRIGGERS.get(dbname) == key:
            return
        postcommit = self.env.cr.postcommit
        if "helpdesk.notice.trigger" not in postcommit.data:
            postcommit.add(lambda: _COMMITTED_TRIGGERS.__setitem__(dbname, postcommit.data["helpdesk.notice.trigger"]))
        postcommit.data["helpdesk.notice.trigger"] = key
        # Asked in SQL: this runs on every ticket creation, and the ORM's search costs more
        # than the lookup itself.
        Trigger = self.env["ir.cron.trigger"]
        pending = self.env.execute_query(
            SQL(
                "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at = %s LIMIT 1",
                cron_id,
                at,
                to_flush=(Trigger._fields["cron_id"], Trigger._fields["call_at"]),
            )
        )
        if not pending:
            self.env["ir.cron"].browse(cron_id)._trigger(at)

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
        told as well (as ``helpdesk.ticket._notify_get_recipients`` does for a post).

        What ``message_post`` and ``_notify_thread`` do for one message, done for the
        whole batch: a query per kind of work (messages, recipients, notifications,
        emails), not per line (``_post_sla_notices``)."""
        todo = defaultdict(lambda: self.env["helpdesk.ticket.sla"])
        for line in lines:
            if line.status == "failed" and not line.notified_failed:
                todo["failed"] |= line
            elif line.status == "at_risk" and not line.notified_at_risk:
                todo["at_risk"] |= line
        if not todo:
            return
        notices = []
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
                notices.append((ticket, subject, Markup("<p>%s</p>") % text, recipient.partner_id))
        self._post_sla_notices(notices)
        # A failed line is past being at risk: it never sends that notice afterwards.
        for status, status_lines in todo.items():
            status_lines.write(
                {"notified_at_risk": True, "notified_failed": True}
                if status == "failed"
                else {"notified_at_risk": True}
            )

    @api.model
    def _post_sla_notices(self, notices):
        """Post `notices`, [(ticket, subject, body, recipient partner)], as OdooBot with the
        "SLA Alert" subtype, and notify them as ``message_post`` would (the recipient,
        the ticket's followers with the subtype, the team's watchers; inbox, email and web
        push as each recipient chose), with one query per kind of work for the batch."""
        tickets = self.env["helpdesk.ticket"].sudo().union(*(ticket for ticket, *_rest in notices))
        tickets = tickets.with_context(mail_post_autofollow=False)._fallback_lang()
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("helpdesk_itil.mt_ticket_sla_alert")
        author_id, email_from = tickets._message_compute_author(self.env.ref("base.partner_root").id, None)
        reply_to = tickets._notify_get_reply_to(default=email_from, author_id=author_id)
        alias_domains = tickets._mail_get_alias_domains(default_company=self.env.company)
        companies = tickets._mail_get_companies(default=self.env.company)
        parents = self._thread_ancestors(tickets)
        values = [
            {
                "author_id": author_id,
                "author_guest_id": False,
                "email_from": email_from,
                "email_add_signature": True,
                "model": tickets._name,
                "res_id": ticket.id,
                "body": body,
                "message_type": "notification",
                "parent_id": parents.get(ticket.id, False),
                "subject": subject,
                "subtype_id": subtype_id,
                "partner_ids": recipient.ids,
                "record_alias_domain_id": alias_domains[ticket.id].id,
                "record_company_id": companies[ticket.id].id,
                "reply_to": reply_to[ticket.id],
            }
            for ticket, subject, body, recipient in notices
        ]
        messages = tickets._message_create(values)
        recipients = self._sla_notice_recipients(tickets, values, subtype_id)
        for message, msg_vals in zip(messages, values, strict=True):
            tickets.browse(msg_vals["res_id"])._message_post_after_hook(message, msg_vals)
        self._notify_by_inbox(tickets, messages, values, recipients)
        self._notify_by_email(tickets, messages, values, recipients)
        self._notify_by_web_push(tickets, messages, values, recipients)
        return messages

    @api.model
    def _thread_ancestors(self, tickets):
        """{ticket id: parent message id} as ``_message_compute_parent_id`` finds it for a
        new message without parent (tickets are flat threads): among the ticket's latest
        200 messages, the latest comment or email, else the latest message."""
        self.env["mail.message"].flush_model(["model", "res_id", "message_type", "date"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (res_id) res_id, id
                  FROM (
                        SELECT id, res_id, message_type, date,
                               row_number() OVER (PARTITION BY res_id ORDER BY date DESC, id DESC) AS rank
                          FROM mail_message
                         WHERE model = %s AND res_id = ANY(%s) AND message_type != 'user_notification'
                       ) latest
                 WHERE rank <= 200
              ORDER BY res_id, message_type IN ('comment', 'email') DESC, date DESC, id DESC
                """,
                tickets._name,
                tickets.ids,
            )
        )
        return dict(rows)

    @api.model
    def _sla_notice_recipients(self, tickets, values, subtype_id):
        """[recipients data] per message of `values`, as ``_notify_get_recipients`` (mail's
        and helpdesk.ticket's) computes them for one message: two queries in all."""
        Followers = self.env["mail.followers"]
        followers = Followers._get_recipient_data(tickets, "notification", subtype_id)
        team_subtype_id = tickets._team_subtype_id(subtype_id)
        watchers = (
            tickets.team_id._watchers(self.env["mail.message.subtype"].browse(team_subtype_id))
            if team_subtype_id
            else {}
        )
        pids = {pid for vals in values for pid in vals["partner_ids"]}
        pids.update(partner.id for partners in watchers.values() for partner in partners)
        partners = Followers._get_recipient_data(None, "notification", False, pids=list(pids))[0] if pids else {}
        result = []
        for vals in values:
            ticket = tickets.browse(vals["res_id"])
            author_id = tickets._message_compute_real_author(vals["author_id"]).id
            candidates = dict(followers.get(ticket.id, {}))
            for pid in vals["partner_ids"]:
                candidates.setdefault(pid, partners[pid])
            data = [
                pdata
                for pid, pdata in candidates.items()
                if not (pid and pid == author_id) and pdata["active"] is not False
            ]
            known = {pdata["id"] for pdata in data}
            for partner in watchers.get(ticket.team_id, ()):
                pdata = partners.get(partner.id)
                if partner.id in known or partner.id == author_id or not pdata:
                    continue
                if pdata["active"] and not pdata["share"]:
                    data.append(pdata)
            result.append(data)
        return result

    @api.model
    def _notify_by_inbox(self, tickets, messages, values, recipients):
        """``_notify_thread_by_inbox`` for the batch: one insert of the notifications, one
        search of the followers sent with the bus notifications."""
        todo = [
            (message, msg_vals, sorted((r["id"], r["uid"]) for r in data if r["id"] and r["notif"] == "inbox"))
            for message, msg_vals, data in zip(messages, values, recipients, strict=True)
        ]
        todo = [item for item in todo if item[2]]
        if not todo:
            return
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": message.author_id.id,
                    "mail_message_id": message.id,
                    "notification_status": "sent",
                    "notification_type": "inbox",
                    "res_partner_id": pid,
                }
                for message, _vals, pids_uids in todo
                for pid, _uid in pids_uids
            ]
        )
        users = self.env["res.users"].browse({uid for *_rest, pids_uids in todo for _pid, uid in pids_uids if uid})
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search(
                [
                    ("res_model", "=", tickets._name),
                    ("res_id", "in", tickets.ids),
                    ("partner_id", "in", users.partner_id.ids),
                ]
            )
        )
        for message, msg_vals, pids_uids in todo:
            ticket_followers = followers.filtered(lambda f, message=message: f.res_id == message.res_id)
            for user in self.env["res.users"].browse(uid for _pid, uid in pids_uids if uid):
                store = Store(bus_channel=user).add(
                    message.with_user(user).with_context(allowed_company_ids=[]),
                    msg_vals=msg_vals,
                    add_followers=True,
                    followers=ticket_followers,
                )
                user._bus_send("mail.message/inbox", {"message_id": message.id, "store_data": store.get_result()})

    @api.model
    def _notify_by_email(self, tickets, messages, values, recipients):
        """``_notify_thread_by_email`` for the batch: each message's emails rendered as mail
        renders them, then one insert of the emails and one of their notifications."""
        mail_values, notified = [], []
        batch_size = int(self.env["ir.config_parameter"].sudo().get_param("mail.batch_size")) or 50
        for message, msg_vals, data in zip(messages, values, recipients, strict=True):
            partners_data = [r for r in data if r["notif"] == "email"]
            if not partners_data:
                continue
            ticket = tickets.browse(msg_vals["res_id"])
            base_mail_values = ticket._notify_by_email_get_base_mail_values(
                message, partners_data, additional_values={"auto_delete": True}
            )
            base_notification_values = ticket._notify_by_email_get_base_notification_values(message)
            for _lang, render_values, group in ticket._notify_get_classified_recipients_iterator(
                message, partners_data, msg_vals=msg_vals
            ):
                body = ticket._notify_by_email_render_layout(
                    message, group, msg_vals=msg_vals, render_values=render_values
                )
                # No email-only recipients here: every recipient is a partner.
                for chunk in split_every(batch_size, group["recipients_ids"]):
                    mail_values.append(
                        ticket._notify_by_email_get_final_mail_values(
                            chunk, base_mail_values, additional_values={"body_html": body}
                        )
                    )
                    notified.append((chunk, base_notification_values))
        if not mail_values:
            return
        # Without the caller's default_* keys, as mail does (see _notify_thread_by_email).
        env = self.env(context=clean_context(self.env.context))
        emails = env["mail.mail"].sudo().create(mail_values)
        env["mail.notification"].sudo().create(
            [
                {"mail_mail_id": email.id, "res_partner_id": pid, **notification_values}
                for email, (chunk, notification_values) in zip(emails, notified, strict=True)
                for pid in chunk
            ]
        )
        if self.env.context.get("mail_notify_force_send", True):
            limit = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.force.send.limit", 100))
            if len(emails) < limit:
                emails.send_after_commit()

    @api.model
    def _notify_by_web_push(self, tickets, messages, values, recipients):
        """``_notify_thread_by_web_push`` for the messages of which a recipient has a
        browser registered for push notifications: one search for the batch."""
        pids = {r["id"] for data in recipients for r in data if r["id"] and r["notif"] == "inbox"}
        if not pids:
            return
        devices = self.env["mail.push.device"].sudo().search([("partner_id", "in", list(pids))])
        if not devices:
            return
        for message, msg_vals, data in zip(messages, values, recipients, strict=True):
            if set(devices.partner_id.ids) & {r["id"] for r in data}:
                tickets.browse(msg_vals["res_id"])._notify_thread_by_web_push(message, data, msg_vals=msg_vals)
