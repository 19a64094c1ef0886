"""The automation rules shipped in data/base_automation_data.xml (Odoo's base_automation)."""

import json
from ast import literal_eval
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from .common import HelpdeskCommon

T0 = datetime(2026, 3, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestAutomationRules(HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_vip = cls.env.ref("helpdesk_itil.automation_vip_customer")
        cls.rule_p1 = cls.env.ref("helpdesk_itil.automation_p1_webhook")
        cls.rule_pending = cls.env.ref("helpdesk_itil.automation_pending_3_days")
        cls.tag_vip = cls.env.ref("helpdesk_itil.helpdesk_tag_vip")
        cls.account_manager = new_test_user(cls.env, login="hd_account_manager", name="Sam Sales")
        cls.customer.user_id = cls.account_manager

    def run_time_based_rules(self, when):
        """base_automation's scheduled action (``_cron_process_time_based_actions``) run as
        Odoo runs it, in its own committing transaction, at `when`."""
        cron = self.env.ref("base_automation.ir_cron_data_base_automation_check")
        with freeze_time(when), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    # (1) VIP customer → tag and follower

    def test_vip_customer_ticket_is_tagged_and_followed_by_the_account_manager(self):
        self.assertTrue(self.rule_vip.active, "harmless: shipped active")
        for tier in ("gold", "platinum"):
            with self.subTest(tier=tier):
                self.customer.helpdesk_tier = tier
                ticket = self.create_ticket(partner_id=self.contact.id)
                self.assertIn(self.tag_vip, ticket.tag_ids)
                self.assertIn(self.account_manager.partner_id, ticket.message_partner_ids)

    def test_rules_are_looked_up_once_and_follow_their_changes(self):
        # A helpdesk model's rules come from the registry's cache, not from a search per
        # ticket; archiving a rule, or bringing it back, applies to the next ticket.
        self.customer.helpdesk_tier = "gold"
        self.assertIn(self.tag_vip, self.create_ticket(partner_id=self.contact.id).tag_ids)
        Automation = type(self.env["base.automation"])
        original_search = Automation.search
        searched = []

        def search(records, domain, *args, **kwargs):
            searched.append(list(domain))
            return original_search(records, domain, *args, **kwargs)

        with patch.object(Automation, "search", search):
            self.assertIn(self.tag_vip, self.create_ticket(partner_id=self.contact.id).tag_ids)
        self.assertFalse([domain for domain in searched if ("model_name", "=", "helpdesk.ticket") in domain])
        self.rule_vip.active = False
        self.assertNotIn(self.tag_vip, self.create_ticket(partner_id=self.contact.id).tag_ids)
        self.rule_vip.active = True
        self.assertIn(self.tag_vip, self.create_ticket(partner_id=self.contact.id).tag_ids)
        # A rule added beside it runs on the next ticket too.
        seen = self.env["helpdesk.tag"].create({"name": "Seen by the new rule"})
        model_id = self.env["ir.model"]._get_id("helpdesk.ticket")
        rule = self.env["base.automation"].create(
            {"name": "Tag every new ticket", "model_id": model_id, "trigger": "on_create"}
        )
        self.env["ir.actions.server"].create(
            {
                "name": "Tag it",
                "model_id": model_id,
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "object_write",
                "update_path": "tag_ids",
                "update_m2m_operation": "add",
                "evaluation_type": "value",
                "value": str(seen.id),
            }
        )
        self.assertEqual(self.create_ticket(partner_id=self.contact.id).tag_ids, self.tag_vip | seen)
        # Archived while the VIP rule stays: the next ticket is left to the VIP rule alone.
        rule.active = False
        self.assertEqual(self.create_ticket(partner_id=self.contact.id).tag_ids, self.tag_vip)

    def test_standard_customer_ticket_is_left_alone(self):
        for tier in ("standard", "silver"):
            with self.subTest(tier=tier):
                self.customer.helpdesk_tier = tier
                ticket = self.create_ticket(partner_id=self.contact.id)
                self.assertNotIn(self.tag_vip, ticket.tag_ids)
                self.assertNotIn(self.account_manager.partner_id, ticket.message_partner_ids)

    def test_vip_customer_keeps_the_tags_given(self):
        self.customer.helpdesk_tier = "gold"
        other = self.env["helpdesk.tag"].create({"name": "Printer"})
        ticket = self.create_ticket(partner_id=self.contact.id, tag_ids=[(6, 0, other.ids)])
        self.assertEqual(ticket.tag_ids, other | self.tag_vip)

    def test_vip_customer_without_account_manager_only_gets_the_tag(self):
        self.customer.helpdesk_tier = "gold"
        self.customer.user_id = False
        ticket = self.create_ticket(partner_id=self.contact.id)
        self.assertIn(self.tag_vip, ticket.tag_ids)
        self.assertNotIn(self.account_manager.partner_id, ticket.message_partner_ids)

    # (2) P1 created → webhook to an external incident tool

    def test_p1_webhook_ships_inactive_until_configured(self):
        self.assertFalse(self.rule_p1.active)
        with patch.object(requests, "post") as post:
            self.create_ticket(impact="high", urgency="high")
            self.env.cr.postcommit.run()
        post.assert_not_called()

    def test_p1_created_posts_the_ticket_to_the_incident_tool(self):
        url = "https://incident.example.com/hooks/helpdesk"
        self.rule_p1.write({"active": True})
        self.rule_p1.action_server_ids.webhook_url = url
        sent = []

        def fake_post(*args, **kwargs):
            # The HTTP boundary only: what Odoo would send over the network.
            sent.append((args, kwargs))
            response = requests.Response()
            response.status_code = 200
            return response

        with patch.object(requests, "post", fake_post):
            p3 = self.create_ticket(name="Mouse is slow", impact="low", urgency="low")
            self.env.cr.postcommit.run()
            self.assertFalse(sent, "only P1 tickets are sent")
            ticket = self.create_ticket(name="Warehouse cannot print", impact="high", urgency="high")
            self.env.cr.postcommit.run()
        self.assertNotEqual(p3.priority, "1")
        self.assertEqual(ticket.priority, "1")
        self.assertEqual(len(sent), 1)
        (sent_url,), kwargs = sent[0]
        self.assertEqual(sent_url, url)
        self.assertEqual(kwargs["headers"], {"Content-Type": "application/json"})
        action = self.rule_p1.action_server_ids
        self.assertEqual(
            json.loads(kwargs["data"]),
            {
                "_model": "helpdesk.ticket",
                "_id": ticket.id,
                "_action": f"{action.name}(#{action.id})",
                "id": ticket.id,
                "reference": ticket.reference,
                "name": "Warehouse cannot print",
                "priority": "1",
                "team_id": self.team_a.id,
                "partner_id": False,
                "user_id": ticket.user_id.id,
            },
        )

    def test_p1_webhook_without_url_refuses_the_ticket_whole(self):
        self.rule_p1.write({"active": True})
        self.rule_p1.action_server_ids.webhook_url = False
        count = self.env["helpdesk.ticket"].search_count([])
        with self.assertRaises(UserError), patch.object(requests, "post") as post:
            self.create_ticket(name="Warehouse cannot print", impact="high", urgency="high")
        post.assert_not_called()
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count, "nothing half-written")

    # (3) Pending for 3 days → activity for the assignee

    def _pending_ticket(self, **values):
        with freeze_time(T0):
            ticket = self.create_ticket(user_id=self.user_a.id, **values)
            ticket.stage_id = self.stage_pending
        self.assertEqual(ticket.state, "pending")
        return ticket

    def _todos(self, ticket):
        todo = self.env.ref("mail.mail_activity_data_todo")
        return ticket.activity_ids.filtered(lambda a: a.activity_type_id == todo)

    def test_pending_for_three_days_plans_an_activity_for_the_assignee(self):
        self.assertTrue(self.rule_pending.active)
        ticket = self._pending_ticket()
        self.run_time_based_rules(T0 + timedelta(days=2))
        self.assertFalse(self._todos(ticket), "not yet three days")
        self.run_time_based_rules(T0 + timedelta(days=3, hours=1))
        todo = self._todos(ticket)
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.user_id, self.user_a)
        self.assertIn("Pending for 3 days", todo.summary)
        self.run_time_based_rules(T0 + timedelta(days=5))
        self.assertEqual(len(self._todos(ticket)), 1, "once per pending period")

    def test_pending_rule_skips_resumed_and_unassigned_tickets(self):
        resumed = self._pending_ticket()
        with freeze_time(T0 + timedelta(days=1)):
            resumed.stage_id = self.stage_progress
        unassigned = self._pending_ticket()
        unassigned.user_id = False
        self.run_time_based_rules(T0 + timedelta(days=4))
        self.assertFalse(self._todos(resumed))
        self.assertFalse(self._todos(unassigned))

    # Who may edit the rules

    def test_only_settings_users_edit_automation_rules(self):
        for user in (self.agent, self.manager, self.user_a, self.portal_user):
            with self.subTest(user=user.login), mute_logger("odoo.addons.base.models.ir_model"):
                with self.assertRaises(AccessError):
                    self.rule_vip.with_user(user).write({"active": False})
                with self.assertRaises(AccessError):
                    self.env["base.automation"].with_user(user).create(
                        {"name": "Mine", "model_id": self.rule_vip.model_id.id, "trigger": "on_create"}
                    )
        self.assertTrue(self.rule_vip.active)
        menu = self.env.ref("helpdesk_itil.helpdesk_automation_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertNotIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.env.ref("base.user_admin"))._visible_menu_ids())

    def test_menu_lists_ticket_rules_and_creates_them_on_tickets(self):
        action = self.env.ref("helpdesk_itil.base_automation_action_helpdesk")
        context = dict(literal_eval(action.context), active_test=False)
        rules = self.env["base.automation"].with_context(**context).search(literal_eval(action.domain))
        self.assertLessEqual(self.rule_vip | self.rule_p1 | self.rule_pending, rules)
        self.assertEqual(set(rules.mapped("model_name")), {"helpdesk.ticket"})
        rule = self.env["base.automation"].with_context(**context).create({"name": "Mine", "trigger": "on_create"})
        self.assertEqual(rule.model_name, "helpdesk.ticket")
