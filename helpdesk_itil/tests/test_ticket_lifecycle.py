from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged, users

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketLifecycle(HelpdeskCommon):
    def test_reference_sequence_and_display_name(self):
        first = self.create_ticket()
        second = self.create_ticket(name="Printer jams")
        self.assertRegex(first.reference, r"^HD-\d{6}$")
        self.assertNotEqual(first.reference, second.reference)
        self.assertEqual(first.display_name, f"{first.reference} - Laptop does not boot")
        # The reference is searchable, alone or inside a search term.
        found = self.env["helpdesk.ticket"].name_search(first.reference)
        self.assertEqual([r[0] for r in found], [first.id])
        self.assertEqual(self.env["helpdesk.ticket"].search([("reference", "=", second.reference)]), second)

    def test_reference_follows_the_companys_own_sequence_as_soon_as_it_changes(self):
        # Looked up once per company and cached: a sequence added, changed, archived or
        # removed applies to the next ticket.
        self.assertRegex(self.create_ticket().reference, r"^HD-\d{6}$")
        own = self.env["ir.sequence"].create(
            {
                "name": "Acme tickets",
                "code": "helpdesk.ticket",
                "prefix": "ACME-",
                "padding": 4,
                "company_id": self.env.company.id,
            }
        )
        self.assertEqual(self.create_ticket().reference, "ACME-0001")
        own.prefix = "AC-"
        self.assertEqual(self.create_ticket().reference, "AC-0002", "an edited sequence is read afresh")
        own.active = False
        self.assertRegex(self.create_ticket().reference, r"^HD-\d{6}$")
        own.active = True
        self.assertEqual(self.create_ticket().reference, "AC-0003")
        own.unlink()
        self.assertRegex(self.create_ticket().reference, r"^HD-\d{6}$")
        # Another company's sequence is not this company's.
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env["ir.sequence"].create(
            {"name": "Other tickets", "code": "helpdesk.ticket", "prefix": "OT-", "company_id": other.id}
        )
        self.assertRegex(self.create_ticket().reference, r"^HD-\d{6}$")
        self.env["ir.sequence"].search([("code", "=", "helpdesk.ticket")]).active = False
        self.assertFalse(self.env["helpdesk.ticket"]._next_reference(), "no sequence, no reference")

    def test_new_ticket_starts_in_team_first_stage(self):
        ticket = self.create_ticket()
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.state, "new")
        self.assertEqual(ticket.company_id, self.team_a.company_id)

    def test_category_routes_to_its_team_and_parent_team(self):
        parent = self.env["helpdesk.category"].create({"name": "Network", "team_id": self.team_b.id})
        child = self.env["helpdesk.category"].create({"name": "VPN", "parent_id": parent.id})
        self.assertEqual(child.complete_name, "Network / VPN")
        ticket = self.env["helpdesk.ticket"].create({"name": "VPN drops", "category_id": child.id})
        self.assertEqual(ticket.team_id, self.team_b)

    def test_creation_message_starts_the_thread_and_later_messages_thread_under_it(self):
        ticket_new = self.env.ref("helpdesk_itil.mt_ticket_new")
        self.team_a.assignment_method = "round_robin"
        ticket = (
            self.env["helpdesk.ticket"].with_user(self.manager).create({"name": "Thread", "team_id": self.team_a.id})
        )
        creation = ticket.sudo().message_ids.filtered(lambda m: m.subtype_id == ticket_new)
        self.assertEqual(len(creation), 1)
        self.assertFalse(creation.parent_id)
        # What follows threads as in mail: under the thread's latest message.
        note = ticket.message_post(body="Looking into it", subtype_xmlid="mail.mt_note")
        self.assertEqual(note.sudo().parent_id, creation)
        reply = ticket.message_post(body="On it", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(reply.sudo().parent_id, note)

    def test_customer_contact_kept_for_unknown_sender(self):
        unknown = self.create_ticket(partner_email="someone@unknown.example.com", partner_name="Some One")
        self.assertFalse(unknown.partner_id)
        self.assertEqual(unknown.partner_email, "someone@unknown.example.com")
        known = self.create_ticket(partner_id=self.contact.id)
        self.assertEqual(known.partner_email, "carla@acme.example.com")
        self.assertEqual(known.partner_phone, "+34 600 000 000")
        self.assertEqual(known.commercial_partner_id, self.customer)
        self.assertIn(self.contact, known.message_partner_ids, "the customer follows their ticket")

    def test_batch_creation_subscribes_each_customer_to_their_own_ticket_only(self):
        other = self.env["res.partner"].create({"name": "Other Customer", "email": "other@example.com"})
        mine, theirs = self.env["helpdesk.ticket"].create(
            [
                {"name": "Mine", "team_id": self.team_a.id, "partner_id": self.contact.id},
                {"name": "Theirs", "team_id": self.team_a.id, "partner_id": other.id},
            ]
        )
        self.assertIn(self.contact, mine.message_partner_ids)
        self.assertNotIn(other, mine.message_partner_ids)
        self.assertIn(other, theirs.message_partner_ids)
        self.assertNotIn(self.contact, theirs.message_partner_ids)

    def test_customers_follow_with_their_default_subtypes_in_a_constant_number_of_queries(self):
        Followers = self.env["mail.followers"]
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes("helpdesk.ticket")
        employee = self.user_a2.partner_id
        portal_contact, ticket_of_employee = self.env["helpdesk.ticket"].create(
            [
                {"name": "Portal", "team_id": self.team_a.id, "partner_id": self.contact.id},
                {"name": "Employee", "team_id": self.team_a.id, "partner_id": employee.id},
            ]
        )
        follower = Followers.search(
            [
                ("res_id", "=", portal_contact.id),
                ("res_model", "=", "helpdesk.ticket"),
                ("partner_id", "=", self.contact.id),
            ]
        )
        self.assertEqual(follower.subtype_ids, external, "a customer gets no internal subtype")
        follower = Followers.search(
            [
                ("res_id", "=", ticket_of_employee.id),
                ("res_model", "=", "helpdesk.ticket"),
                ("partner_id", "=", employee.id),
            ]
        )
        self.assertEqual(follower.subtype_ids, default)
        # Already following (e.g. the creator is the customer): nothing is added twice.
        ticket_of_employee._subscribe_on_create(employee)
        self.assertEqual(ticket_of_employee.message_partner_ids.ids.count(employee.id), 1)

        def batch(size):
            partners = self.env["res.partner"].create([{"name": f"C{i}-{size}"} for i in range(size)])
            tickets = (
                self.env["helpdesk.ticket"]
                .with_context(tracking_disable=True)
                .create([{"name": "x", "team_id": self.team_a.id, "partner_id": p.id} for p in partners])
            )
            self.env.flush_all()
            self.env.invalidate_all()
            return tickets

        small, large = batch(2), batch(20)
        # Existing followers, subtypes of new partners (partner_share), followers and their subtypes.
        with self.assertQueryCount(4):
            small._subscribe_on_create(self.env["res.partner"])
            self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            large._subscribe_on_create(self.env["res.partner"])
            self.env.flush_all()
        self.assertEqual(
            Followers.search_count([("res_model", "=", "helpdesk.ticket"), ("res_id", "in", large.ids)]), 20
        )

    def test_creator_assignee_and_customer_follow_a_new_ticket_once(self):
        Ticket = self.env["helpdesk.ticket"]
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes("helpdesk.ticket")

        def followers(ticket):
            found = self.env["mail.followers"].search([("res_model", "=", ticket._name), ("res_id", "=", ticket.id)])
            return {follower.partner_id: follower.subtype_ids for follower in found}

        # Ana opens a ticket for Carla and gives it to Alex.
        named = Ticket.with_user(self.user_a).create(
            {"name": "Named", "team_id": self.team_a.id, "partner_id": self.contact.id, "user_id": self.user_a2.id}
        )
        self.assertEqual(
            followers(named),
            {self.user_a.partner_id: default, self.user_a2.partner_id: default, self.contact: external},
        )
        # The assignee the team's method picks follows too; the creator who is also the
        # assignee follows once.
        self.team_a.assignment_method = "round_robin"
        auto = Ticket.with_user(self.manager).create(
            {"name": "Auto", "team_id": self.team_a.id, "partner_id": self.contact.id}
        )
        self.assertIn(auto.user_id, self.user_a | self.user_a2)
        self.assertEqual(
            followers(auto),
            {self.manager.partner_id: default, auto.user_id.partner_id: default, self.contact: external},
        )
        own = Ticket.with_user(self.user_a).create(
            {"name": "Own", "team_id": self.team_b.id, "user_id": self.user_a.id}
        )
        self.assertEqual(followers(own), {self.user_a.partner_id: default})
        # An archived assignee does not follow; with tracking_disable only the customer does (as in mail).
        self.user_b.active = False
        archived = Ticket.create({"name": "Archived", "team_id": self.team_b.id, "user_id": self.user_b.id})
        self.assertNotIn(self.user_b.partner_id, archived.message_partner_ids)
        quiet = Ticket.with_context(tracking_disable=True).create(
            {"name": "Quiet", "team_id": self.team_a.id, "partner_id": self.contact.id, "user_id": self.user_a2.id}
        )
        self.assertEqual(followers(quiet), {self.contact: external})
        # Followers given with the values (an integration, with the right to) are kept as
        # given, the creator and the customer among them not added twice.
        given = (
            Ticket.with_user(self.user_a)
            .sudo()
            .create(
                {
                    "name": "Given",
                    "team_id": self.team_a.id,
                    "partner_id": self.contact.id,
                    "message_follower_ids": [
                        Command.create({"res_model": "helpdesk.ticket", "partner_id": pid, "subtype_ids": []})
                        for pid in (self.contact.id, self.user_a.partner_id.id)
                    ],
                }
            )
        )
        none = self.env["mail.message.subtype"]
        self.assertEqual(
            followers(given),
            {self.contact: none, self.user_a.partner_id: none, given.user_id.partner_id: default},
        )

    def test_followers_of_the_team_through_a_relation_subtype_follow_and_hear_of_new_tickets(self):
        # Not shipped (see mail_message_subtype_data.xml), but mail's mechanism works: a
        # team subtype whose parent is "Ticket Created", related through team_id.
        Subtype = self.env["mail.message.subtype"]
        ticket_new = self.env.ref("helpdesk_itil.mt_ticket_new")
        team_new = Subtype.create(
            {
                "name": "Every new ticket",
                "res_model": "helpdesk.team",
                "parent_id": ticket_new.id,
                "relation_field": "team_id",
                "default": False,
            }
        )
        self.team_b.message_subscribe(partner_ids=self.user_b.partner_id.ids, subtype_ids=team_new.ids)
        ticket = self.env["helpdesk.ticket"].create({"name": "Watched", "team_id": self.team_b.id})
        follower = ticket.message_follower_ids.filtered(lambda f: f.partner_id == self.user_b.partner_id)
        self.assertEqual(follower.subtype_ids, ticket_new)
        creation = ticket.message_ids.filtered(lambda m: m.subtype_id == ticket_new)
        self.assertIn(self.user_b.partner_id, creation.notified_partner_ids, "told of the new ticket")
        other = self.env["helpdesk.ticket"].create({"name": "Elsewhere", "team_id": self.team_a.id})
        self.assertNotIn(self.user_b.partner_id, other.message_partner_ids)

    def test_timestamps_through_the_lifecycle(self):
        with freeze_time("2026-03-02 09:00:00"):
            ticket = self.create_ticket()
            self.assertFalse(ticket.assign_date)
        with freeze_time("2026-03-02 09:10:00"):
            ticket.user_id = self.user_a
            self.assertEqual(str(ticket.assign_date), "2026-03-02 09:10:00")
        with freeze_time("2026-03-02 09:20:00"):
            ticket.with_user(self.user_a).message_post(
                body="We are on it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.assertEqual(str(ticket.first_response_date), "2026-03-02 09:20:00")
        with freeze_time("2026-03-02 09:30:00"):
            ticket.stage_id = self.stage_progress
            self.assertEqual(str(ticket.last_stage_update), "2026-03-02 09:30:00")
        with freeze_time("2026-03-02 11:00:00"):
            self.resolve(ticket)
            self.assertEqual(str(ticket.resolved_date), "2026-03-02 11:00:00")
            self.assertFalse(ticket.closed_date)
        with freeze_time("2026-03-05 11:00:00"):
            ticket.stage_id = self.stage_closed
            self.assertEqual(str(ticket.closed_date), "2026-03-05 11:00:00")
            self.assertEqual(str(ticket.resolved_date), "2026-03-02 11:00:00", "closing keeps the resolution date")
            self.assertTrue(ticket.is_closed)

    def test_first_response_ignores_notes_and_customer_messages(self):
        ticket = self.create_ticket(partner_id=self.contact.id)
        ticket.with_user(self.user_a).message_post(
            body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        ticket.message_post(
            body="any news?", message_type="comment", subtype_xmlid="mail.mt_comment", author_id=self.contact.id
        )
        self.assertFalse(ticket.first_response_date)
        ticket.with_user(self.user_a).message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(ticket.first_response_date)

    def test_resolving_requires_note_and_code(self):
        ticket = self.create_ticket()
        with self.assertRaisesRegex(ValidationError, "Resolution Note, Closure Code"):
            ticket.stage_id = self.stage_resolved
        self.assertEqual(ticket.stage_id, self.stage_new, "nothing half-written")
        with self.assertRaisesRegex(ValidationError, "Closure Code"):
            ticket.write({"stage_id": self.stage_resolved.id, "resolution_note": "<p>done</p>"})
        with self.assertRaisesRegex(ValidationError, "Resolution Note"):
            ticket.write(
                {
                    "stage_id": self.stage_closed.id,
                    "resolution_note": "<p> </p>",
                    "closure_code_id": self.code_solved.id,
                }
            )
        self.resolve(ticket)
        self.assertEqual(ticket.state, "resolved")

    def test_ticket_created_closed_keeps_given_dates(self):
        values = {
            "stage_id": self.stage_closed.id,
            "resolution_note": "<p>Imported from the old tool</p>",
            "closure_code_id": self.code_solved.id,
        }
        with freeze_time("2026-04-01 08:00:00"):
            imported = self.create_ticket(
                **values, resolved_date="2025-12-01 10:00:00", closed_date="2025-12-03 10:00:00"
            )
            fresh = self.create_ticket(**values)
        self.assertEqual(str(imported.resolved_date), "2025-12-01 10:00:00")
        self.assertEqual(str(imported.closed_date), "2025-12-03 10:00:00")
        self.assertEqual(str(fresh.resolved_date), "2026-04-01 08:00:00")
        self.assertEqual(str(fresh.closed_date), "2026-04-01 08:00:00")

    def test_cancel_needs_no_resolution(self):
        ticket = self.create_ticket()
        ticket.stage_id = self.stage_cancelled
        self.assertTrue(ticket.is_closed)
        self.assertTrue(ticket.closed_date)

    def test_reopen_counts_and_logs(self):
        ticket = self.create_ticket()
        self.resolve(ticket)
        ticket.customer_confirmation = "rejected"
        ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(ticket.resolved_date)
        self.assertEqual(ticket.customer_confirmation, "none")
        reopen_messages = ticket.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_reopened")
        )
        self.assertEqual(len(reopen_messages), 1)
        self.assertIn("was Resolved", reopen_messages.body)
        self.resolve(ticket)
        ticket.stage_id = self.stage_pending
        self.assertEqual(ticket.reopen_count, 2)
        # Moving between open stages is not a reopen.
        ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.reopen_count, 2)

    def test_stage_change_is_tracked(self):
        ticket = self.create_ticket()
        self.flush_tracking()  # changes in the creating transaction are not tracked
        ticket.stage_id = self.stage_progress
        self.flush_tracking()
        tracked = ticket.message_ids.tracking_value_ids.filtered(lambda v: v.field_id.name == "stage_id")
        self.assertEqual(len(tracked), 1)
        # Nobody follows the ticket's stage changes: logged, no notification.
        self.assertEqual(ticket.message_ids[0].subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(ticket.message_ids[0].notification_ids)

    def test_stage_change_notifies_who_follows_stage_changes(self):
        stage_subtype = self.env.ref("helpdesk_itil.mt_ticket_stage")
        watched, quiet = self.create_ticket(), self.create_ticket(name="Printer jams")
        watched.message_subscribe(partner_ids=self.user_a.partner_id.ids, subtype_ids=stage_subtype.ids)
        self.flush_tracking()
        (watched | quiet).stage_id = self.stage_progress
        self.flush_tracking()
        message = watched.message_ids[0]
        self.assertEqual(message.subtype_id, stage_subtype)
        self.assertEqual(message.tracking_value_ids.field_id.name, "stage_id")
        self.assertIn(self.user_a.partner_id, message.notification_ids.res_partner_id)
        self.assertEqual(quiet.message_ids[0].subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(quiet.message_ids[0].tracking_value_ids.field_id.name, "stage_id")

    def test_tracking_messages_of_a_transaction_are_created_together(self):
        # Several tickets changed one by one in one transaction: at commit, each gets its
        # own message with its own changes, all created by one mail.message create.
        stage_subtype = self.env.ref("helpdesk_itil.mt_ticket_stage")
        first, second, third, watched = (self.create_ticket(name=f"Ticket {n}") for n in range(4))
        watched.message_subscribe(partner_ids=self.user_a.partner_id.ids, subtype_ids=stage_subtype.ids)
        self.flush_tracking()
        first.stage_id = self.stage_progress
        second.stage_id = self.stage_pending
        third.priority = "1"
        watched.stage_id = self.stage_progress
        Message, Tracking = type(self.env["mail.message"]), type(self.env["mail.tracking.value"])
        creates = {Message: [], Tracking: []}
        originals = {Message: Message.create, Tracking: Tracking.create}

        def counting(model):
            def create(records, vals_list):
                creates[model].append(len(vals_list) if isinstance(vals_list, list) else 1)
                return originals[model](records, vals_list)

            return create

        with patch.object(Message, "create", counting(Message)), patch.object(Tracking, "create", counting(Tracking)):
            self.flush_tracking()
        self.assertIn(3, creates[Message], "the three logged messages come from one create")
        # Their tracking values too (mail would create them message by message); the
        # watched ticket's message, posted by mail, brings its own.
        logged_values = sum(len(ticket.message_ids[0].tracking_value_ids) for ticket in (first, second, third))
        self.assertGreaterEqual(logged_values, 3)
        self.assertEqual(
            sorted(creates[Tracking]),
            sorted([logged_values, len(watched.message_ids[0].tracking_value_ids)]),
            "the three messages' tracking values come from one create",
        )
        for ticket, field, old, new in (
            (first, "stage_id", "New", self.stage_progress.name),
            (second, "stage_id", "New", self.stage_pending.name),
            (third, "priority", "P3 Medium", "P1 Critical"),
        ):
            message = ticket.message_ids[0]
            self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
            self.assertEqual(message.message_type, "notification")
            self.assertEqual(message.author_id, self.env.user.partner_id)
            self.assertTrue(message.message_id)
            value = message.tracking_value_ids.filtered(lambda v, field=field: v.field_id.name == field)
            self.assertEqual((value.old_value_char, value.new_value_char), (old, new))
        # The ticket whose stage changes someone follows is notified as before.
        self.assertEqual(watched.message_ids[0].subtype_id, stage_subtype)
        self.assertIn(self.user_a.partner_id, watched.message_ids[0].notification_ids.res_partner_id)

    @users("hd_agent")
    def test_closed_ticket_is_read_only_for_agents(self):
        ticket = self.create_ticket().with_user(self.env.user)
        self.resolve(ticket)
        ticket.stage_id = self.stage_closed
        self.assertTrue(ticket.is_locked)
        for values in (
            {"name": "changed"},
            {"description": "<p>changed</p>"},
            {"partner_id": self.contact.id},
            {"priority": "1"},
            {"resolution_note": "<p>rewritten</p>"},
            {"stage_id": self.stage_progress.id},
        ):
            with self.assertRaisesRegex(UserError, "is closed"):
                ticket.write(values)
        self.assertEqual(ticket.name, "Laptop does not boot")
        # Messages and followers stay writable.
        ticket.message_post(body="Customer called to say thanks", subtype_xmlid="mail.mt_note")
        ticket.message_subscribe(partner_ids=self.contact.ids)
        self.assertIn(self.contact, ticket.message_partner_ids)

    @users("hd_manager")
    def test_manager_edits_and_reopens_closed_ticket(self):
        ticket = self.create_ticket().with_user(self.env.user)
        self.resolve(ticket)
        ticket.stage_id = self.stage_closed
        self.assertFalse(ticket.is_locked)
        ticket.name = "Laptop does not boot (RAM)"
        ticket.stage_id = self.stage_progress
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(ticket.closed_date)

    def test_closed_ticket_deletion_reserved_to_managers(self):
        ticket = self.create_ticket()
        self.resolve(ticket)
        ticket.stage_id = self.stage_closed
        with self.assertRaises(UserError):
            ticket.with_user(self.agent).unlink()
        ticket.with_user(self.manager).unlink()
        self.assertFalse(ticket.exists())

    def test_form_creation_with_onchanges(self):
        category = self.env["helpdesk.category"].create({"name": "Printers", "team_id": self.team_b.id})
        form = Form(self.env["helpdesk.ticket"].with_user(self.agent))
        form.name = "Printer on floor 2 jams"
        form.category_id = category
        self.assertEqual(form.team_id, self.team_b)
        form.partner_id = self.contact
        self.assertEqual(form.partner_email, "carla@acme.example.com")
        form.impact = "high"
        form.urgency = "high"
        self.assertEqual(form.priority, "1")
        ticket = form.save()
        self.assertFalse(ticket.priority_overridden, "the form sends the matrix value: no override")
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_partner_ticket_count_includes_contacts(self):
        self.create_ticket(partner_id=self.contact.id)
        self.create_ticket(partner_id=self.customer.id)
        self.assertEqual(self.customer.helpdesk_ticket_count, 2)
        self.assertEqual(self.contact.helpdesk_ticket_count, 1)
        action = self.customer.action_view_helpdesk_tickets()
        self.assertEqual(self.env["helpdesk.ticket"].search(action["domain"]).partner_id, self.customer | self.contact)
