from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketLinks(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Link = cls.env["helpdesk.ticket.link"]
        cls.t1, cls.t2, cls.t3 = (cls.create_ticket(name=f"T{i}") for i in range(1, 4))

    def read_links(self, ticket):
        """The Links tab as the web client reads it."""
        [values] = ticket.web_read(
            {"link_side_ids": {"fields": {"wording": {}, "other_ticket_id": {"fields": {"display_name": {}}}}}}
        )
        return {(row["wording"], row["other_ticket_id"]["id"]) for row in values["link_side_ids"]}

    def test_one_row_per_pair_read_from_both_sides(self):
        self.Link._link(self.t1, "blocks", self.t2)
        self.Link._link(self.t3, "blocked_by", self.t1)
        self.Link._link(self.t2, "follow_up_of", self.t3)
        self.assertEqual(self.read_links(self.t1), {("blocks", self.t2.id), ("blocks", self.t3.id)})
        self.assertEqual(self.read_links(self.t2), {("blocked_by", self.t1.id), ("follow_up_of", self.t3.id)})
        self.assertEqual(self.read_links(self.t3), {("blocked_by", self.t1.id), ("followed_up_by", self.t2.id)})
        self.assertEqual(len(self.Link.search([("ticket_id", "in", (self.t1 | self.t2 | self.t3).ids)])), 3)
        link = self.Link.search([("ticket_id", "=", self.t1.id), ("target_id", "=", self.t3.id)])
        self.assertEqual(link.link_type, "blocks")
        self.assertEqual(link.display_name, f"{self.t1.reference} blocks {self.t3.reference}")

    def test_duplicate_wording(self):
        self.Link._link(self.t2, "has_duplicate", self.t1)
        self.assertEqual(self.read_links(self.t1), {("duplicate_of", self.t2.id)})
        self.assertEqual(self.read_links(self.t2), {("has_duplicate", self.t1.id)})

    def test_bad_links_are_refused(self):
        self.Link._link(self.t1, "relates_to", self.t2)
        with self.assertRaisesRegex(ValidationError, "already linked"):
            self.Link._link(self.t2, "blocks", self.t1)
        with self.assertRaisesRegex(ValidationError, "related to itself"):
            self.Link._link(self.t3, "blocks", self.t3)
        self.assertEqual(self.t3.link_ids, self.Link)

    def test_related_tickets_are_all_linked_tickets(self):
        self.Link._link(self.t1, "blocks", self.t2)
        self.t1.related_ticket_ids |= self.t3
        self.assertEqual(self.t1.related_ticket_ids, self.t2 | self.t3)
        self.assertEqual(self.t3.link_ids.link_type, "relates_to")
        self.assertEqual(self.env["helpdesk.ticket"].search([("related_ticket_ids", "in", self.t2.ids)]), self.t1)
        self.t2.related_ticket_ids = False
        self.assertEqual(self.t1.related_ticket_ids, self.t3)

    def test_add_and_remove_from_the_form(self):
        action = self.t1.with_user(self.user_a).action_add_link()
        form = Form(self.env["helpdesk.ticket.link.wizard"].with_user(self.user_a).with_context(**action["context"]))
        form.wording = "blocked_by"
        form.other_ticket_id = self.t2
        form.save().action_add()
        link = self.t1.link_ids
        self.assertEqual((link.ticket_id, link.link_type, link.target_id), (self.t2, "blocks", self.t1))
        self.t1.with_user(self.user_a).link_side_ids.action_remove()
        self.assertFalse(self.t1.link_ids)

    def test_links_need_both_tickets_readable(self):
        foreign = self.create_ticket(name="Foreign", team_id=self.team_b.id)
        with self.assertRaises(AccessError):
            self.Link.with_user(self.user_a)._link(self.t1, "blocks", foreign)
        self.Link._link(self.t1, "blocks", foreign)
        self.assertFalse(self.t1.with_user(self.user_a).link_ids, "a link to an unreadable ticket is not shown")
        self.assertFalse(self.t1.with_user(self.user_a).link_side_ids)
        with self.assertRaises(AccessError):
            self.Link.with_user(self.portal_user).search([])
