from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.helpdesk_itil.tests.common_erp import HelpdeskErpCommon


@tagged("post_install", "-at_install")
class TestTicketRepair(HelpdeskErpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.repair_agent = new_test_user(
            cls.env,
            login="hd_repair_agent",
            groups="helpdesk_itil.group_helpdesk_agent,stock.group_stock_user",
            name="Rita Repair",
        )
        cls.laptop = cls.env["product.product"].create(
            {"name": "Business Laptop 14", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        cls.serial = cls.env["stock.lot"].create({"name": "5CG2214XQ7", "product_id": cls.laptop.id})
        cls.ticket.write({"product_id": cls.laptop.id, "lot_id": cls.serial.id})

    def make_repair(self, ticket=None, user=None, **values):
        form = self.open_wizard(ticket or self.ticket, "action_create_repair", user or self.repair_agent)
        for name, value in values.items():
            setattr(form, name, value)
        action = form.save().action_create_repair()
        return self.env["repair.order"].browse(action["res_id"])

    def test_repair_from_ticket(self):
        repair = self.make_repair()
        self.assertEqual(repair.partner_id, self.contact)
        self.assertEqual(repair.product_id, self.laptop)
        self.assertEqual(repair.lot_id, self.serial)
        self.assertIn("no longer powers the laptop", repair.internal_notes)
        self.assertEqual(repair.helpdesk_ticket_id, self.ticket)
        ticket = self.ticket.with_user(self.repair_agent)
        self.assertEqual(ticket.repair_ids, repair)
        self.assertEqual(ticket.repair_count, 1)
        self.assertEqual(ticket.repair_state, "draft")
        self.assertTrue(any(repair.name in body for body in self.ticket_notes(self.ticket)))
        action = ticket.action_view_repairs()
        self.assertEqual((action["res_model"], action["res_id"]), ("repair.order", repair.id))
        action = repair.with_user(self.repair_agent).action_view_helpdesk_ticket()
        self.assertEqual((action["res_model"], action["res_id"]), ("helpdesk.ticket", self.ticket.id))

    def test_device_chosen_in_wizard_is_kept_on_ticket(self):
        ticket = self.create_ticket(name="Laptop fan loud", partner_id=self.customer.id)
        repair = self.make_repair(ticket, product_id=self.laptop, lot_id=self.serial)
        self.assertEqual(repair.lot_id, self.serial)
        self.assertEqual((ticket.product_id, ticket.lot_id), (self.laptop, self.serial))

    def test_state_follows_repair_and_done_resolves(self):
        self.team_a.resolve_on_repair_done = True
        repair = self.make_repair().with_user(self.repair_agent)
        ticket = self.ticket.with_user(self.repair_agent)
        repair._action_repair_confirm()
        self.assertEqual(ticket.repair_state, "confirmed")
        repair.action_repair_start()
        self.assertEqual(ticket.repair_state, "under_repair")
        self.assertEqual(self.ticket.state, "new")
        repair.action_repair_end()
        self.assertEqual(ticket.repair_state, "done")
        self.assertEqual(self.ticket.state, "resolved")
        self.assertEqual(self.ticket.closure_code_id, self.code_erp_done)
        self.assertIn(repair.name, self.ticket.resolution_note)
        self.assertTrue(any("done" in body and repair.name in body for body in self.ticket_notes(self.ticket)))

    def test_done_without_team_setting_only_notes(self):
        repair = self.make_repair()
        repair._action_repair_confirm()
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(self.ticket.state, "new")
        self.assertTrue(any("done" in body and repair.name in body for body in self.ticket_notes(self.ticket)))

    def test_ticket_resolved_with_its_last_open_repair(self):
        self.team_a.resolve_on_repair_done = True
        first = self.make_repair()
        second = self.make_repair(create_another=True)
        for repair in (first, second):
            repair._action_repair_confirm()
            repair.action_repair_start()
        first.action_repair_end()
        self.assertEqual(self.ticket.state, "new")
        second.action_repair_cancel()
        self.assertEqual(self.ticket.state, "new", "a cancelled repair resolves nothing")
        third = self.make_repair(create_another=True)
        third._action_repair_confirm()
        third.action_repair_start()
        third.action_repair_end()
        self.assertEqual(self.ticket.state, "resolved")

    def test_rights_and_bad_input(self):
        arch = self.ticket.with_user(self.agent).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("action_create_repair", arch)
        self.assertNotIn("repair_state", arch)
        self.assertTrue(self.ticket.with_user(self.agent).read())
        with self.assertRaisesRegex(AccessError, "needs the access rights"):
            self.ticket.with_user(self.agent).action_create_repair()
        wizard = self.env["helpdesk.ticket.repair.wizard"].with_user(self.agent).create({"ticket_id": self.ticket.id})
        with self.assertRaises(AccessError):
            wizard.action_create_repair()
        anonymous = self.create_ticket(name="No customer yet")
        with self.assertRaisesRegex(UserError, "Set a customer on .* before creating a repair order"):
            anonymous.with_user(self.repair_agent).action_create_repair()
        self.assertFalse(self.env["repair.order"].search([("helpdesk_ticket_id", "in", (self.ticket | anonymous).ids)]))

    def test_second_repair_asks_first(self):
        first = self.make_repair()
        form = Form(
            self.env["helpdesk.ticket.repair.wizard"]
            .with_user(self.repair_agent)
            .with_context(default_ticket_id=self.ticket.id)
        )
        self.assertEqual(form.existing_document_names, first.name)
        with self.assertRaisesRegex(UserError, "already has"):
            form.save().action_create_repair()
        self.assertEqual(self.ticket.repair_ids, first)

    def test_serial_must_match_product(self):
        other = self.env["product.product"].create({"name": "Monitor", "type": "consu"})
        other_serial = self.env["stock.lot"].create({"name": "CN-0042", "product_id": other.id})
        with self.assertRaisesRegex(ValidationError, "CN-0042"), self.cr.savepoint():
            self.ticket.lot_id = other_serial
        with Form(self.ticket.with_user(self.repair_agent)) as form:
            form.product_id = other
            self.assertFalse(form.lot_id, "the serial of another product is dropped")
        self.assertFalse(self.ticket.lot_id)

    def test_product_change_by_agent_without_inventory_rights(self):
        # The form works without the serial number field, and a stale serial is dropped.
        other = self.env["product.product"].create({"name": "Monitor", "type": "consu"})
        with Form(self.ticket.with_user(self.agent)) as form:
            form.product_id = other
        self.assertEqual(self.ticket.product_id, other)
        self.assertFalse(self.ticket.lot_id)
        Form(self.env["helpdesk.ticket"].with_user(self.agent))  # a new ticket's form opens too

    def test_merge_moves_repairs_and_unmerge_gives_them_back(self):
        repair = self.make_repair()
        destination = self.create_ticket(name="Laptop again", partner_id=self.contact.id)
        Log = self.env["helpdesk.ticket.merge.log"].with_user(self.agent)
        logs = Log._merge(destination.with_user(self.agent), self.ticket.with_user(self.agent))
        self.assertEqual(repair.helpdesk_ticket_id, destination)
        self.assertEqual(logs.sudo().documents["repair.order"], repair.ids)
        logs.with_user(self.manager).action_unmerge()
        self.assertEqual(repair.helpdesk_ticket_id, self.ticket)
