from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .test_mail_gateway import HelpdeskMailCommon


class MergeCommon(HelpdeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.code_duplicate = cls.env.ref("helpdesk_itil.closure_duplicate")
        cls.Log = cls.env["helpdesk.ticket.merge.log"]
        cls.tag_vpn = cls.env["helpdesk.tag"].create({"name": "VPN"})
        cls.tag_urgent = cls.env["helpdesk.tag"].create({"name": "Urgent"})
        cls.colleague = cls.env["res.partner"].create(
            {"name": "Dora Dev", "parent_id": cls.customer.id, "email": "dora@acme.example.com"}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})
        cls.bob = cls.env["res.partner"].create(
            {"name": "Bob Globex", "parent_id": cls.globex.id, "email": "bob@globex.example.com"}
        )

    def make_pair(self, **source_values):
        destination = self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact.id)
        source_values.setdefault("partner_id", self.contact.id)
        source = self.create_ticket(name="VPN keeps dropping", **source_values)
        return destination, source

    def merge(self, tickets, user=None, destination=None, confirm=False):
        """Merge through the wizard as `user`; returns the destination."""
        wizard_model = self.env["helpdesk.ticket.merge"].with_user(user or self.user_a)
        form = Form(wizard_model.with_context(active_model="helpdesk.ticket", active_ids=tickets.ids))
        if destination:
            form.destination_id = destination
        if confirm:
            form.confirm_other_customers = True
        wizard = form.save()
        wizard.action_merge()
        self.env.invalidate_all()
        return wizard.destination_id

    def notes(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))


@tagged("post_install", "-at_install")
class TestTicketMerge(MergeCommon):
    def test_wizard_proposes_the_oldest_ticket(self):
        destination, source = self.make_pair()
        form = Form(
            self.env["helpdesk.ticket.merge"]
            .with_user(self.user_a)
            .with_context(active_model="helpdesk.ticket", active_ids=[source.id, destination.id])
        )
        self.assertEqual(form.destination_id, destination)
        self.assertEqual(form.save().source_ids, source)

    def test_merge_moves_everything_and_closes_the_source(self):
        destination, source = self.make_pair(email_cc="Dora Dev <dora@acme.example.com>", tag_ids=[self.tag_vpn.id])
        destination.write({"email_cc": "it@acme.example.com", "tag_ids": [Command.link(self.tag_urgent.id)]})
        other = self.create_ticket(name="Firewall change")
        source.related_ticket_ids = other
        customer_message = source.message_post(
            body="<p>Still dropping after the update</p>",
            author_id=self.contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("vpn.log", b"LOG-CONTENT")],
        )
        note = source.with_user(self.user_a).message_post(
            body="INTERNAL: the customer's VPN client is outdated", subtype_xmlid="mail.mt_note"
        )
        self.flush_tracking()  # changes in the creating transaction are not tracked
        source.with_user(self.user_a).user_id = self.user_a2  # a tracking-only message
        self.flush_tracking()
        tracking = source.message_ids.filtered("tracking_value_ids")
        self.assertTrue(tracking)
        # Followers on both tickets: the customer, and Dora on the source only.
        source.message_subscribe(partner_ids=self.colleague.ids)
        self.assertIn(self.contact, destination.message_partner_ids & source.message_partner_ids)
        order = self.env["sale.order"].create({"partner_id": self.contact.id, "helpdesk_ticket_id": source.id})
        task = self.env["project.task"].create({"name": "Visit", "helpdesk_ticket_id": source.id})
        date, author = customer_message.date, customer_message.author_id

        self.merge(destination | source)

        # The source: closed by the system as a duplicate, pointing to the destination.
        self.assertEqual(source.state, "closed")
        self.assertEqual(source.closure_code_id, self.code_duplicate)
        self.assertEqual(source.merged_into_id, destination)
        self.assertIn(destination.reference, source.resolution_note)
        self.assertFalse(source.rating_ids, "a merged ticket is not rated")
        self.assertEqual(destination.state, "new")
        # Messages: moved with author and date, marked with their ticket; tracking stays.
        self.assertEqual(customer_message.res_id, destination.id)
        self.assertEqual((customer_message.date, customer_message.author_id), (date, author))
        self.assertIn(f"From {source.reference}", customer_message.body)
        self.assertIn("Still dropping", customer_message.body)
        self.assertEqual(note.res_id, destination.id)
        self.assertEqual(tracking.res_id, source.id)
        # Attachments, followers (once), CC, tags, links, documents.
        self.assertEqual(customer_message.attachment_ids.res_id, destination.id)
        self.assertEqual(
            destination.message_partner_ids.filtered(lambda p: p == self.contact), self.contact, "followed once"
        )
        self.assertIn(self.colleague, destination.message_partner_ids)
        self.assertIn(self.colleague, source.message_partner_ids, "the source keeps its followers")
        self.assertIn("dora@acme.example.com", destination.email_cc)
        self.assertIn("it@acme.example.com", destination.email_cc)
        self.assertEqual(destination.tag_ids, self.tag_vpn | self.tag_urgent)
        self.assertIn(other, destination.related_ticket_ids)
        self.assertEqual(source.related_ticket_ids, destination)
        link = source.link_ids
        self.assertEqual((link.link_type, link.ticket_id, link.target_id), ("duplicate_of", source, destination))
        self.assertEqual(order.helpdesk_ticket_id, destination)
        self.assertEqual(task.helpdesk_ticket_id, destination)
        # The audit, and a note on each ticket.
        log = self.Log.search([("source_id", "=", source.id)])
        self.assertEqual(log.destination_id, destination)
        self.assertEqual(log.state, "merged")
        self.assertIn(customer_message, log.message_ids)
        self.assertNotIn(tracking, log.message_ids)
        self.assertEqual(log.attachment_ids, customer_message.attachment_ids)
        self.assertIn(self.colleague, log.follower_partner_ids)
        self.assertNotIn(self.contact, log.follower_partner_ids, "already following")
        self.assertEqual(log.tag_ids, self.tag_vpn)
        self.assertEqual(log.documents["sale.order"], order.ids)
        self.assertEqual(log.documents["project.task"], task.ids)
        self.assertEqual(log.previous_state, "new")
        self.assertIn(order.name, log.document_summary)
        self.assertTrue(any(source.reference in n.body for n in self.notes(destination)))
        self.assertTrue(any("Merged into" in n.body for n in self.notes(source)))

    def test_merge_several_into_one(self):
        destination, source = self.make_pair()
        third = self.create_ticket(name="VPN again", partner_id=self.colleague.id)
        source.related_ticket_ids = third  # a link between two sources stays
        self.merge(destination | source | third)
        self.assertEqual((source | third).merged_into_id, destination)
        self.assertEqual(destination.related_ticket_ids, source | third)
        self.assertEqual(len(self.Log.search([("destination_id", "=", destination.id)])), 2)

    def test_agent_of_another_team_is_refused(self):
        destination, source = self.make_pair()
        messages = source.message_ids
        with self.assertRaises(AccessError):  # not even readable
            self.merge(destination | source, user=self.user_b)
        self.assertFalse(source.merged_into_id)
        self.assertEqual(source.message_ids, messages)
        # A ticket of team B among team A's: refused to team A's user too.
        foreign = self.create_ticket(name="VPN too", partner_id=self.contact.id, team_id=self.team_b.id)
        foreign.message_subscribe(partner_ids=self.user_a.partner_id.ids)  # user_a sees it, is not of its team
        with self.assertRaisesRegex(AccessError, foreign.reference):
            self.merge(destination | foreign, user=self.user_a)
        # Agents work every team's tickets.
        self.merge(destination | foreign, user=self.agent)
        self.assertEqual(foreign.merged_into_id, destination)

    def test_bad_input_is_refused(self):
        destination, source = self.make_pair()
        Ticket = self.env["helpdesk.ticket"]
        with self.assertRaisesRegex(UserError, "at least one ticket"):
            destination.with_user(self.user_a)._merge_check(Ticket)
        with self.assertRaisesRegex(UserError, "into itself"):
            destination.with_user(self.user_a)._merge_check(destination)
        self.merge(destination | source)
        with self.assertRaisesRegex(UserError, "already merged"):
            self.merge(destination | source, user=self.manager)
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.manager.company_ids |= other_company
        foreign_team = self.env["helpdesk.team"].create({"name": "Other", "company_id": other_company.id})
        foreign = self.create_ticket(name="VPN", team_id=foreign_team.id)
        fresh = self.create_ticket(name="VPN", partner_id=self.contact.id)
        with self.assertRaisesRegex(UserError, "different companies"):
            fresh.with_user(self.manager).with_context(
                allowed_company_ids=[self.company.id, other_company.id]
            )._merge_check(foreign)

    def test_different_customers_need_a_manager_who_confirms(self):
        destination, source = self.make_pair(partner_id=self.bob.id)
        self.env["res.users"].create(
            {
                "name": "Bob Portal",
                "login": "bob_portal",
                "partner_id": self.bob.id,
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        source.message_subscribe(partner_ids=self.user_a2.partner_id.ids)
        with self.assertRaisesRegex(UserError, "only a helpdesk manager"):
            self.merge(destination | source)
        with self.assertRaisesRegex(UserError, "tick"):
            self.merge(destination | source, user=self.manager)
        self.assertFalse(source.merged_into_id)
        self.merge(destination | source, user=self.manager, confirm=True)
        self.assertEqual(source.merged_into_id, destination)
        self.assertNotIn(self.bob, destination.message_partner_ids, "the other customer does not follow")
        self.assertIn(self.user_a2.partner_id, destination.message_partner_ids, "internal followers do")
        self.assertTrue(self.Log.search([("source_id", "=", source.id)]).other_customers)

    def test_merge_into_resolved_ticket_reopens_it(self):
        destination, source = self.make_pair()
        self.resolve(destination)
        self.merge(destination | source)
        self.assertEqual(destination.state, "in_progress")
        self.assertEqual(destination.reopen_count, 1)
        self.assertTrue(
            destination.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_reopened"))
        )
        self.assertTrue(self.Log.search([("source_id", "=", source.id)]).destination_reopened)

    def test_merge_into_closed_ticket_needs_a_manager(self):
        destination, source = self.make_pair()
        self.resolve(destination, self.stage_closed)
        with self.assertRaisesRegex(UserError, "only a helpdesk manager"):
            self.merge(destination | source)
        self.assertEqual(destination.state, "closed")
        self.assertFalse(source.merged_into_id)
        self.merge(destination | source, user=self.manager, destination=destination)
        self.assertEqual(destination.state, "in_progress")
        self.assertEqual(destination.reopen_count, 1)
        self.assertEqual(source.merged_into_id, destination)

    def test_merge_from_duplicate_banner(self):
        destination = self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact.id)
        source = self.create_ticket(name="Re: VPN drops every 10 minutes", partner_id=self.contact.id)
        pair = self.env["helpdesk.ticket.duplicate"].search([("ticket_id", "=", source.id)])
        self.assertEqual(pair.original_id, destination)
        action = pair.with_user(self.user_a).action_merge()
        self.assertEqual(action["res_model"], "helpdesk.ticket.merge")
        wizard = self.env["helpdesk.ticket.merge"].with_user(self.user_a).with_context(**action["context"]).create({})
        self.assertEqual(wizard.destination_id, destination)
        wizard.action_merge()
        self.assertEqual(source.merged_into_id, destination)
        self.assertFalse(destination.with_user(self.user_a).has_possible_duplicates)

    # ------------------------------------------------------------
    # Replies to a merged ticket
    # ------------------------------------------------------------

    def test_email_replies_to_a_merged_ticket_land_on_its_destination(self):
        with self.mock_mail_gateway():
            destination = self.email_ticket(subject="VPN drops every 10 minutes")
            source = self.email_ticket(subject="VPN disconnects")
            self.merge(destination | source)
            self.resolve(destination)
            self.env.cr.flush()
            stayed = source.message_ids.filtered("message_id").sorted("id")[-1]
            before = self.last_ticket_id()
            # by its headers (a message that stayed on the merged ticket)
            thread_id = self.reply(source, body="Reply by headers", in_reply_to=stayed.message_id)
            self.assertEqual(thread_id, destination.id)
            # by the reference in its subject, without headers
            thread_id = self.reply(
                source, body="Reply by reference", subject=f"Re: [{source.reference}] VPN", in_reply_to=""
            )
        self.assertEqual(thread_id, destination.id)
        self.assertFalse(self.new_tickets(before), "no follow-up of the closed merged ticket")
        bodies = " ".join(destination.message_ids.mapped("body"))
        self.assertIn("Reply by headers", bodies)
        self.assertIn("Reply by reference", bodies)
        self.assertNotIn("Reply by", " ".join(source.message_ids.mapped("body")))
        self.assertEqual(destination.state, "in_progress", "the customer's reply reopened the destination")
        self.assertEqual(source.state, "closed")

    def test_portal_reply_through_the_orm_lands_on_destination(self):
        destination, source = self.make_pair()
        self.merge(destination | source)
        message = source.message_post(
            body="Any news?", author_id=self.contact.id, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(message.res_id, destination.id)
        note = source.with_user(self.manager).message_post(body="Checked", subtype_xmlid="mail.mt_note")
        self.assertEqual(note.res_id, source.id, "notes stay on the merged ticket")

    # ------------------------------------------------------------
    # Unmerge
    # ------------------------------------------------------------

    def test_unmerge_restores_everything(self):
        destination, source = self.make_pair(email_cc="dora@acme.example.com", tag_ids=[self.tag_vpn.id])
        other = self.create_ticket(name="Firewall change")
        source.related_ticket_ids = other
        destination.related_ticket_ids = self.create_ticket(name="Proxy")
        source.message_subscribe(partner_ids=self.colleague.ids)
        source.with_user(self.user_a).stage_id = self.stage_pending
        message = source.message_post(
            body="<p>Log attached</p>",
            author_id=self.contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("vpn.log", b"LOG")],
        )
        body = message.body
        order = self.env["sale.order"].create({"partner_id": self.contact.id, "helpdesk_ticket_id": source.id})
        reopens = source.reopen_count
        self.merge(destination | source)
        log = self.Log.search([("source_id", "=", source.id)])
        with self.assertRaisesRegex(AccessError, "helpdesk manager"):
            log.with_user(self.user_a).action_unmerge()
        with self.assertRaises(AccessError):
            log.with_user(self.agent).read(["state"])  # the audit is for managers

        source.with_user(self.manager).action_unmerge()

        self.assertFalse(source.merged_into_id)
        self.assertEqual(source.stage_id, self.stage_pending, "back in its previous stage")
        self.assertFalse(source.closure_code_id)
        self.assertEqual(source.reopen_count, reopens, "an unmerge is not a reopen")
        self.assertEqual(message.res_id, source.id)
        self.assertEqual(message.body, body, "the mark is removed")
        self.assertEqual(message.attachment_ids.res_id, source.id)
        self.assertNotIn(self.colleague, destination.message_partner_ids)
        self.assertFalse(destination.email_cc)
        self.assertFalse(destination.tag_ids)
        self.assertEqual(source.related_ticket_ids, other)
        self.assertNotIn(other, destination.related_ticket_ids)
        self.assertNotIn(source, destination.related_ticket_ids)
        self.assertEqual(order.helpdesk_ticket_id, source)
        self.assertEqual(log.state, "unmerged")
        self.assertEqual(log.unmerged_by_id, self.manager)
        with self.assertRaisesRegex(UserError, "cannot be unmerged any more"):
            log.with_user(self.manager).action_unmerge()

    def test_unmerge_keeps_a_relation_retyped_by_the_merge(self):
        destination, source = self.make_pair()
        self.env["helpdesk.ticket.link"].create(
            {"ticket_id": destination.id, "target_id": source.id, "link_type": "blocks"}
        )
        self.merge(destination | source)
        link = source.link_ids
        self.assertEqual((link.link_type, link.ticket_id), ("duplicate_of", source))
        source.with_user(self.manager).action_unmerge()
        self.assertEqual((link.link_type, link.ticket_id, link.target_id), ("blocks", destination, source))

    def test_unmerge_expires_after_30_days(self):
        destination, source = self.make_pair()
        self.merge(destination | source)
        log = self.Log.search([("source_id", "=", source.id)])
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            with self.assertRaisesRegex(UserError, "more than 30 days"):
                log.with_user(self.manager).action_unmerge()
            cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_merge_expire")
            with self.enter_registry_test_mode():
                cron.method_direct_trigger()
        log.invalidate_recordset()
        self.assertEqual(log.state, "expired")
        self.assertEqual(source.merged_into_id, destination)

    def test_merge_query_count_is_bounded(self):
        destination = self.create_ticket(name="VPN drops", partner_id=self.contact.id)
        batches = {}
        for size in (2, 6):
            sources = self.env["helpdesk.ticket"].create(
                [{"name": f"VPN {i}", "team_id": self.team_a.id, "partner_id": self.contact.id} for i in range(size)]
            )
            for source in sources:
                source.message_post(
                    body="hello", author_id=self.contact.id, message_type="comment", subtype_xmlid="mail.mt_comment"
                )
            self.env.flush_all()
            self.env.invalidate_all()
            queries = self.cr.sql_log_count
            self.env["helpdesk.ticket.merge.log"].with_user(self.user_a)._merge(
                destination.with_user(self.user_a), sources.with_user(self.user_a)
            )
            self.env.flush_all()
            batches[size] = self.cr.sql_log_count - queries
        # Four more tickets cost a few queries each, not dozens.
        self.assertLess(batches[6] - batches[2], 4 * 25, batches)


@tagged("post_install", "-at_install")
class TestMergeSecurityUsers(MergeCommon):
    def test_user_following_a_foreign_ticket_cannot_unmerge_or_read_audit(self):
        user = new_test_user(self.env, login="hd_plain", groups="helpdesk_itil.group_helpdesk_user")
        destination, source = self.make_pair()
        self.merge(destination | source)
        with self.assertRaises(AccessError):
            source.with_user(user).action_unmerge()
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.merge.log"].with_user(user).search([])
