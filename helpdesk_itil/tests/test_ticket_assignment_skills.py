"""Assignment by skill, then least open tickets: categories, products, languages, support
levels, capacity, agents on (real, hr_holidays) time off, escalation by complexity."""

from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import HelpdeskCommon

# A Wednesday, 10:00 UTC: inside the standard working hours of the leave below.
NOW = datetime(2026, 12, 9, 10, 0)


@tagged("post_install", "-at_install")
class TestTicketAssignmentSkills(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["helpdesk.category"]
        cls.hardware = Category.create({"name": "Hardware"})
        cls.printers = Category.create({"name": "Printers", "parent_id": cls.hardware.id})
        cls.network = Category.create({"name": "Network"})
        cls.sales = Category.create({"name": "Sales"})
        cls.scanner = cls.env["product.product"].create({"name": "Scanner X200", "type": "consu"})
        cls.lang_es = cls.env["res.lang"]._activate_lang("es_ES")

        def agent(login, name, **skills):
            user = new_test_user(cls.env, login=login, groups="helpdesk_itil.group_helpdesk_user", name=name)
            user.write(skills)
            return user

        cls.ana = agent("sk_ana", "Ana L1 hardware", helpdesk_category_ids=[Command.set(cls.hardware.ids)])
        cls.ben = agent(
            "sk_ben",
            "Ben L1 network",
            helpdesk_category_ids=[Command.set(cls.network.ids)],
            helpdesk_product_ids=[Command.set(cls.scanner.ids)],
        )
        cls.eva = agent(
            "sk_eva",
            "Eva L2 hardware, Spanish",
            helpdesk_support_level="l2",
            helpdesk_category_ids=[Command.set(cls.hardware.ids)],
            helpdesk_lang_ids=[Command.set(cls.lang_es.ids)],
        )
        cls.gil = agent("sk_gil", "Gil, no skills")
        cls.members = cls.ana | cls.ben | cls.eva | cls.gil
        cls.team = cls.env["helpdesk.team"].create(
            {
                "name": "Skilled desk",
                "member_ids": [Command.set(cls.members.ids)],
                "assignment_method": "skills",
                "closure_confirmation": False,
            }
        )
        cls.customer_en = cls.env["res.partner"].create({"name": "Emma English", "lang": "en_US"})
        cls.customer_es = cls.env["res.partner"].create({"name": "Elena Española", "lang": "es_ES"})

    def create_tickets(self, count=1, **values):
        values.setdefault("team_id", self.team.id)
        values.setdefault("partner_id", self.customer_en.id)
        return self.env["helpdesk.ticket"].create([{"name": f"Ticket {i}", **values} for i in range(count)])

    def test_category_skill_with_sub_categories(self):
        tickets = self.create_tickets(4, category_id=self.printers.id)
        # Ana and Eva are skilled in Hardware (Printers' parent); Eva's L2 covers L1.
        self.assertEqual(set(tickets.mapped("user_id")), {self.ana, self.eva})
        self.assertEqual(len(tickets.filtered(lambda t: t.user_id == self.ana)), 2, "least open tickets first")
        self.assertTrue(all(tickets.mapped("assign_date")))

    def test_product_skill(self):
        ticket = self.create_tickets(product_id=self.scanner.id)
        self.assertEqual(ticket.user_id, self.ben)

    def test_customer_language(self):
        # Ana has fewer open tickets, but only Eva answers in Spanish.
        self.create_tickets(2, user_id=self.eva.id)
        ticket = self.create_tickets(category_id=self.hardware.id, partner_id=self.customer_es.id)
        self.assertEqual(ticket.user_id, self.eva)
        # The agent's own language counts as well.
        self.gil.lang = "es_ES"
        self.create_tickets(2, user_id=self.eva.id)
        ticket = self.create_tickets(partner_id=self.customer_es.id)
        self.assertEqual(ticket.user_id, self.gil)

    def test_support_level(self):
        ticket = self.create_tickets(category_id=self.printers.id, support_level="l2")
        self.assertEqual(ticket.user_id, self.eva, "only Eva works at L2")

    def test_fallback_to_whole_team(self):
        self.create_tickets(user_id=self.ana.id)
        self.create_tickets(user_id=self.ben.id)
        self.create_tickets(user_id=self.eva.id)
        ticket = self.create_tickets(category_id=self.sales.id)
        self.assertEqual(ticket.user_id, self.gil, "nobody has Sales: the least loaded member")

    def test_other_methods_unchanged_by_skills(self):
        self.team.assignment_method = "least_open"
        ticket = self.create_tickets(category_id=self.network.id)
        self.assertEqual(ticket.user_id, self.ana, "least open ignores skills (lowest id on a tie)")

    def test_capacity_is_never_exceeded_while_a_skilled_agent_has_room(self):
        # Weights: P1 4, P2 3, P3 2, P4 1. Ana takes 2 P3 tickets, Eva 3.
        self.ana.helpdesk_capacity = 4
        self.eva.helpdesk_capacity = 6
        tickets = self.create_tickets(6, category_id=self.printers.id)
        self.assertEqual(set(tickets.mapped("priority")), {"3"})
        by_user = {user: len(tickets.filtered(lambda t, u=user: t.user_id == u)) for user in self.members}
        self.assertEqual((by_user[self.ana], by_user[self.eva]), (2, 3))
        # The sixth: no skilled agent has room, someone of the team with room takes it.
        self.assertIn(tickets[5].user_id, self.ben | self.gil)
        _counts, workloads = self.team._open_ticket_workloads(self.members)
        self.assertLessEqual(workloads[self.ana], 4)
        self.assertLessEqual(workloads[self.eva], 6)

    def test_capacity_counts_priority_weights(self):
        self.ana.helpdesk_capacity = 5
        self.create_tickets(user_id=self.ana.id, priority="3")  # Ana: 2 of 5
        self.create_tickets(2, user_id=self.eva.id)  # Eva: more open tickets, no limit
        p1 = self.create_tickets(category_id=self.printers.id, priority="1")
        self.assertEqual(p1.user_id, self.eva, "a P1 (4) would take Ana to 6 of 5")
        p2 = self.create_tickets(category_id=self.printers.id, priority="2")
        self.assertEqual(p2.user_id, self.ana, "a P2 (3) takes Ana to 5 of 5")

    def test_everyone_at_capacity_leaves_the_ticket_in_the_queue(self):
        self.members.helpdesk_capacity = 1
        ticket = self.create_tickets(category_id=self.printers.id)
        self.assertFalse(ticket.user_id, "a P3 weighs 2: nobody may take it")
        self.assertEqual(self.team.unassigned_ticket_count, 1)

    def test_round_robin_passes_over_agents_at_capacity(self):
        self.team.write({"assignment_method": "round_robin", "member_ids": [Command.set((self.ana | self.ben).ids)]})
        self.ana.helpdesk_capacity = 2
        tickets = self.create_tickets(3)
        self.assertEqual(tickets.mapped("user_id"), self.ana | self.ben)
        self.assertEqual(len(tickets.filtered(lambda t: t.user_id == self.ana)), 1)
        self.assertEqual(len(tickets.filtered(lambda t: t.user_id == self.ben)), 2)

    def test_queries_do_not_grow_with_tickets_or_members(self):
        def picking_queries(count):
            tickets = self.create_tickets(count, category_id=self.printers.id, user_id=self.gil.id)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            picked = self.team._pick_assignees(count, tickets)
            self.assertEqual(len(picked), count)
            return self.env.cr.sql_log_count - before

        one = picking_queries(1)
        self.assertEqual(picking_queries(8), one)

    def test_agent_on_validated_time_off_is_skipped(self):
        self.assertIn("hr.leave", self.env, "scripts/test.sh installs hr_holidays beside our addons")
        employee = self.env["hr.employee"].create(
            {
                "name": self.ana.name,
                "user_id": self.ana.id,
                "tz": "UTC",
                "resource_calendar_id": self.env.ref("resource.resource_calendar_std").id,
            }
        )
        employee.resource_calendar_id.tz = "UTC"
        leave_type = self.env["hr.leave.type"].create(
            {"name": "Paid Time Off (test)", "requires_allocation": False, "leave_validation_type": "hr"}
        )
        with freeze_time(NOW):
            leave = self.env["hr.leave"].create(
                {
                    "employee_id": employee.id,
                    "holiday_status_id": leave_type.id,
                    "request_date_from": date(2026, 12, 7),
                    "request_date_to": date(2026, 12, 11),
                }
            )
            leave.action_approve()
            self.assertEqual(leave.state, "validate")
            self.assertEqual(self.team._users_on_leave(self.members), self.ana)
            self.create_tickets(2, user_id=self.eva.id)  # Eva is busier than Ana...
            ticket = self.create_tickets(category_id=self.printers.id)
        self.assertEqual(ticket.user_id, self.eva, "...but Ana is on leave")
        with freeze_time(datetime(2026, 12, 14, 10, 0)):
            ticket = self.create_tickets(category_id=self.printers.id)
        self.assertEqual(ticket.user_id, self.ana, "back from leave")

    # Escalation rules' fallback when the wanted agent is on leave ---------------

    def put_on_leave(self, user):
        resource = user.resource_ids[:1] or self.env["resource.resource"].create(
            {"name": user.name, "user_id": user.id}
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "resource_id": resource.id,
                "date_from": datetime(2026, 12, 7),
                "date_to": datetime(2026, 12, 12),
            }
        )

    def test_escalation_fallback_prefers_skilled_members_with_room(self):
        # The leader, whom the rule wants, is on leave; whatever the team's method, the
        # fallback picks like assignment by skill.
        self.team.write({"leader_id": self.gil.id, "assignment_method": "round_robin"})
        self.put_on_leave(self.gil)
        rule = self.env["helpdesk.escalation.rule"].create(
            {"name": "Breach to the leader", "trigger": "sla_breach", "reassign_user_mode": "team_leader"}
        )
        self.create_tickets(user_id=self.ana.id)  # Ana: 1 open ticket, Eva 2, Ben none
        self.create_tickets(2, user_id=self.eva.id)
        with freeze_time(NOW):
            ticket = self.create_tickets(category_id=self.printers.id, user_id=self.ben.id)
            log = self.env["helpdesk.escalation.rule"]._fire([(ticket, rule, "test")], NOW)
        self.assertEqual(ticket.user_id, self.ana, "skilled in Printers (Ben, less loaded, is not)")
        self.assertIn(f"{self.gil.name} (the team leader) is on leave.", log.reason)
        self.assertIn(f"Assigned to {self.ana.name} instead.", log.reason)

    def test_escalation_fallback_capacity_then_anyone_available(self):
        self.put_on_leave(self.gil)
        self.create_tickets(user_id=self.ana.id)  # P3: Ana's workload 2
        self.create_tickets(2, user_id=self.eva.id)  # Eva's workload 4
        ticket = self.create_tickets(category_id=self.printers.id, user_id=self.ben.id)  # Ben's workload 2
        pick = self.team._pick_available_member
        with freeze_time(NOW):
            self.assertEqual(pick(NOW, exclude=self.gil, ticket=ticket), self.ana, "skilled, fewest open tickets")
            self.ana.helpdesk_capacity = 3
            self.assertEqual(pick(NOW, ticket=ticket), self.eva, "Ana has no room: the other skilled member")
            self.eva.helpdesk_capacity = 4
            self.assertEqual(pick(NOW, ticket=ticket), self.ben, "no skilled member has room: anyone with room")
            self.ben.helpdesk_capacity = 2
            self.assertEqual(
                pick(NOW, ticket=ticket), self.ana, "everyone available is full: the fewest open tickets (Ana, Ben: 1)"
            )
            # A Spanish customer's P4 (weight 1), held by Eva, who has no limit any more.
            self.eva.helpdesk_capacity = 0
            spanish = self.create_tickets(
                category_id=self.printers.id, partner_id=self.customer_es.id, priority="4", user_id=self.eva.id
            )
            self.assertEqual(pick(NOW, ticket=spanish), self.eva, "only Eva speaks Spanish")
            self.assertEqual(
                pick(NOW, exclude=self.eva, ticket=spanish), self.ana, "the wanted agent excluded: anyone with room"
            )
            self.assertFalse(pick(NOW, exclude=self.members - self.gil, ticket=spanish), "Gil is on leave")
            self.assertEqual(pick(NOW), self.eva, "without a ticket: a P3's weight, the one with room")

    def test_negative_capacity_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative; use 0 for no limit"):
            self.ana.helpdesk_capacity = -1

    def test_helpdesk_manager_sets_skills_without_user_admin_rights(self):
        self.assertFalse(self.manager.has_group("base.group_erp_manager"))
        view = self.env.ref("helpdesk_itil.res_users_view_list_helpdesk_agent")
        arch = self.env["res.users"].with_user(self.manager).get_views([(view.id, "list")])["views"]["list"]["arch"]
        self.assertIn('edit="1"', arch, "the Agents list stays editable for helpdesk managers")
        # What the list saves (web_save writes the changed fields).
        self.ana.with_user(self.manager).web_save(
            {
                "helpdesk_support_level": "l3",
                "helpdesk_capacity": 8,
                "helpdesk_category_ids": [Command.link(self.sales.id)],
            },
            {"helpdesk_capacity": {}},
        )
        self.assertEqual(self.ana.helpdesk_support_level, "l3")
        self.assertEqual(self.ana.helpdesk_capacity, 8)
        self.assertIn(self.sales, self.ana.helpdesk_category_ids)
        # Nothing else of a user, nor skills of a portal user.
        with self.assertRaises(AccessError):
            self.ana.with_user(self.manager).write({"helpdesk_capacity": 3, "login": "hijacked"})
        with self.assertRaises(AccessError):
            self.portal_user.with_user(self.manager).write({"helpdesk_capacity": 3})
        # Agents and users read skills but do not set them.
        self.assertEqual(self.ana.with_user(self.user_a).helpdesk_capacity, 8)
        with self.assertRaises(AccessError):
            self.ana.with_user(self.agent).write({"helpdesk_capacity": 3})
        with self.assertRaises(AccessError):
            self.ana.with_user(self.ana).write({"helpdesk_capacity": 30})

    def escalate(self, ticket, user=None, **values):
        values.setdefault("reason", "<p>Needs a firmware downgrade: beyond first line.</p>")
        wizard = Form(
            self.env["helpdesk.ticket.escalate"].with_user(user or self.ana).with_context(default_ticket_id=ticket.id)
        )
        for name, value in values.items():
            setattr(wizard, name, value)
        return wizard.save()

    def test_escalation_by_complexity_moves_to_the_next_level(self):
        ticket = self.create_tickets(category_id=self.printers.id, user_id=self.ana.id)
        wizard = self.escalate(ticket, by_complexity=True)
        self.assertEqual((wizard.support_level, wizard.level), ("l2", 1))
        self.assertFalse(wizard.user_id, "the team picks an agent of the next level")
        wizard.action_escalate()
        self.assertEqual(ticket.support_level, "l2")
        self.assertEqual(ticket.user_id, self.eva)
        self.assertEqual(ticket.escalation_level, 1)
        log = ticket.escalation_log_ids
        self.assertEqual((log.support_level_from, log.support_level_to), ("l1", "l2"))
        self.assertIn("firmware downgrade", log.reason)
        note = ticket.message_ids.filtered(lambda m: "Escalated to level 1" in (m.body or ""))
        self.assertIn("Support level: L1 → L2 (too complex for L1).", note.body)
        self.assertIn(self.ana.partner_id, ticket.message_partner_ids, "the first handler keeps following")
        # No L3 agent in the team: the assignee stays, the note says so.
        wizard = self.escalate(ticket, user=self.eva, by_complexity=True)
        wizard.action_escalate()
        self.assertEqual((ticket.support_level, ticket.user_id), ("l3", self.eva))
        self.assertIn("No L3 agent", ticket.message_ids[0].body)
        # The highest level cannot go higher by complexity.
        wizard = self.escalate(ticket, user=self.eva, by_complexity=True)
        with self.assertRaisesRegex(UserError, "highest support level"):
            wizard.action_escalate()

    def test_escalation_by_complexity_needs_a_reason(self):
        ticket = self.create_tickets(category_id=self.printers.id, user_id=self.ana.id)
        wizard = self.escalate(ticket, by_complexity=True, reason="<p> </p>")
        with self.assertRaisesRegex(UserError, "Explain why"):
            wizard.action_escalate()
        self.assertEqual(ticket.support_level, "l1")
