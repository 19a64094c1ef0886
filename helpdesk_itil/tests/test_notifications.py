"""Agent notifications (README "Notifications"): team follower subtypes, new-ticket notices
grouped per team and minute, assignment notices and their opt-out, SLA notices once per
line and status, customer replies and escalations for the team's followers."""

from datetime import timedelta

from odoo.fields import Command
from odoo.tests import freeze_time, tagged

from odoo.addons.helpdesk_itil.models import helpdesk_notice

from .common_sla import MONDAY, HelpdeskSlaCommon

NOTICE_CRON = "helpdesk_itil.ir_cron_helpdesk_notice"


def at(day, hour, minute=0, second=0):
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute, seconds=second)


class NotificationCommon(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Subtype = cls.env["mail.message.subtype"]
        cls.st_new = cls.env.ref("helpdesk_itil.mt_team_ticket_new")
        cls.st_assigned = cls.env.ref("helpdesk_itil.mt_team_ticket_assigned")
        cls.st_sla = cls.env.ref("helpdesk_itil.mt_team_sla_alert")
        cls.st_replied = cls.env.ref("helpdesk_itil.mt_team_customer_replied")
        cls.st_escalated = cls.env.ref("helpdesk_itil.mt_team_escalated")
        # Queued notices of other tests' fixtures are not ours.
        cls.env["helpdesk.notice"].search([]).unlink()

    def run_notices(self, when):
        cron = self.env.ref(NOTICE_CRON)
        with freeze_time(when), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def team_messages(self, team, subtype=None):
        return self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.team"),
                ("res_id", "=", team.id),
                ("subtype_id", "=", (subtype or self.st_new).id),
            ]
        )

    def notified(self, messages):
        return messages.notification_ids.res_partner_id

    def follow(self, team, user, subtypes):
        team.message_unsubscribe(partner_ids=user.partner_id.ids)
        team.message_subscribe(partner_ids=user.partner_id.ids, subtype_ids=subtypes.ids)


@tagged("post_install", "-at_install")
class TestTeamSubscriptions(NotificationCommon):
    def subtypes_of(self, team, user):
        return team.message_follower_ids.filtered(lambda f: f.partner_id == user.partner_id).subtype_ids

    def test_members_and_leader_follow_their_team(self):
        self.assertEqual(self.subtypes_of(self.team_a, self.user_a2), self.st_new | self.st_assigned)
        self.assertEqual(self.subtypes_of(self.team_a, self.user_a), self.st_new | self.st_assigned | self.st_escalated)
        self.assertFalse(self.subtypes_of(self.team_a, self.user_b), "Not a member of team A.")
        self.assertFalse(self.subtypes_of(self.team_a, self.portal_user))

    def test_joining_and_leaving(self):
        # A choice made before joining is kept; leaving stops every notice of the team.
        self.follow(self.team_b, self.agent, self.st_sla)
        self.team_b.member_ids = [Command.link(self.agent.id), Command.link(self.user_a2.id)]
        self.assertEqual(self.subtypes_of(self.team_b, self.agent), self.st_sla)
        self.assertEqual(self.subtypes_of(self.team_b, self.user_a2), self.st_new | self.st_assigned)
        self.team_b.member_ids = [Command.unlink(self.user_a2.id)]
        self.assertFalse(self.subtypes_of(self.team_b, self.user_a2))
        self.assertTrue(self.subtypes_of(self.team_b, self.user_b))

    def test_ticket_followers_unchanged(self):
        """Following a team is not following its tickets (no access, no customer emails)."""
        ticket = self.create_ticket(partner_id=self.contact.id)
        self.assertFalse((self.user_a | self.user_a2).partner_id & ticket.message_partner_ids)
        self.assertIn(self.contact, ticket.message_partner_ids)

    def test_creation_message_reaches_who_follows_the_ticket_from_the_start(self):
        # Nobody follows a new ticket when mail posts its creation message (the creator,
        # customer and assignee come after), unless the values bring followers or a
        # subtype's relation field makes the team's followers follow it: those are notified.
        ticket_new = self.env.ref("helpdesk_itil.mt_ticket_new")

        def creation_notified(ticket):
            creation = ticket.message_ids.filtered(lambda m: m.subtype_id == ticket_new)
            self.assertEqual(len(creation), 1)
            return creation.notification_ids.res_partner_id

        plain = self.create_ticket(partner_id=self.contact.id)
        self.assertFalse(creation_notified(plain) & (self.contact | self.env.user.partner_id))
        given = self.create_ticket(
            message_follower_ids=[
                Command.create(
                    {
                        "res_model": "helpdesk.ticket",
                        "partner_id": self.user_b.partner_id.id,
                        "subtype_ids": [Command.set(ticket_new.ids)],
                    }
                )
            ]
        )
        self.assertIn(self.user_b.partner_id, creation_notified(given))
        # Through a relation field: TestTicketLifecycle's relation subtype test.


@tagged("post_install", "-at_install")
class TestNewTicketNotices(NotificationCommon):
    def test_grouped_per_team_and_minute(self):
        with freeze_time(at(0, 10, 0, 10)):
            first = self.create_ticket(name="Mail server down")
        with freeze_time(at(0, 10, 0, 40)):
            second = self.create_ticket(name="Printer jam")
            other_team = self.create_ticket(name="VPN drops", team_id=self.team_b.id)
        with freeze_time(at(0, 10, 0, 55)):
            taken = self.create_ticket(name="Taken at once")
            taken.user_id = self.user_a2
        with freeze_time(at(0, 10, 1, 2)):
            next_minute = self.create_ticket(name="Next minute")
        cron = self.env.ref(NOTICE_CRON)
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", cron.id), ("call_at", ">", at(0, 10)), ("call_at", "<", at(0, 11))]
        )
        self.assertEqual(sorted(set(triggers.mapped("call_at"))), [at(0, 10, 1), at(0, 10, 2)])
        self.assertEqual(len(triggers), 2, "One trigger per minute, not one per ticket.")

        self.run_notices(at(0, 10, 1, 5))
        message = self.team_messages(self.team_a)
        self.assertEqual(len(message), 1, "One message for the tickets of the minute.")
        self.assertIn(first.display_name, message.body)
        self.assertIn(second.display_name, message.body)
        self.assertNotIn(taken.display_name, message.body, "Assigned within the minute: nobody needs telling.")
        self.assertNotIn(next_minute.display_name, message.body)
        self.assertEqual(message.subject, "2 new tickets in Team A")
        self.assertEqual(self.notified(message), (self.user_a | self.user_a2).partner_id)
        message_b = self.team_messages(self.team_b)
        self.assertEqual(len(message_b), 1)
        self.assertIn(other_team.display_name, message_b.body)
        self.assertEqual(self.notified(message_b), self.user_b.partner_id, "Only team B's members.")

        # Running again sends nothing more; the next minute's ticket goes at its own time.
        self.run_notices(at(0, 10, 1, 30))
        self.assertEqual(len(self.team_messages(self.team_a)), 1)
        self.run_notices(at(0, 10, 2, 1))
        last = self.team_messages(self.team_a) - message
        self.assertEqual(len(last), 1)
        self.assertEqual(last.subject, f"New ticket in Team A: {next_minute.display_name}")
        self.assertFalse(self.env["helpdesk.notice"].search([]))

    def test_opt_out_portal_and_other_team(self):
        self.follow(self.team_a, self.user_a2, self.st_assigned)  # no "New Ticket"
        self.follow(self.team_a, self.user_b, self.st_new)  # another team's agent who asked for it
        self.team_a.sudo().message_subscribe(partner_ids=self.portal_user.partner_id.ids, subtype_ids=self.st_new.ids)
        with freeze_time(at(0, 10)):
            self.create_ticket()
        self.run_notices(at(0, 10, 1))
        message = self.team_messages(self.team_a)
        self.assertEqual(len(message), 1)
        self.assertEqual(self.notified(message), (self.user_a | self.user_b).partner_id)
        self.assertNotIn(
            self.portal_user.partner_id, self.notified(message), "Internal notices never reach portal users."
        )
        self.assertFalse(self.team_messages(self.team_b))

    def test_inbox_or_email_per_preference(self):
        self.user_a.notification_type = "inbox"
        self.user_a2.notification_type = "email"
        with freeze_time(at(0, 10)):
            self.create_ticket()
        self.run_notices(at(0, 10, 1))
        notifications = self.team_messages(self.team_a).notification_ids
        kinds = {n.res_partner_id: n.notification_type for n in notifications}
        self.assertEqual(kinds, {self.user_a.partner_id: "inbox", self.user_a2.partner_id: "email"})

    def test_assigned_tickets_no_team_notice(self):
        """Created with an assignee: no team notice, only the assignee's."""
        with freeze_time(at(0, 10)):
            self.create_ticket(user_id=self.user_a2.id)
        self.assertEqual(self.env["helpdesk.notice"].search([]).user_id, self.user_a2)
        self.run_notices(at(0, 10, 1))
        self.assertFalse(self.team_messages(self.team_a))

    def test_committed_trigger_is_not_looked_up_again(self):
        """Once the trigger of a minute is committed, the next tickets of that minute in
        this process do not look it up; a new minute, or a rolled back one, looks again."""
        cron = self.env.ref(NOTICE_CRON)
        Trigger = self.env["ir.cron.trigger"]

        def minute_triggers(minute):
            return Trigger.search([("cron_id", "=", cron.id), ("call_at", "=", at(0, 10, minute))])

        with freeze_time(at(0, 10, 0, 10)):
            self.create_ticket(name="First of the burst")
            self.assertFalse(helpdesk_notice._COMMITTED_TRIGGERS, "Nothing is known before the commit.")
            self.env.cr.postcommit.run()  # what a commit runs
        self.assertEqual(helpdesk_notice._COMMITTED_TRIGGERS[self.env.cr.dbname], (cron.id, at(0, 10, 1)))
        # The committed trigger is not looked up again: were it gone, nothing would
        # bring it back (the scheduler only removes it once its minute is over).
        minute_triggers(1).unlink()
        with freeze_time(at(0, 10, 0, 40)):
            self.create_ticket(name="Second of the burst")
        self.assertFalse(minute_triggers(1))
        # The next minute is looked up and triggered.
        with freeze_time(at(0, 10, 1, 5)):
            self.create_ticket(name="Next minute")
        self.assertEqual(len(minute_triggers(2)), 1)
        # A transaction rolled back (its callbacks cleared) leaves nothing known.
        self.env.cr.postcommit.clear()
        self.assertEqual(helpdesk_notice._COMMITTED_TRIGGERS[self.env.cr.dbname], (cron.id, at(0, 10, 1)))
        minute_triggers(2).unlink()
        with freeze_time(at(0, 10, 1, 20)):
            self.create_ticket(name="After a rollback")
        self.assertEqual(len(minute_triggers(2)), 1)


@tagged("post_install", "-at_install")
class TestAssignmentNotices(NotificationCommon):
    def assignment_messages(self, user):
        return self.env["mail.notification"].search([("res_partner_id", "=", user.partner_id.id)]).mail_message_id

    def test_manual_assignment_and_opt_out(self):
        ticket = self.create_ticket()
        before = self.assignment_messages(self.user_a2)
        ticket.with_user(self.manager).user_id = self.user_a2
        told = self.assignment_messages(self.user_a2) - before
        self.assertEqual(len(told), 1)
        self.assertIn("You have been assigned", told.subject)
        # Opting out: following the team without "Assigned to Me".
        self.follow(self.team_a, self.user_a2, self.st_new)
        other = self.create_ticket()
        before = self.assignment_messages(self.user_a2)
        other.with_user(self.manager).user_id = self.user_a2
        self.assertFalse(self.assignment_messages(self.user_a2) - before)
        self.assertIn(self.user_a2.partner_id, other.message_partner_ids, "Still follows the ticket it works on.")

    def test_assignee_named_at_creation_told_within_the_minute(self):
        """Mail's "you have been assigned" for a ticket created with an assignee goes
        through the notice queue: after create(), not during it; one message for a burst."""
        with freeze_time(at(0, 10)):
            first = self.create_ticket(user_id=self.user_a2.id, name="Mail server down")
        self.assertFalse(self.assignment_messages(self.user_a2), "Not while the ticket is created.")
        self.assertIn(self.user_a2.partner_id, first.message_partner_ids, "Follows it at once.")
        self.run_notices(at(0, 10, 1))
        told = self.assignment_messages(self.user_a2)
        self.assertEqual(len(told), 1)
        self.assertEqual(told.subject, f"You have been assigned to {first.display_name}")
        self.assertEqual((told.model, told.res_id), ("helpdesk.ticket", first.id))
        # A burst named for one agent: one message listing them.
        with freeze_time(at(0, 11)):
            burst = self.env["helpdesk.ticket"].create(
                [{"name": f"Alert {i}", "team_id": self.team_a.id, "user_id": self.user_a2.id} for i in range(3)]
            )
        self.run_notices(at(0, 11, 1))
        told = self.assignment_messages(self.user_a2) - told
        self.assertEqual(len(told), 1)
        self.assertEqual(told.subject, "3 tickets of Team A assigned to you")
        for ticket in burst:
            self.assertIn(ticket.display_name, told.body)
        self.assertFalse(self.env["helpdesk.notice"].search([]))

    def test_assignee_named_at_creation_exceptions(self):
        Ticket = self.env["helpdesk.ticket"]
        with freeze_time(at(0, 10)):
            # The creator assigning themselves, or asking for no notification: nothing to tell.
            self.create_ticket(user_id=self.env.user.id)
            Ticket.with_context(mail_auto_subscribe_no_notify=True).create(
                {"name": "Quiet", "team_id": self.team_a.id, "user_id": self.user_a2.id}
            )
            Ticket.with_context(tracking_disable=True).create(
                {"name": "Imported", "team_id": self.team_a.id, "user_id": self.user_a2.id}
            )
            self.assertFalse(self.env["helpdesk.notice"].search([]))
            # No team, so no queue: told at once, as mail does.
            no_team = Ticket.create({"name": "No team", "team_id": False, "user_id": self.user_a2.id})
            self.assertFalse(self.env["helpdesk.notice"].search([]))
        told = self.assignment_messages(self.user_a2)
        self.assertEqual(len(told), 1)
        self.assertEqual(told.res_id, no_team.id)
        # Opted out of "Assigned to Me" on the team: queued, then not sent.
        self.follow(self.team_a, self.user_a2, self.st_new)
        with freeze_time(at(0, 11)):
            self.create_ticket(user_id=self.user_a2.id)
        self.run_notices(at(0, 11, 1))
        self.assertEqual(self.assignment_messages(self.user_a2), told)
        self.assertFalse(self.env["helpdesk.notice"].search([]))

    def test_automatic_assignment_grouped_per_agent(self):
        self.team_b.write({"assignment_method": "round_robin", "member_ids": [Command.set(self.user_b.ids)]})
        with freeze_time(at(0, 10)):
            tickets = self.create_ticket(team_id=self.team_b.id) | self.create_ticket(team_id=self.team_b.id)
        self.assertEqual(tickets.user_id, self.user_b)
        before = self.assignment_messages(self.user_b)
        self.run_notices(at(0, 10, 1))
        told = self.assignment_messages(self.user_b) - before
        self.assertEqual(len(told), 1, "One notice for the tickets assigned within the minute.")
        self.assertEqual(told.subject, "2 tickets of Team B assigned to you")
        self.assertFalse(self.team_messages(self.team_b), "No new-ticket notice in a team with automatic assignment.")
        # Opted out: nothing.
        self.follow(self.team_b, self.user_b, self.st_new)
        with freeze_time(at(0, 11)):
            self.create_ticket(team_id=self.team_b.id)
        before = self.assignment_messages(self.user_b)
        self.run_notices(at(0, 11, 1))
        self.assertFalse(self.assignment_messages(self.user_b) - before)
        self.assertFalse(self.env["helpdesk.notice"].search([]))


@tagged("post_install", "-at_install")
class TestSlaNotices(NotificationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.make_policy(name="Resolution 4h", target_hours=4, at_risk_percent=75)

    def sla_notices(self, ticket):
        return self.env["mail.message"].search(
            [
                ("model", "=", ticket._name),
                ("res_id", "=", ticket.id),
                ("subtype_id", "=", self.env.ref("helpdesk_itil.mt_ticket_sla_alert").id),
            ],
            order="id",
        )

    def test_once_per_line_and_status(self):
        with freeze_time(at(0, 9)):
            ticket = self.create_ticket(user_id=self.user_a2.id, partner_id=self.contact.id)
        line = ticket.sla_ids
        self.run_cron(when=at(0, 12))
        self.assertEqual(line.status, "at_risk")
        notice = self.sla_notices(ticket)
        self.assertEqual(len(notice), 1)
        self.assertIn("at risk", notice.subject)
        self.assertEqual(self.notified(notice), self.user_a2.partner_id, "The assignee; the customer never.")
        self.assertTrue(line.notified_at_risk)
        self.run_cron(when=at(0, 12, 30))
        self.assertEqual(len(self.sla_notices(ticket)), 1, "Once per line and status.")
        self.run_cron(when=at(0, 13, 0, 30))
        self.assertEqual(line.status, "failed")
        notices = self.sla_notices(ticket)
        self.assertEqual(len(notices), 2)
        self.assertIn("SLA failed", notices[-1].subject)
        self.run_cron(when=at(0, 15))
        self.assertEqual(len(self.sla_notices(ticket)), 2)
        self.assertFalse(
            self.env["helpdesk.escalation.log"].search([("ticket_id", "=", ticket.id)]), "Not an escalation."
        )

    def test_notices_are_batched(self):
        """The watcher itself is constant per batch (test_sla_watcher.py), and so are its
        notices: messages, recipients, notifications and emails cost a query per kind of
        work for the whole batch, not per line."""
        Line, Ticket = self.env["helpdesk.ticket.sla"], self.env["helpdesk.ticket"]

        def watch(now):
            return Line._watch_tickets(Ticket.search([("sla_ids", "any", Line._due_domain(now))]), now)

        # A watcher of the team who reads notices in Odoo (inbox), beside the leader.
        self.follow(self.team_a, self.agent, self.st_sla)
        self.agent.notification_type = "inbox"
        with freeze_time(at(0, 9)):
            self.env["helpdesk.ticket"].create([{"name": f"S{i}", "team_id": self.team_a.id} for i in range(2)])
        with freeze_time(at(0, 12)):
            small = self.count_queries(lambda: watch(at(0, 12)))
        with freeze_time(at(0, 13)):
            watch(at(0, 13))
        with freeze_time(at(2, 9)):
            tickets = self.env["helpdesk.ticket"].create(
                [{"name": f"B{i}", "team_id": self.team_a.id} for i in range(8)]
            )
        with freeze_time(at(2, 12)):
            big = self.count_queries(lambda: watch(at(2, 12)))
        self.assertEqual(Line.search_count([("status", "=", "at_risk"), ("notified_at_risk", "=", True)]), 8)
        self.assertLessEqual(big, small, f"{small} queries for 2 notices, {big} for 8")
        # Each of the 8 tickets got its notice, sent to the team leader (no assignee).
        notices = self.env["mail.message"].search(
            [("model", "=", "helpdesk.ticket"), ("res_id", "in", tickets.ids), ("subject", "like", "SLA at risk")]
        )
        self.assertEqual(sorted(notices.mapped("res_id")), sorted(tickets.ids))
        for notice in notices:
            self.assertEqual(self.notified(notice), (self.user_a | self.agent).partner_id)
            self.assertEqual(notice.partner_ids, self.user_a.partner_id)
            self.assertEqual(notice.author_id, self.env.ref("base.partner_root"))
            inbox = notice.notification_ids.filtered(lambda n: n.notification_type == "inbox")
            self.assertEqual(inbox.res_partner_id, self.agent.partner_id)
        leader_type = self.user_a.notification_type
        emails = self.env["mail.mail"].search([("mail_message_id", "in", notices.ids)])
        self.assertEqual(len(emails), 8 if leader_type == "email" else 0)

    def test_unassigned_tells_the_leader_and_team_watchers(self):
        self.follow(self.team_a, self.agent, self.st_sla)
        with freeze_time(at(0, 9)):
            ticket = self.create_ticket()
        # Straight to failed: one notice, the failure.
        self.run_cron(when=at(0, 14))
        notice = self.sla_notices(ticket)
        self.assertEqual(len(notice), 1)
        self.assertIn("SLA failed", notice.subject)
        self.assertEqual(self.notified(notice), (self.user_a | self.agent).partner_id)
        self.assertTrue(ticket.sla_ids.notified_at_risk and ticket.sla_ids.notified_failed)
        self.assertNotIn(self.user_b.partner_id, self.notified(notice))


@tagged("post_install", "-at_install")
class TestTeamWatchers(NotificationCommon):
    def test_customer_replied(self):
        self.follow(self.team_a, self.agent, self.st_replied)
        self.team_a.sudo().message_subscribe(
            partner_ids=self.portal_user.partner_id.ids, subtype_ids=self.st_replied.ids
        )
        ticket = self.create_ticket(partner_id=self.contact.id, user_id=self.user_a2.id)
        self.assertFalse(ticket.customer_replied_date)
        with freeze_time(at(0, 10)):
            message = self.customer_message(ticket)
        self.assertEqual(ticket.customer_replied_date, at(0, 10))
        told = self.notified(message)
        self.assertIn(self.agent.partner_id, told)
        self.assertIn(self.user_a2.partner_id, told, "The assignee follows the ticket.")
        self.assertNotIn(self.portal_user.partner_id, told)
        self.assertNotIn(self.user_b.partner_id, told)
        # An agent's note is not a customer reply; the agent's answer clears the wait.
        note = ticket.with_user(self.user_a2).message_post(body="Checking", subtype_xmlid="mail.mt_note")
        self.assertNotIn(self.agent.partner_id, self.notified(note))
        self.assertEqual(ticket.customer_replied_date, at(0, 10))
        answer = self.agent_reply(ticket, user=self.user_a2)
        self.assertNotIn(self.agent.partner_id, self.notified(answer))
        self.assertFalse(ticket.customer_replied_date)

    def test_escalated(self):
        self.follow(self.team_a, self.agent, self.st_escalated)
        ticket = self.create_ticket(user_id=self.user_a2.id)
        ticket._escalate(1, "Customer is a hospital")
        note = self.env["mail.message"].search(
            [("model", "=", ticket._name), ("res_id", "=", ticket.id), ("body", "ilike", "Escalated to level")]
        )
        self.assertEqual(len(note), 1)
        self.assertEqual(note.subtype_id, self.env.ref("helpdesk_itil.mt_ticket_escalated"))
        # The leader follows "Escalated" by default; the other team's agent does not.
        self.assertEqual(self.notified(note), (self.agent | self.user_a).partner_id)
