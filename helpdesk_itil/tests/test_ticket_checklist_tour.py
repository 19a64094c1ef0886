from odoo import Command
from odoo.tests import tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestTicketChecklistTour(HelpdeskHttpCommon):
    def test_agent_ticks_a_step_in_the_form(self):
        category = self.env["helpdesk.category"].create(
            {
                "name": "Tour Printer",
                "checklist_ids": [
                    Command.create({"sequence": 1, "name": "Check cables and power"}),
                    Command.create({"sequence": 2, "name": "Print a test page", "required": True}),
                    Command.create({"sequence": 3, "name": "Clear the print queue"}),
                ],
            }
        )
        ticket = self.create_ticket(name="Printer jams", category_id=category.id)
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{ticket.id}",
            "helpdesk_itil_ticket_checklist_tour",
            login="hd_user_a",
        )
        step = ticket.checklist_line_ids.filtered(lambda line: line.name == "Print a test page")
        self.assertTrue(step.done)
        self.assertEqual(step.done_uid, self.user_a)
