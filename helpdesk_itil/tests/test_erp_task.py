from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestErpTask(HelpdeskErpCommon):
    def make_task(self, ticket=None, user=None, **wizard_values):
        form = self.open_wizard(ticket or self.ticket, "action_create_task", user or self.project_agent)
        for name, value in wizard_values.items():
            setattr(form, name, value)
        action = form.save().action_create_task()
        return self.env["project.task"].browse(action["res_id"])

    def test_task_from_ticket(self):
        task = self.make_task(user_ids=self.project_agent)
        self.assertEqual(task.project_id, self.service_project, "the team's service project")
        self.assertEqual(task.partner_id, self.contact)
        self.assertEqual(task.name, self.ticket.display_name)
        self.assertIn("no longer powers the laptop", task.description)
        self.assertEqual(task.user_ids, self.project_agent)
        self.assertEqual(task.helpdesk_ticket_id, self.ticket)
        self.assertEqual(self.ticket.task_ids, task)
        self.assertEqual(self.ticket.with_user(self.project_agent).task_count, 1)
        self.assertTrue(any(task.name in body for body in self.ticket_notes(self.ticket)))
        action = self.ticket.with_user(self.project_agent).action_view_tasks()
        self.assertEqual((action["res_model"], action["res_id"]), ("project.task", task.id))
        action = task.with_user(self.project_agent).action_view_helpdesk_ticket()
        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", self.ticket.id))

    def test_deadline_from_sla(self):
        form = self.open_wizard(self.ticket, "action_create_task", self.project_agent)
        self.assertFalse(form.date_deadline, "no SLA: no deadline")
        self.env["helpdesk.sla.policy"].create({"name": "Resolve in 8h", "target_hours": 8, "sequence": -5})
        ticket = self.create_ticket(name="With a promise", partner_id=self.customer.id)
        self.assertTrue(ticket.sla_deadline)
        form = self.open_wizard(ticket, "action_create_task", self.project_agent)
        self.assertEqual(form.date_deadline, ticket.sla_deadline)

    def test_team_without_service_project_asks_for_one(self):
        ticket = self.create_ticket(name="Cabling", partner_id=self.customer.id, team_id=self.team_b.id)
        form = self.open_wizard(ticket, "action_create_task", self.project_agent)
        self.assertFalse(form.project_id)
        with self.assertRaises(AssertionError):  # required field left empty
            form.save()
        form.project_id = self.service_project
        form.save().action_create_task()
        self.assertEqual(ticket.task_ids.project_id, self.service_project)

    def test_task_done_posts_note_and_resolves_with_last_task(self):
        self.team_a.resolve_on_task_done = True
        first = self.make_task()
        second = self.make_task(create_another=True)
        first.with_user(self.project_agent).state = "1_done"
        self.assertEqual(self.ticket.state, "new", "another task is still open")
        self.assertTrue(any("done" in body and first.name in body for body in self.ticket_notes(self.ticket)))
        second.with_user(self.project_agent).state = "1_done"
        self.assertEqual(self.ticket.state, "resolved")
        self.assertEqual(self.ticket.closure_code_id, self.code_erp_done)
        self.assertTrue(self.ticket.resolution_note)

    def test_task_done_without_team_setting_keeps_ticket_open(self):
        task = self.make_task()
        task.state = "1_done"
        self.assertEqual(self.ticket.state, "new")
        self.assertTrue(any("done" in body for body in self.ticket_notes(self.ticket)))

    def test_agent_without_project_rights(self):
        arch = self.ticket.with_user(self.agent).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_create_task", arch)
        with self.assertRaisesRegex(AccessError, "needs the access rights .*Project"):
            self.ticket.with_user(self.agent).action_create_task()
        wizard = (
            self.env["helpdesk.ticket.task.wizard"]
            .with_user(self.agent)
            .create({"ticket_id": self.ticket.id, "project_id": self.service_project.id, "name": "x"})
        )
        with self.assertRaises(AccessError):
            wizard.action_create_task()
        self.assertFalse(self.env["project.task"].search([("helpdesk_ticket_id", "=", self.ticket.id)]))

    def test_ticket_without_customer_and_second_task(self):
        ticket = self.create_ticket(name="Who is this")
        with self.assertRaisesRegex(UserError, "Set a customer on .* before creating a field task"):
            ticket.with_user(self.project_agent).action_create_task()
        first = self.make_task()
        form = Form(
            self.env["helpdesk.ticket.task.wizard"]
            .with_user(self.project_agent)
            .with_context(default_ticket_id=self.ticket.id)
        )
        self.assertEqual(form.existing_document_count, 1)
        with self.assertRaisesRegex(UserError, "already has"):
            form.save().action_create_task()
        self.assertEqual(self.ticket.task_ids, first)
