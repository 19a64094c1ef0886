from odoo.tests import new_test_user, tagged

from .common import HelpdeskCommon, HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestTicketViews(HelpdeskCommon):
    def test_views_load_for_each_group(self):
        views = ["kanban", "list", "form", "search", "calendar", "pivot", "graph", "activity"]
        for user in (self.user_a, self.agent, self.manager):
            result = self.env["helpdesk.ticket"].with_user(user).get_views([(False, v) for v in views])
            self.assertEqual(set(result["views"]), set(views))
        team_views = self.env["helpdesk.team"].with_user(self.user_a).get_views([(False, "kanban")])
        self.assertIn("open_ticket_count", team_views["views"]["kanban"]["arch"])

    def test_menus_by_group(self):
        config = self.env.ref("helpdesk_itil.helpdesk_config_menu")
        root = self.env.ref("helpdesk_itil.helpdesk_menu_root")
        employee = new_test_user(self.env, login="hd_employee", groups="base.group_user")
        for user, sees_root, sees_config in (
            (employee, False, False),
            (self.user_a, True, False),
            (self.agent, True, False),
            (self.manager, True, True),
        ):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertEqual(root.id in visible, sees_root, user.login)
            self.assertEqual(config.id in visible, sees_config, user.login)


@tagged("post_install", "-at_install")
class TestTicketKanbanTour(HelpdeskHttpCommon):
    def test_agent_takes_ticket_from_kanban(self):
        agent = new_test_user(
            self.env,
            login="tour_agent",
            password="tour_agent",
            groups="helpdesk_itil.group_helpdesk_agent",
            name="Tour Agent",
        )
        team = self.env["helpdesk.team"].create({"name": "Tour Team", "member_ids": [(6, 0, agent.ids)]})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "Mail server down", "team_id": team.id, "impact": "high", "urgency": "high"}
        )
        self.env["helpdesk.ticket"].create(
            {"name": "Escalated printer", "team_id": team.id, "support_level": "l2", "escalation_level": 1}
        )
        self.start_tour(
            "/odoo/action-helpdesk_itil.helpdesk_team_action_overview",
            "helpdesk_itil_ticket_kanban_tour",
            login="tour_agent",
        )
        self.assertEqual(ticket.user_id, agent)
        self.assertEqual(ticket.state, "in_progress")
