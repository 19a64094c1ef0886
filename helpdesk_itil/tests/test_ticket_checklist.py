from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged

from .common import HelpdeskCommon

MONDAY = datetime(2026, 3, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestTicketChecklist(HelpdeskCommon):
    """Resolution checklists: per category, copied onto tickets; required steps block a
    resolution by a person, the system skips them and says so."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["helpdesk.category"]
        cls.printer = Category.create(
            {
                "name": "Test Printer",
                "checklist_ids": [
                    Command.create({"sequence": 1, "name": "Check cables and power"}),
                    Command.create({"sequence": 2, "name": "Print a test page", "required": True}),
                    Command.create({"sequence": 3, "name": "Clear the print queue"}),
                ],
            }
        )
        cls.network = Category.create(
            {
                "name": "Test Network",
                "checklist_ids": [
                    Command.create({"sequence": 1, "name": "Check cables and power"}),
                    Command.create({"sequence": 2, "name": "Ping the gateway", "required": True}),
                ],
            }
        )
        cls.plain = Category.create({"name": "Test No Checklist"})
        cls.workaround = cls.env["helpdesk.macro"].create(
            {
                "name": "Known workaround, resolve",
                "body": "<p>Workaround: restart the spooler.</p>",
                "state": "resolved",
                "closure_code_id": cls.code_solved.id,
                "resolution_note": "<p>Spooler restarted.</p>",
                "tag_ids": [Command.create({"name": "Test Known Error"})],
            }
        )

    def resolution_vals(self, **extra):
        return {
            "stage_id": self.stage_resolved.id,
            "resolution_note": "<p>Replaced the fuser.</p>",
            "closure_code_id": self.code_solved.id,
            **extra,
        }

    def line(self, ticket, name):
        return ticket.checklist_line_ids.filtered(lambda line: line.name == name)

    def notes(self, ticket, text):
        ticket.invalidate_recordset(["message_ids"])
        return ticket.message_ids.filtered(lambda m: text in (m.body or ""))

    # Copy -----------------------------------------------------------------

    def test_steps_copied_on_create(self):
        ticket = self.create_ticket(category_id=self.printer.id)
        lines = ticket.checklist_line_ids
        self.assertEqual(lines.mapped("name"), ["Check cables and power", "Print a test page", "Clear the print queue"])
        self.assertEqual(lines.mapped("required"), [False, True, False])
        self.assertEqual(lines.template_id, self.printer.checklist_ids)
        self.assertFalse(any(lines.mapped("done")))
        self.assertEqual(ticket.checklist_progress, "0/3")
        self.assertFalse(self.create_ticket(category_id=self.plain.id).checklist_line_ids)
        # A ticket born resolved (an import) records work already done: no checklist.
        born_resolved = self.create_ticket(
            category_id=self.printer.id,
            stage_id=self.stage_resolved.id,
            resolution_note="<p>Done before the import.</p>",
            closure_code_id=self.code_solved.id,
        )
        self.assertFalse(born_resolved.checklist_line_ids)
        no_category = self.create_ticket()
        self.assertFalse(no_category.checklist_line_ids)
        self.assertFalse(no_category.checklist_progress)

    def test_category_change_keeps_ticked_and_own_steps(self):
        ticket = self.create_ticket(category_id=self.printer.id)
        self.line(ticket, "Clear the print queue").with_user(self.user_a).done = True
        own = (
            self.env["helpdesk.ticket.checklist.line"]
            .with_user(self.user_a)
            .create({"ticket_id": ticket.id, "name": "Call the customer back", "sequence": 50})
        )
        ticket.with_user(self.user_a).category_id = self.network
        # Unticked printer steps go; the ticked one and the agent's own stay; "Check cables
        # and power" is in both checklists and is not doubled.
        self.assertEqual(
            sorted(ticket.checklist_line_ids.mapped("name")),
            ["Call the customer back", "Check cables and power", "Clear the print queue", "Ping the gateway"],
        )
        self.assertTrue(self.line(ticket, "Clear the print queue").done)
        self.assertIn(own, ticket.checklist_line_ids)
        self.assertEqual(self.line(ticket, "Check cables and power").template_id.category_id, self.network)
        # Back to the printer: its steps come back once, nothing is doubled.
        ticket.with_user(self.user_a).category_id = self.printer
        self.assertEqual(
            sorted(ticket.checklist_line_ids.mapped("name")),
            ["Call the customer back", "Check cables and power", "Clear the print queue", "Print a test page"],
        )
        ticket.category_id = False
        self.assertEqual(
            sorted(ticket.checklist_line_ids.mapped("name")), ["Call the customer back", "Clear the print queue"]
        )

    # Ticking --------------------------------------------------------------

    def test_tick_stamps_who_and_when_in_the_history(self):
        ticket = self.create_ticket(category_id=self.printer.id)
        step = self.line(ticket, "Print a test page")
        with freeze_time("2026-03-02 10:15:00"):
            step.with_user(self.user_a).done = True
        self.assertEqual(step.done_uid, self.user_a)
        self.assertEqual(step.done_date, datetime(2026, 3, 2, 10, 15))
        self.assertEqual(ticket.checklist_progress, "1/3")
        note = self.notes(ticket, "Checklist updated by Ana (team A)")
        self.assertEqual(len(note), 1)
        self.assertIn("✓ Print a test page", note.body)
        # Ticking again keeps the first stamp; unticking clears it and is noted too.
        with freeze_time("2026-03-02 11:00:00"):
            step.with_user(self.user_a2).done = True
        self.assertEqual((step.done_uid, step.done_date), (self.user_a, datetime(2026, 3, 2, 10, 15)))
        step.with_user(self.user_a2).done = False
        self.assertFalse(step.done_uid)
        self.assertFalse(step.done_date)
        self.assertTrue(self.notes(ticket, "Print a test page (unticked)"))

    # Resolving ------------------------------------------------------------

    def test_required_step_blocks_a_person_and_nothing_is_written(self):
        ticket = self.create_ticket(category_id=self.printer.id, stage_id=self.stage_progress.id)
        messages = ticket.message_ids
        with self.assertRaisesRegex(UserError, "tick the required checklist steps: “Print a test page”"):
            ticket.with_user(self.user_a).write(self.resolution_vals())
        ticket.invalidate_recordset()
        self.assertEqual(ticket.state, "in_progress")
        self.assertFalse(ticket.resolved_date)
        self.assertFalse(ticket.closure_code_id)
        self.assertEqual(ticket.message_ids, messages)
        # _set_state (the path of buttons, macros and the portal) is refused the same way.
        with self.assertRaisesRegex(UserError, "Print a test page"):
            ticket.with_user(self.user_a)._set_state("resolved", self.resolution_vals())
        # Optional steps do not block; the required one ticked in the same save does.
        step = self.line(ticket, "Print a test page")
        with freeze_time("2026-03-02 10:15:00"):
            ticket.with_user(self.user_a).write(
                self.resolution_vals(checklist_line_ids=[Command.update(step.id, {"done": True})])
            )
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(step.done_uid, self.user_a)
        summary = self.notes(ticket, "Checklist at resolution (1/3)")
        self.assertEqual(len(summary), 1)
        self.assertIn("✓ Print a test page — Ana (team A)", summary.body)
        self.assertIn("✗ Clear the print queue — not done", summary.body)
        # Resolved → closed is not a new resolution: no second check, no second summary.
        step.with_user(self.user_a).done = False
        ticket.with_context(helpdesk_closure="customer").sudo()._set_state("closed")
        self.assertEqual(len(self.notes(ticket, "Checklist at resolution")), 1)

    def test_form_ticks_and_resolves_in_one_save(self):
        ticket = self.create_ticket(category_id=self.printer.id, stage_id=self.stage_progress.id)
        with Form(ticket.with_user(self.user_a)) as form:
            self.assertEqual(form.checklist_progress, "0/3")
            with form.checklist_line_ids.edit(1) as step:
                self.assertEqual(step.name, "Print a test page")
                step.done = True
            form.stage_id = self.stage_resolved
            form.closure_code_id = self.code_solved
            form.resolution_note = "<p>Replaced the fuser.</p>"
        self.assertEqual(ticket.state, "resolved")
        self.assertEqual(self.line(ticket, "Print a test page").done_uid, self.user_a)
        self.assertEqual(ticket.checklist_progress, "1/3")

    def test_a_manager_closing_with_a_reason_is_a_person(self):
        ticket = self.create_ticket(category_id=self.printer.id, stage_id=self.stage_progress.id)
        with self.assertRaisesRegex(UserError, "Print a test page"):
            ticket.sudo().with_context(helpdesk_closure="manager")._set_state(
                "closed", self.resolution_vals(stage_id=self.stage_closed.id)
            )
        self.assertEqual(ticket.state, "in_progress")

    def test_system_resolution_skips_required_steps_and_notes_them(self):
        # As monitoring recovery and ERP hooks do: superuser mode, no person named.
        ticket = self.create_ticket(category_id=self.printer.id, stage_id=self.stage_progress.id)
        self.line(ticket, "Check cables and power").done = True
        ticket.sudo()._set_state("resolved", self.resolution_vals())
        self.assertEqual(ticket.state, "resolved")
        note = self.notes(ticket, "Checklist at resolution (1/3)")
        self.assertIn("✓ Check cables and power", note.body)
        self.assertIn("✗ Print a test page — required, skipped by a system resolution", note.body)
        # The timer resolving tickets left pending by the customer.
        self.team_a.write({"pending_reminder_days": 3, "pending_auto_resolve_days": 7})
        with freeze_time(MONDAY):
            pending = self.create_ticket(category_id=self.printer.id, partner_id=self.contact.id)
            pending.stage_id = self.stage_pending
        self.run_cron("model._timer_pending_auto_resolve()", MONDAY + timedelta(days=8))
        self.assertEqual(pending.state, "resolved")
        self.assertTrue(self.notes(pending, "Print a test page — required, skipped by a system resolution"))

    def test_a_merge_closes_the_source_as_the_system(self):
        destination = self.create_ticket(name="Printer jams (first report)", partner_id=self.contact.id)
        source = self.create_ticket(category_id=self.printer.id, partner_id=self.contact.id)
        form = Form(
            self.env["helpdesk.ticket.merge"]
            .with_user(self.user_a)
            .with_context(active_model="helpdesk.ticket", active_ids=(destination | source).ids)
        )
        form.destination_id = destination
        form.save().action_merge()
        self.assertEqual(source.state, "closed")
        self.assertTrue(self.notes(source, "Print a test page — required, skipped by a system resolution"))

    def test_macro_resolving_is_blocked_the_same_way(self):
        ticket = self.create_ticket(category_id=self.printer.id, partner_id=self.contact.id)
        messages, tags = ticket.message_ids, ticket.tag_ids
        with self.assertRaisesRegex(UserError, "tick the required checklist steps: “Print a test page”"):
            self.workaround.with_user(self.user_a)._apply(ticket.with_user(self.user_a))
        # All or nothing: the reply, the tags and the stage are taken back.
        ticket.invalidate_recordset()
        self.assertEqual(ticket.state, "new")
        self.assertEqual(ticket.tag_ids, tags)
        self.assertEqual(ticket.message_ids, messages)
        self.line(ticket, "Print a test page").with_user(self.user_a).done = True
        self.workaround.with_user(self.user_a)._apply(ticket.with_user(self.user_a))
        self.assertEqual(ticket.state, "resolved")

    # Rights ---------------------------------------------------------------

    def test_users_read_templates_managers_write_them(self):
        Step = self.env["helpdesk.category.checklist"]
        self.assertEqual(
            self.printer.with_user(self.user_a).checklist_ids.mapped("name"),
            ["Check cables and power", "Print a test page", "Clear the print queue"],
        )
        with self.assertRaises(AccessError):
            Step.with_user(self.user_a).create({"category_id": self.printer.id, "name": "Reboot"})
        with self.assertRaises(AccessError):
            self.printer.checklist_ids[0].with_user(self.user_a).required = True
        step = Step.with_user(self.manager).create({"category_id": self.printer.id, "name": "Reboot", "sequence": 9})
        step.with_user(self.manager).required = True
        self.assertIn(step, self.printer.checklist_ids)
        with self.assertRaises(AccessError):
            Step.with_user(self.portal_user).search([])

    def test_people_tick_only_what_they_may_write(self):
        ticket = self.create_ticket(category_id=self.printer.id)
        step = self.line(ticket, "Print a test page")
        # A user of another team neither reads nor ticks the steps of team A's tickets.
        with self.assertRaises(AccessError):
            step.with_user(self.user_b).done = True
        with self.assertRaises(AccessError):
            step.with_user(self.user_b).read(["name"])
        self.assertFalse(self.env["helpdesk.ticket.checklist.line"].with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.checklist.line"].with_user(self.user_b).create(
                {"ticket_id": ticket.id, "name": "Sneak in"}
            )
        self.assertFalse(step.done)
        # Portal users: no checklist through the ORM, neither the lines nor the ticket's field.
        portal_ticket = self.create_ticket(category_id=self.printer.id, partner_id=self.portal_user.partner_id.id)
        with self.assertRaises(AccessError):
            portal_ticket.checklist_line_ids.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            portal_ticket.with_user(self.portal_user).read(["checklist_line_ids"])
        # A user of the team ticks, but only a manager changes or removes a category's step.
        step.with_user(self.user_a).done = True
        with self.assertRaisesRegex(UserError, "only a helpdesk manager can change or remove it"):
            step.with_user(self.user_a).required = False
        with self.assertRaisesRegex(UserError, "only a helpdesk manager"):
            step.with_user(self.user_a).unlink()
        own = (
            self.env["helpdesk.ticket.checklist.line"]
            .with_user(self.user_a)
            .create({"ticket_id": ticket.id, "name": "Call back", "required": True})
        )
        own.with_user(self.user_a).required = False
        own.with_user(self.user_a).unlink()
        step.with_user(self.manager).required = False
        self.assertFalse(step.required)

    def test_closed_ticket_checklist_is_read_only(self):
        ticket = self.create_ticket(category_id=self.printer.id, stage_id=self.stage_progress.id)
        self.line(ticket, "Print a test page").done = True
        ticket.with_user(self.user_a).write(self.resolution_vals())
        ticket.sudo().with_context(helpdesk_closure="customer")._set_state("closed")
        step = self.line(ticket, "Print a test page")
        with self.assertRaisesRegex(UserError, "is closed: its checklist is read-only"):
            step.with_user(self.user_a).done = False
        with self.assertRaisesRegex(UserError, "is closed"):
            ticket.with_user(self.user_a).write({"checklist_line_ids": [Command.update(step.id, {"done": False})]})
        self.assertTrue(step.done)
        step.with_user(self.manager).done = False
        self.assertFalse(step.done)
