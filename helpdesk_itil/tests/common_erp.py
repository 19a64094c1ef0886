from odoo import Command
from odoo.tests import Form, TransactionCase, new_test_user

from .common import HelpdeskFixtures


class HelpdeskErpFixtures(HelpdeskFixtures):
    """Helpdesk fixtures plus agents with and without ERP rights, products and a service project."""

    @classmethod
    def setup_erp_fixtures(cls):
        cls.setup_helpdesk_fixtures()
        agent = "helpdesk_itil.group_helpdesk_agent"
        cls.sales_agent = new_test_user(
            cls.env, login="hd_sales_agent", groups=f"{agent},sales_team.group_sale_salesman", name="Sam Sales"
        )
        cls.project_agent = new_test_user(
            cls.env, login="hd_project_agent", groups=f"{agent},project.group_project_user", name="Pia Project"
        )
        cls.billing_agent = new_test_user(
            cls.env, login="hd_billing_agent", groups=f"{agent},account.group_account_invoice", name="Bill Billing"
        )
        # A salesperson (all documents) who is no helpdesk user at all.
        cls.salesman = new_test_user(
            cls.env, login="hd_salesman", groups="sales_team.group_sale_salesman_all_leads", name="Sol Seller"
        )
        cls.product_service = cls.env["product.product"].create(
            {"name": "On-site Intervention", "type": "service", "list_price": 90.0}
        )
        cls.product_dock = cls.env["product.product"].create(
            {"name": "USB-C Docking Station", "type": "consu", "list_price": 150.0}
        )
        cls.service_project = cls.env["project.project"].create({"name": "Field Service"})
        cls.team_a.service_project_id = cls.service_project
        cls.ticket = cls.create_ticket(
            name="Docking station dead",
            partner_id=cls.contact.id,
            description="<p>The dock of meeting room 2 no longer powers the laptop.</p>",
        )
        cls.code_erp_done = cls.env.ref("helpdesk_itil.closure_erp_done")

    def open_wizard(self, ticket, method, user):
        """Click the ticket's conversion button as `user`: a Form on the wizard it opens."""
        action = getattr(ticket.with_user(user), method)()
        return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))

    def make_quotation(self, ticket=None, user=None, products=(), **wizard_values):
        ticket = ticket or self.ticket
        form = self.open_wizard(ticket, "action_create_quotation", user or self.sales_agent)
        for name, value in wizard_values.items():
            setattr(form, name, value)
        for product, qty in products:
            with form.line_ids.new() as line:
                line.product_id = product
                line.product_uom_qty = qty
        action = form.save().action_create_quotation()
        return self.env["sale.order"].browse(action["res_id"])

    @classmethod
    def make_invoice(cls, partner, amount=100.0, post=True, move_type="out_invoice"):
        invoice = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_line_ids": [
                    Command.create({"product_id": cls.product_service.id, "quantity": 1, "price_unit": amount})
                ],
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def ticket_notes(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note")).mapped("body")


class HelpdeskErpCommon(HelpdeskErpFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_erp_fixtures()
