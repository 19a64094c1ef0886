""" "Remind me" on a ticket and the agent's daily digest (README "Notifications")."""

from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged

from .common_sla import MONDAY, HelpdeskSlaCommon

DIGEST_CRON = "helpdesk_itil.ir_cron_helpdesk_digest"


def at(day, hour, minute=0):
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


class PersonalCommon(HelpdeskSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Ana works in Madrid, 9:00-17:00 Monday to Friday (8:00-16:00 UTC in March 2024).
        cls.user_a2.write({"tz": "Europe/Madrid", "email": "alex@example.com"})
        cls.env["resource.resource"].create(
            {
                "name": cls.user_a2.name,
                "user_id": cls.user_a2.id,
                "calendar_id": cls.cal_madrid.id,
                "tz": "Europe/Madrid",
            }
        )


@tagged("post_install", "-at_install")
class TestRemindMe(PersonalCommon):
    def remind(self, when, days=None, note=None):
        ticket = self.create_ticket(user_id=self.user_a2.id)
        action = ticket.with_user(self.user_a2).action_remind_me()
        with Form(self.env["helpdesk.ticket.remind"].with_user(self.user_a2).with_context(**action["context"])) as form:
            form.when = when
            if days is not None:
                form.days = days
            if note:
                form.note = note
        form.record.action_remind()
        return ticket.activity_ids

    def test_in_one_hour(self):
        with freeze_time(at(0, 15, 20)):
            activity = self.remind("hour", note="Call the customer back")
        self.assertEqual(activity.user_id, self.user_a2)
        self.assertEqual(activity.date_deadline, date(2024, 3, 4))
        self.assertEqual(activity.summary, "Reminder: Mon 4 Mar 17:20")  # Madrid time
        self.assertIn("Call the customer back", activity.note)

    def test_tomorrow_morning_in_my_working_hours(self):
        with freeze_time(at(1, 15)):  # Tuesday
            wizard = self.env["helpdesk.ticket.remind"].with_user(self.user_a2).new({"when": "morning"})
            self.assertEqual(wizard.remind_at, at(2, 8))  # Wednesday 9:00 in Madrid
            activity = self.remind("morning")
        self.assertEqual(activity.date_deadline, date(2024, 3, 6))
        self.assertEqual(activity.summary, "Reminder: Wed 6 Mar 09:00")

    def test_tomorrow_morning_after_a_friday_is_monday(self):
        with freeze_time(at(4, 15)):  # Friday
            activity = self.remind("morning")
        self.assertEqual(activity.date_deadline, date(2024, 3, 11))
        self.assertEqual(activity.summary, "Reminder: Mon 11 Mar 09:00")
        # Late on Friday night in Madrid (already Saturday there): still Monday.
        with freeze_time(at(4, 23, 30)):
            activity = self.remind("morning")
        self.assertEqual(activity.date_deadline, date(2024, 3, 11))

    def test_in_n_days(self):
        with freeze_time(at(0, 10)):
            activity = self.remind("days", days=3)
        self.assertEqual(activity.date_deadline, date(2024, 3, 7))
        self.assertEqual(activity.summary, "Reminder: Thu 7 Mar 11:00")

    def test_bad_number_of_days(self):
        ticket = self.create_ticket(user_id=self.user_a2.id)
        for days in (0, -2, 400):
            wizard = (
                self.env["helpdesk.ticket.remind"]
                .with_user(self.user_a2)
                .create({"ticket_id": ticket.id, "when": "days", "days": days})
            )
            with self.assertRaisesRegex(UserError, "Remind you in 1 to 365 days"):
                wizard.action_remind()
        self.assertFalse(ticket.activity_ids)

    def test_portal_user_cannot_use_it(self):
        ticket = self.create_ticket(user_id=self.user_a2.id)
        with self.assertRaises(AccessError):  # no right on the wizard
            self.env["helpdesk.ticket.remind"].with_user(self.portal_user).create({"ticket_id": ticket.id})


@tagged("post_install", "-at_install")
class TestDailyDigest(PersonalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_policy(name="Resolution 4h", target_hours=4, at_risk_percent=75)
        with freeze_time(at(0, 9)):
            cls.late = cls.create_ticket(name="Mail server down", user_id=cls.user_a2.id, partner_id=cls.contact.id)
            cls.waiting = cls.create_ticket(name="Printer jam", user_id=cls.user_a2.id, partner_id=cls.contact.id)
            cls.others = cls.create_ticket(name="Somebody else's", user_id=cls.user_a.id)
            cls.env["helpdesk.ticket.sla"].search([("ticket_id", "=", cls.waiting.id)]).unlink()
        with freeze_time(at(0, 10)):
            cls.waiting.message_post(
                body="Still jammed", message_type="email", subtype_xmlid="mail.mt_comment", author_id=cls.contact.id
            )
            cls.waiting.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=date(2024, 3, 5),
                summary="Order toner",
                user_id=cls.user_a2.id,
            )
            cls.waiting.activity_schedule(
                "mail.mail_activity_data_todo", date_deadline=date(2024, 3, 20), summary="Later", user_id=cls.user_a2.id
            )

    def run_digest(self, when):
        with freeze_time(when), self.enter_registry_test_mode():
            self.env.ref(DIGEST_CRON).method_direct_trigger()
        self.env.invalidate_all()

    def digests(self, user):
        return self.env["mail.mail"].search(
            [("model", "=", "res.users"), ("res_id", "=", user.id), ("subject", "ilike", "helpdesk day")]
        )

    def test_content_once_per_day_in_the_first_working_hour(self):
        self.run_cron(when=at(0, 12))  # the SLA watcher: "Mail server down" at risk
        self.assertEqual(self.late.sla_status, "at_risk")
        self.run_digest(at(1, 7, 30))  # Tuesday 8:30 in Madrid: not working yet
        self.assertFalse(self.digests(self.user_a2))
        self.run_digest(at(1, 8, 5))
        digest = self.digests(self.user_a2)
        self.assertEqual(len(digest), 1)
        self.assertEqual(digest.subject, "Your helpdesk day: 2 open tickets")
        self.assertEqual(digest.recipient_ids, self.user_a2.partner_id)
        body = digest.body_html
        at_risk, waiting, reminders, mine = (
            body.index("SLA at risk or failed"),
            body.index("Waiting on you"),
            body.index("Reminders due"),
            body.index("Your open tickets"),
        )
        self.assertLess(body.index(self.late.display_name), waiting)
        self.assertGreater(body.index(self.late.display_name), at_risk)
        self.assertIn("At Risk, deadline 3/4/24, 2:00 PM", body[at_risk:waiting], "In the agent's time zone.")
        self.assertIn(self.waiting.display_name, body[waiting:reminders])
        self.assertIn("Order toner", body[reminders:mine])
        self.assertNotIn("Later", body[reminders:mine])
        self.assertNotIn("Somebody else", body)
        self.assertEqual(self.user_a2.helpdesk_digest_date, date(2024, 3, 5))
        # Once per day, whatever the runs; the next working day again.
        self.run_digest(at(1, 9))
        self.run_digest(at(1, 15))
        self.assertEqual(len(self.digests(self.user_a2)), 1)
        self.run_digest(at(2, 8, 10))
        self.assertEqual(len(self.digests(self.user_a2)), 2)

    def test_no_digest_on_a_day_off(self):
        self.run_digest(at(5, 10))  # Saturday
        self.assertFalse(self.digests(self.user_a2))
        self.assertFalse(self.user_a2.helpdesk_digest_date)
        self.run_digest(at(7, 8, 1))  # Monday
        self.assertEqual(len(self.digests(self.user_a2)), 1)

    def test_opt_out_from_preferences(self):
        # An agent may change it on their own user (My Preferences).
        self.user_a2.with_user(self.user_a2).write({"helpdesk_digest": False})
        self.run_digest(at(1, 10))
        self.assertFalse(self.digests(self.user_a2))
        self.assertTrue(self.digests(self.user_a), "Others still get theirs.")

    def test_portal_users_and_agents_without_tickets(self):
        self.run_digest(at(1, 10))
        self.assertFalse(self.digests(self.portal_user))
        self.assertFalse(self.digests(self.user_b), "Nothing to tell: no email.")
        self.assertEqual(self.user_b.helpdesk_digest_date, date(2024, 3, 5), "But the day is done.")
