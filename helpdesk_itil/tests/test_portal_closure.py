from ast import literal_eval
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.helpdesk_itil.models.helpdesk_ticket import HelpdeskTicket

from .common import CommittedDataCase, HelpdeskPortalFixtures


class PortalClosureCommon(HelpdeskPortalFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()

    def emails_to(self, ticket, partner, subject):
        """Messages of `ticket` whose subject contains `subject` and that notify
        `partner` by email."""
        return ticket.message_ids.filtered(
            lambda m: (
                subject in (m.subject or "")
                and partner in m.notification_ids.filtered(lambda n: n.notification_type == "email").res_partner_id
            )
        )


@tagged("post_install", "-at_install")
class TestPortalVerifiedClosure(PortalClosureCommon):
    def test_resolution_emails_customer_with_portal_link(self):
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        mails = self.emails_to(ticket, self.contact, "is your problem solved?")
        self.assertEqual(len(mails), 1)
        self.assertIn(f"/my/tickets/{ticket.id}?access_token={ticket.access_token}", mails.body)
        self.assertIn("Without an answer, we will close the ticket in", mails.body)
        # The email is a note: it never shows in the portal conversation, and it does not
        # leak the internal resolution note.
        self.assertTrue(mails.subtype_id.internal)
        self.assertNotIn("INTERNAL-RESOLUTION", mails.body)
        # Saving the resolved ticket again does not send it twice.
        ticket.with_user(self.agent).write({"stage_id": self.stage_resolved.id})
        self.assertEqual(len(self.emails_to(ticket, self.contact, "is your problem solved?")), 1)

    def test_no_resolution_email_without_customer_or_to_machines(self):
        ticket = self.create_ticket(name="Internal server patching")
        alert = self.create_ticket(
            name="[ALERT] disk full", partner_email="zabbix@monitoring.example.com", channel="alert"
        )
        self.resolve_as_agent(ticket)
        self.resolve_as_agent(alert)
        for record in (ticket, alert):
            self.assertFalse(record.message_ids.filtered(lambda m: "is your problem solved?" in (m.subject or "")))
        # A customer known only by email is asked too.
        by_email = self.create_ticket(
            name="From the web form", partner_email="someone@example.com", partner_name="Some One"
        )
        self.resolve_as_agent(by_email)
        mail = by_email.message_ids.filtered(lambda m: "is your problem solved?" in (m.subject or ""))
        self.assertEqual(len(mail), 1)
        self.assertIn("Hello Some One", mail.body)
        # Sent to the address, through a contact Odoo creates for it.
        self.assertEqual(mail.notification_ids.res_partner_id.email, "someone@example.com")

    def test_confirm_closes_in_team_closed_stage_and_records_confirmation(self):
        verified = self.env["helpdesk.stage"].create({"name": "Closed (verified)", "state": "closed", "sequence": 35})
        self.team_a.stage_ids = [(4, verified.id)]
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        ticket.with_user(self.portal_carla).sudo()._portal_confirm_resolution(self.contact)
        self.assertEqual(ticket.stage_id, verified, "the team's first closed stage (by sequence)")
        self.assertEqual(ticket.state, "closed")
        self.assertEqual(ticket.customer_confirmation, "confirmed")
        self.assertTrue(ticket.closed_date)
        answer = ticket.message_ids.filtered(lambda m: m.author_id == self.contact)
        self.assertEqual(len(answer), 1)
        self.assertIn("the problem is solved", answer.body)
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))

    def test_confirm_needs_a_resolved_ticket(self):
        with self.assertRaisesRegex(UserError, "not waiting for your confirmation"):
            self.ticket_carla.sudo()._portal_confirm_resolution(self.contact)
        self.assertEqual(self.ticket_carla.state, "new")

    def test_reject_reopens_counts_and_records_rejection(self):
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        ticket.with_user(self.portal_carla).sudo()._portal_reject_resolution(
            self.contact, "Still offline <b>after</b> a reboot."
        )
        self.assertEqual(ticket.state, "in_progress")
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.reopen_count, 1)
        self.assertEqual(ticket.customer_confirmation, "rejected")
        self.assertFalse(ticket.resolved_date)
        comment = ticket.message_ids.filtered(
            lambda m: m.author_id == self.contact and m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertEqual(len(comment), 1)
        self.assertIn("Still offline &lt;b&gt;after&lt;/b&gt; a reboot.", comment.body, "plain text, escaped")
        reopen_log = ticket.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_reopened")
        )
        self.assertIn("reopened by Carla Contact", reopen_log.body)
        # A new resolution waits for a new answer.
        self.resolve_as_agent(ticket)
        self.assertEqual(ticket.customer_confirmation, "none")
        self.assertEqual(len(self.emails_to(ticket, self.contact, "is your problem solved?")), 2)

    def test_reject_requires_a_comment(self):
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        for comment in ("", "   ", None):
            with self.assertRaisesRegex(ValidationError, "comment is required"):
                ticket.sudo()._portal_reject_resolution(self.contact, comment)
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(ticket.reopen_count, 0)

    def test_customer_cancels_with_reason(self):
        ticket = self.ticket_carla
        ticket.with_user(self.portal_carla).sudo()._portal_cancel(self.contact, "It works again after a restart.")
        self.assertEqual(ticket.state, "cancelled")
        self.assertEqual(ticket.closure_code_id, self.env.ref("helpdesk_itil.closure_cancelled_by_customer"))
        self.assertIn("Cancelled by Carla Contact from the customer portal", ticket.resolution_note)
        self.assertIn("It works again after a restart.", ticket.resolution_note)
        self.assertTrue(ticket.closed_date)
        self.assertFalse(ticket.rating_ids, "a cancelled ticket is not rated")
        with self.assertRaisesRegex(UserError, "already closed"):
            ticket.sudo()._portal_cancel(self.contact, "again")

    def test_cancel_requires_a_reason(self):
        with self.assertRaisesRegex(ValidationError, "reason is required"):
            self.ticket_carla.sudo()._portal_cancel(self.contact, " ")
        self.assertEqual(self.ticket_carla.state, "new")

    def test_resolved_ticket_can_be_cancelled_too(self):
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        ticket.sudo()._portal_cancel(self.contact, "Replaced the printer anyway.")
        self.assertEqual(ticket.state, "cancelled")
        self.assertEqual(ticket.closure_code_id.code, "cancelled_by_customer")


@tagged("post_install", "-at_install")
class TestPortalRatings(PortalClosureCommon):
    def close(self, ticket):
        self.resolve_as_agent(ticket)
        ticket.with_user(self.agent).write({"stage_id": self.stage_closed.id})

    def test_rating_request_on_closure(self):
        ticket = self.ticket_carla
        self.close(ticket)
        mails = self.emails_to(ticket, self.contact, "how did we do on")
        self.assertEqual(len(mails), 1)
        rating = ticket.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertFalse(rating.consumed)
        self.assertEqual(rating.partner_id, self.contact)
        self.assertEqual(rating.rated_partner_id, self.user_a.partner_id, "the assignee is rated")
        self.assertEqual((rating.parent_res_model, rating.parent_res_id), ("helpdesk.team", self.team_a.id))
        self.assertIn(f"/rate/{rating.access_token}/5", mails.body)
        # Authored by the assignee, so the customer gets it.
        self.assertEqual(mails.author_id, self.user_a.partner_id)

    def test_rating_request_when_customer_confirms(self):
        ticket = self.ticket_carla
        self.resolve_as_agent(ticket)
        ticket.with_user(self.portal_carla).sudo()._portal_confirm_resolution(self.contact)
        mails = self.emails_to(ticket, self.contact, "how did we do on")
        self.assertEqual(len(mails), 1, "the customer who closed the ticket is asked too")

    def test_no_rating_request_when_team_does_not_rate(self):
        self.team_a.use_rating = False
        self.close(self.ticket_carla)
        self.assertFalse(self.ticket_carla.rating_ids)
        self.assertFalse(self.emails_to(self.ticket_carla, self.contact, "how did we do on"))

    def test_survey_link_in_rating_email(self):
        self.team_a.survey_url = "https://forms.example.com/helpdesk"
        self.close(self.ticket_carla)
        self.assertIn(
            "https://forms.example.com/helpdesk",
            self.emails_to(self.ticket_carla, self.contact, "how did we do on").body,
        )
        with self.assertRaisesRegex(ValidationError, "must be a web address"):
            self.team_a.survey_url = "javascript:alert(1)"

    def test_rating_shows_on_ticket_team_and_assignee(self):
        ticket = self.ticket_carla
        other = self.create_ticket(name="Second one", partner_id=self.contact.id, user_id=self.user_a.id)
        self.close(ticket)
        self.close(other)
        ticket.rating_apply(5, token=ticket.rating_ids.access_token, feedback="Fast and friendly")
        other.rating_apply(1, token=other.rating_ids.access_token, feedback="Took a week")
        # Ticket
        self.assertEqual(ticket.rating_last_value, 5)
        self.assertEqual(ticket.rating_last_feedback, "Fast and friendly")
        self.assertEqual(ticket.rating_count, 1)
        action = ticket.action_open_ratings()
        self.assertEqual(self.env["rating.rating"].search(action["domain"]), ticket.rating_ids)
        self.assertIn(ticket.reference, ticket.rating_ids.res_name)
        # Team: average and counts
        self.team_a.invalidate_recordset()
        self.assertEqual(self.team_a.rating_count, 2)
        self.assertEqual(self.team_a.rating_avg, 3)
        self.assertEqual(self.team_a.rating_percentage_satisfaction, 50)
        action = self.team_a.action_view_ratings()
        self.assertEqual(len(self.env["rating.rating"].search(action["domain"])), 2)
        # Assignee: "My Ratings" lists what customers said about them
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.rating_rating_action_helpdesk_my")
        domain = literal_eval(action["domain"])
        self.assertEqual(literal_eval(action["context"])["search_default_my_ratings"], 1)
        my_ratings = (
            self.env["rating.rating"]
            .with_user(self.user_a)
            .search(domain + [("rated_partner_id.user_ids", "in", [self.user_a.id])])
        )
        self.assertEqual(my_ratings, (ticket | other).rating_ids)
        groups = self.env["rating.rating"]._read_group(domain, ["rated_partner_id"], ["rating:avg", "__count"])
        self.assertEqual(groups, [(self.user_a.partner_id, 3.0, 2)])
        # The reporting action (Helpdesk > Reporting > Customer Ratings) for agents
        report = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.rating_rating_action_helpdesk")
        self.assertEqual(len(self.env["rating.rating"].with_user(self.agent).search(literal_eval(report["domain"]))), 2)
        views = self.env["rating.rating"].with_user(self.agent).get_views([(False, "list"), (False, "pivot")])
        self.assertIn("rated_partner_id", views["views"]["pivot"]["arch"])

    def test_portal_rating_once_and_only_closed(self):
        ticket = self.ticket_carla
        with self.assertRaisesRegex(UserError, "cannot be rated"):
            ticket.sudo()._portal_rate(self.contact, 5, "")
        self.close(ticket)
        rating = ticket.with_user(self.portal_carla).sudo()._portal_rate(self.contact, 3, "  OK-ish  ")
        self.assertEqual((rating.rating, rating.feedback, rating.consumed), (3, "OK-ish", True))
        self.assertEqual(ticket._portal_rating(), rating)
        message = ticket.message_ids.filtered(lambda m: m.rating_id == rating)
        self.assertEqual(message.author_id, self.contact)
        self.assertEqual(
            message.subtype_id, self.env.ref("mail.mt_comment"), "the rating shows in the portal conversation"
        )
        with self.assertRaisesRegex(UserError, "already rated"):
            ticket.sudo()._portal_rate(self.contact, 5, "")


@tagged("post_install", "-at_install")
class TestPortalPermissions(PortalClosureCommon):
    """What the customer may do is decided by the ticket: one predicate per action, asked
    by the portal controller, the ticket page and the _portal_* actions alike."""

    def permissions(self, ticket):
        ticket = ticket.sudo()
        return {
            "confirm": ticket._portal_can_confirm(),
            "reject": ticket._portal_can_reject(),
            "cancel": ticket._portal_can_cancel(),
            "rate": ticket._portal_can_rate(),
        }

    def test_predicates_follow_state_and_team(self):
        ticket = self.ticket_carla
        expect = {"confirm": False, "reject": False, "cancel": True, "rate": False}
        self.assertEqual(self.permissions(ticket), expect, "new")
        ticket.with_user(self.agent).stage_id = self.stage_pending
        self.assertEqual(self.permissions(ticket), expect, "pending")
        self.resolve_as_agent(ticket)
        self.assertEqual(self.permissions(ticket), dict(expect, confirm=True, reject=True), "resolved")
        ticket.with_user(self.agent).stage_id = self.stage_closed
        closed = {"confirm": False, "reject": False, "cancel": False, "rate": True}
        self.assertEqual(self.permissions(ticket), closed, "closed")
        self.team_a.use_rating = False
        self.assertEqual(self.permissions(ticket), dict(closed, rate=False), "the team does not rate")
        self.team_a.use_rating = True
        ticket.sudo()._portal_rate(self.contact, 5, "")
        self.assertEqual(self.permissions(ticket), dict(closed, rate=False), "rated once")
        cancelled = self.create_ticket(name="Cancelled", partner_id=self.contact.id)
        cancelled.sudo()._portal_cancel(self.contact, "Not needed")
        self.assertEqual(self.permissions(cancelled), dict(closed, rate=False), "cancelled")

    def test_actions_ask_the_predicates(self):
        """When a predicate says no, its action raises the UserError it always raised,
        whatever the state: the action does not decide a second time."""
        resolved = self.ticket_carla.sudo()
        self.resolve_as_agent(resolved)
        closed = self.ticket_bob.sudo()
        self.resolve_as_agent(closed)
        closed.with_user(self.agent).stage_id = self.stage_closed
        cases = [
            ("_portal_can_confirm", lambda: resolved._portal_confirm_resolution(self.contact), "not waiting"),
            ("_portal_can_reject", lambda: resolved._portal_reject_resolution(self.contact, "x"), "not waiting"),
            ("_portal_can_cancel", lambda: resolved._portal_cancel(self.contact, "x"), "already closed"),
            ("_portal_can_rate", lambda: closed._portal_rate(self.contact_bob, 5, ""), "cannot be rated"),
        ]
        for predicate, action, message in cases:
            with self.subTest(predicate=predicate), patch.object(HelpdeskTicket, predicate, return_value=False):
                with self.assertRaisesRegex(UserError, message):
                    action()
        self.assertEqual((resolved.state, closed.state), ("resolved", "closed"))
        self.assertFalse(closed._portal_rating())


@tagged("post_install", "-at_install")
class TestPortalAutoClose(PortalClosureCommon):
    def test_closes_unconfirmed_after_team_days(self):
        with freeze_time("2026-03-02 10:00:00"):
            early = self.ticket_carla
            self.resolve_as_agent(early)
            other_team = self.ticket_bob
            self.resolve_as_agent(other_team)
        with freeze_time("2026-03-04 10:00:00"):
            late = self.create_ticket(name="Resolved two days later", partner_id=self.contact.id)
            self.resolve_as_agent(late)
        self.team_b.auto_close_days = 0  # never closes by itself
        with freeze_time("2026-03-07 09:59:00"):
            self.run_cron()
            self.assertEqual(early.state, "resolved", "not 5 days yet")
        with freeze_time("2026-03-07 10:00:00"):
            self.run_cron()
            self.assertEqual(early.state, "closed")
            self.assertEqual(early.stage_id, self.stage_closed)
            self.assertEqual(early.customer_confirmation, "none")
            self.assertEqual(str(early.closed_date), "2026-03-07 10:00:00")
            self.assertEqual(early.resolution_note, "<p>INTERNAL-RESOLUTION: replaced the toner sensor.</p>")
            note = early.message_ids.filtered(lambda m: "Closed without confirmation" in (m.body or ""))
            self.assertEqual(len(note), 1)
            self.assertTrue(note.subtype_id.internal)
            self.assertIn("within 5 days", note.body)
            self.assertTrue(early.rating_ids, "closure asks for a rating")
            self.assertEqual(late.state, "resolved")
            self.assertEqual(other_team.state, "resolved", "team B does not close by itself")
        with freeze_time("2026-03-09 10:00:00"):
            self.run_cron()
            self.assertEqual(late.state, "closed")
            self.assertEqual(
                len(early.message_ids.filtered(lambda m: "Closed without confirmation" in (m.body or ""))), 1
            )

    def test_answered_tickets_are_left_alone(self):
        with freeze_time("2026-03-02 10:00:00"):
            confirmed = self.ticket_carla
            self.resolve_as_agent(confirmed)
            rejected = self.create_ticket(name="Rejected", partner_id=self.contact.id)
            self.resolve_as_agent(rejected)
            confirmed.sudo()._portal_confirm_resolution(self.contact)
            rejected.sudo()._portal_reject_resolution(self.contact, "No")
        with freeze_time("2026-03-20 10:00:00"):
            self.run_cron()
        self.assertEqual(confirmed.customer_confirmation, "confirmed")
        self.assertEqual(rejected.state, "in_progress")
        self.assertEqual(rejected.customer_confirmation, "rejected")

    def test_batches(self):
        with freeze_time("2026-03-02 10:00:00"):
            tickets = (
                self.ticket_carla
                | self.create_ticket(name="2", partner_id=self.contact.id)
                | self.create_ticket(name="3")
            )
            for ticket in tickets:
                self.resolve_as_agent(ticket)
        with freeze_time("2026-03-10 10:00:00"):
            self.run_cron("model._timer_close_unconfirmed(batch_size=2)")
        self.assertEqual(set(tickets.mapped("state")), {"closed"})
        self.assertEqual(set(tickets.mapped("customer_confirmation")), {"none"})


@tagged("post_install", "-at_install")
class TestPortalAutoCloseConcurrency(CommittedDataCase):
    """Two workers closing unconfirmed tickets at once, on committed data with two real cursors."""

    def setUp(self):
        super().setUp()

        def create(env):
            team = env["helpdesk.team"].create({"name": "Auto-close team", "auto_close_days": 1, "use_rating": False})
            partner = env["res.partner"].create({"name": "Silent customer", "email": "silent@example.com"})
            ticket = env["helpdesk.ticket"].create({"name": "Resolved", "team_id": team.id, "partner_id": partner.id})
            ticket.write(
                {
                    "stage_id": env.ref("helpdesk_itil.stage_resolved").id,
                    "resolution_note": "<p>Fixed</p>",
                    "closure_code_id": env.ref("helpdesk_itil.closure_solved").id,
                }
            )
            ticket.resolved_date = fields.Datetime.now() - timedelta(days=2)
            return {"team": team, "partner": partner, "ticket": ticket}

        self.commit_records(create)

    def closing_notes(self):
        with self.worker() as env:
            ticket = env["helpdesk.ticket"].browse(self.ids["ticket"])
            return len(ticket.message_ids.filtered(lambda m: "Closed without confirmation" in (m.body or "")))

    def test_worker_with_an_older_snapshot_does_not_close_twice(self):
        now = fields.Datetime.now()
        with self.worker() as env1, self.worker() as env2:
            # Worker 2's transaction takes its snapshot before worker 1 commits.
            self.assertEqual(env2["helpdesk.ticket"].browse(self.ids["ticket"]).state, "resolved")
            self.assertTrue(env1["helpdesk.ticket"]._timer_close_unconfirmed(now))  # commits its batch
            self.assertTrue(env2["helpdesk.ticket"]._timer_close_unconfirmed(now))
        self.assertEqual(self.closing_notes(), 1)

    def test_rows_held_by_another_worker_are_skipped(self):
        with self.worker() as env1, self.worker() as env2:
            self.assertTrue(env1["helpdesk.ticket"].browse(self.ids["ticket"]).try_lock_for_update())
            self.assertTrue(env2["helpdesk.ticket"]._timer_close_unconfirmed(fields.Datetime.now()))
            self.assertEqual(self.closing_notes(), 0, "worker 2 skipped the ticket worker 1 holds")
            env1.cr.rollback()
        with self.worker() as env3:
            self.assertTrue(env3["helpdesk.ticket"]._timer_close_unconfirmed(fields.Datetime.now()))
        self.assertEqual(self.closing_notes(), 1)


@tagged("post_install", "-at_install")
class TestPortalFieldAccess(PortalClosureCommon):
    """What portal users may read of a ticket through the ORM (and so through any RPC)."""

    def test_portal_user_reads_only_whitelisted_fields(self):
        ticket = self.ticket_carla.with_user(self.portal_carla)
        values = ticket.read(["reference", "name", "state", "priority", "team_id", "user_id"])[0]
        self.assertEqual(values["name"], "Carla's printer is offline")
        for fname in (
            "resolution_note",
            "closure_code_id",
            "impact",
            "urgency",
            "priority_overridden",
            "tag_ids",
            "reopen_count",
            "access_token",
            "message_ids",
            "rating_ids",
            "activity_ids",
        ):
            with self.assertRaises(AccessError, msg=fname):
                ticket.read([fname])
        everything = ticket.read()[0]
        self.assertNotIn("resolution_note", everything)
        self.assertNotIn("priority_overridden", everything)
        self.assertLessEqual(
            set(everything),
            set(self.env["helpdesk.ticket"]._fields)
            & {
                "id",
                "active",
                "display_name",
                "reference",
                "name",
                "description",
                "partner_id",
                "partner_name",
                "partner_email",
                "commercial_partner_id",
                "company_id",
                "team_id",
                "user_id",
                "category_id",
                "type_id",
                "channel",
                "priority",
                "stage_id",
                "state",
                "is_closed",
                "customer_confirmation",
                "create_date",
                "write_date",
                "resolved_date",
                "closed_date",
                "access_url",
                "message_is_follower",
            },
        )
        self.assertNotIn("resolution_note", ticket.fields_get())
        with self.assertRaises(AccessError):
            ticket.search([("resolution_note", "ilike", "toner")])
        with self.assertRaises(AccessError):
            ticket.write({"name": "renamed"})
        # Internal users are not affected.
        self.assertTrue(self.ticket_carla.with_user(self.agent).read(["resolution_note", "impact"]))

    def test_record_rules_own_followed_and_company(self):
        ticket_dan = self.create_ticket(name="Dan's ticket", partner_id=self.contact_dan.id)
        acme_in_b = self.create_ticket(name="Acme in team B", partner_id=self.contact_dan.id, team_id=self.team_b.id)
        Ticket = self.env["helpdesk.ticket"].with_user(self.portal_carla)
        self.assertEqual(Ticket.search([]), self.ticket_carla)
        self.team_a.portal_company_visibility = True
        self.assertEqual(Ticket.search([]), self.ticket_carla | ticket_dan, "Acme's team A tickets, not team B's")
        self.team_a.portal_company_visibility = False
        acme_in_b.message_subscribe(partner_ids=self.contact.ids)
        self.assertEqual(Ticket.search([]), self.ticket_carla | acme_in_b, "followed")
        with self.assertRaises(AccessError):
            self.ticket_bob.with_user(self.portal_carla).read(["name"])
        self.assertEqual(self.env["helpdesk.ticket"].with_user(self.portal_bob).search([]), self.ticket_bob)
