"""The queries behind the main screens stay cheap on a large desk (bench/bench_screens.py
measures them at 1,000,000 tickets): the open tickets' index answers the agents' screens,
and the followers part of the record rules is an indexable array, so that PostgreSQL can
combine the rules' conditions with indexes instead of filtering the whole table."""

import re

from lxml import etree

from odoo.tests import tagged
from odoo.tests.common import TransactionCase
from odoo.tools import SQL

from ..models.helpdesk_stage import OPEN_STATES
from .common import HelpdeskPortalFixtures


@tagged("post_install", "-at_install")
class TestScreenQueries(HelpdeskPortalFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()
        cls.ticket_b_followed = cls.create_ticket(name="Team B's switch is down", team_id=cls.team_b.id)
        cls.ticket_b_followed.message_subscribe(partner_ids=cls.user_a.partner_id.ids)
        cls.ticket_b_hidden = cls.create_ticket(name="Team B's UPS beeps", team_id=cls.team_b.id)
        # Bob (Globex) follows one of Acme's tickets: he sees that one, not Carla's others.
        cls.ticket_acme_followed = cls.create_ticket(name="Shared VPN gateway", partner_id=cls.contact.id)
        cls.ticket_acme_followed.message_subscribe(partner_ids=cls.contact_bob.ids)
        cls.env.flush_all()

    # On a test database's few rows any plan is cheap; without sequential scans, bitmap scans
    # and sorts, the planner must find an index that returns the rows already in order, which
    # shows whether the query can use one at all (at 1,000,000 tickets it prefers it anyway:
    # bench/bench_screens.py prints the plans).
    PLANNER_OFF = ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort")

    def plan(self, user, domain, order):
        """The plan of the list's search as `user`."""
        query = self.env["helpdesk.ticket"].with_user(user)._search(domain, order=order, limit=80)
        for setting in self.PLANNER_OFF:
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
        try:
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            return "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            for setting in self.PLANNER_OFF:
                self.env.cr.execute(SQL("RESET %s", SQL.identifier(setting)))

    def test_open_screen_indexes_are_the_open_filter(self):
        for index in ("helpdesk_ticket_open_list_idx", "helpdesk_ticket_open_kanban_idx"):
            self.env.cr.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'helpdesk_ticket' AND indexname = %s", [index]
            )
            [definition] = self.env.cr.fetchone()
            predicate = re.search(r"WHERE \(\(state\)::text = ANY \(\(?ARRAY\[(.*)\]", definition)
            self.assertTrue(predicate, definition)
            self.assertEqual(set(re.findall(r"'(\w+)'", predicate.group(1))), set(OPEN_STATES))
        search_view = self.env.ref("helpdesk_itil.helpdesk_ticket_view_search")
        [open_filter] = etree.fromstring(search_view.arch).xpath("//filter[@name='filter_open']")
        self.assertEqual(open_filter.get("domain"), f"[('state', 'in', {list(OPEN_STATES)!r})]")
        # The list's and the kanban's order is the index's.
        self.assertEqual(self.env["helpdesk.ticket"]._order, "priority, id desc")

    def test_agent_screens_can_use_the_open_tickets_indexes(self):
        open_domain = [("state", "in", list(OPEN_STATES))]
        column_domain = open_domain + [("stage_id", "=", self.stage_progress.id)]
        for user in (self.user_a, self.agent, self.manager):
            with self.subTest(user=user.login):
                # the list's first page, a kanban column's first cards
                plan = self.plan(user, open_domain, "priority, id desc")
                self.assertIn("Index Only Scan using helpdesk_ticket_open_list_idx", plan)
                plan = self.plan(user, column_domain, "priority, id desc")
                self.assertIn("Index Only Scan using helpdesk_ticket_open_kanban_idx", plan)

    def test_followers_rule_is_an_indexable_array(self):
        query = self.env["helpdesk.ticket"].with_user(self.user_a)._search([])
        self.assertIn("= ANY(ARRAY(", query.select().code)
        # Without the sequential scan, the rule's OR is answered from indexes only.
        query = self.env["helpdesk.ticket"].with_user(self.portal_bob)._search([])
        self.assertIn("= ANY(ARRAY(", query.select().code)

    def test_followed_tickets_are_visible_and_only_them(self):
        Ticket = self.env["helpdesk.ticket"]
        seen_by_ana = Ticket.with_user(self.user_a).search([("team_id", "=", self.team_b.id)])
        self.assertEqual(seen_by_ana, self.ticket_b_followed)
        self.assertEqual(Ticket.with_user(self.user_a).search_count([("team_id", "=", self.team_b.id)]), 1)
        seen_by_bob = Ticket.with_user(self.portal_bob).search([])
        self.assertEqual(seen_by_bob, self.ticket_bob | self.ticket_acme_followed)
        # The field's own search, as filters use it, answers the same.
        followed = Ticket.with_user(self.user_a).search([("message_partner_ids", "in", self.user_a.partner_id.ids)])
        self.assertIn(self.ticket_b_followed, followed)
        self.assertNotIn(self.ticket_b_hidden, followed)
        not_followed = Ticket.with_user(self.user_a).search(
            [("message_partner_ids", "not in", self.user_a.partner_id.ids), ("team_id", "=", self.team_b.id)]
        )
        self.assertFalse(not_followed)

    def test_list_queries_do_not_grow_with_the_tickets(self):
        Ticket = self.env["helpdesk.ticket"].with_user(self.user_a)
        spec = {"reference": {}, "name": {}, "partner_id": {"fields": {"display_name": {}}}, "priority": {}}

        def count_queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Ticket.web_search_read([("state", "in", list(OPEN_STATES))], spec, limit=80, order="priority, id desc")
            return self.env.cr.sql_log_count - before

        count_queries()  # warms the caches (record rules, views' field metadata)
        few = count_queries()
        self.env["helpdesk.ticket"].create(
            [{"name": f"Bulk {i}", "team_id": self.team_a.id, "partner_id": self.contact.id} for i in range(30)]
        )
        self.env.flush_all()
        self.assertEqual(count_queries(), few)

    def test_reference_part_search_uses_the_trigram_index(self):
        reference = self.ticket_b_hidden.reference
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        try:
            query = self.env["helpdesk.ticket"]._search([("reference", "ilike", reference[-5:])])
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        finally:
            self.env.cr.execute("RESET enable_seqscan")
        self.assertIn("helpdesk_ticket__reference_index", plan)
        self.assertIn(
            self.ticket_b_hidden, self.env["helpdesk.ticket"].search([("reference", "ilike", reference[-5:])])
        )
