from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .common import HelpdeskFixtures


class TriageCommon(HelpdeskFixtures):
    @classmethod
    def setup_triage_fixtures(cls):
        cls.setup_helpdesk_fixtures()
        Category = cls.env["helpdesk.category"]
        cls.cat_printer = Category.create({"name": "Printer", "team_id": cls.team_a.id})
        cls.cat_vpn = Category.create({"name": "VPN", "team_id": cls.team_b.id})
        cls.cat_other = Category.create({"name": "Other"})
        cls.type_request = cls.env.ref("helpdesk_itil.type_service_request")
        cls.tag_outage = cls.env["helpdesk.tag"].create({"name": "Outage"})
        cls.tag_vip = cls.env.ref("helpdesk_itil.helpdesk_tag_vip")  # shipped (automation rules)
        cls.Rule = cls.env["helpdesk.triage.rule"]
        cls.printer_rule = cls.Rule.create(
            {
                "name": "Printers",
                "sequence": 10,
                "keywords": "printer, impresora, paper jam",
                "category_id": cls.cat_printer.id,
                "type_id": cls.type_incident.id,
            }
        )

    def note_bodies(self, ticket):
        return " ".join(ticket.message_ids.mapped("body"))


class TestTriageRules(TriageCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()
        ProductCategory = cls.env["product.category"]
        cls.categ_hardware = ProductCategory.create({"name": "Hardware"})
        cls.categ_printers = ProductCategory.create({"name": "Printers", "parent_id": cls.categ_hardware.id})
        cls.categ_software = ProductCategory.create({"name": "Software"})
        Product = cls.env["product.product"]
        cls.laser = Product.create({"name": "Laser X1", "categ_id": cls.categ_printers.id})
        cls.router = Product.create({"name": "Router R7", "categ_id": cls.categ_hardware.id})
        cls.erp = Product.create({"name": "ERP licence", "categ_id": cls.categ_software.id})

    def new_ticket(self, **values):
        values.setdefault("name", "Something is wrong")
        values.setdefault("channel", "api")
        return self.env["helpdesk.ticket"].create(values)

    # Conditions ----------------------------------------------------------

    def test_keywords_in_subject_or_body_whole_words_without_case_or_accents(self):
        ticket = self.new_ticket(name="The PRINTER on floor 2 is offline")
        self.assertEqual(ticket.category_id, self.cat_printer)
        self.assertEqual(ticket.type_id, self.type_incident)
        self.assertEqual(ticket.triage_rule_id, self.printer_rule)
        ticket = self.new_ticket(name="Floor 2", description="<p>La Impresóra no imprime</p>")
        self.assertEqual(ticket.category_id, self.cat_printer, "body searched, accents ignored")
        ticket = self.new_ticket(name="Printers2go invoice")
        self.assertFalse(ticket.category_id, "not a whole word")
        self.printer_rule.match_description = False
        ticket = self.new_ticket(name="Floor 2", description="<p>paper jam again</p>")
        self.assertFalse(ticket.category_id, "subject only")

    def test_regular_expression(self):
        rule = self.Rule.create(
            {"name": "VPN errors", "sequence": 1, "regex": r"vpn.*error \d{3}", "category_id": self.cat_vpn.id}
        )
        ticket = self.new_ticket(name="VPN client shows ERROR 809")
        self.assertEqual((ticket.triage_rule_id, ticket.category_id), (rule, self.cat_vpn))
        self.assertFalse(self.new_ticket(name="VPN client shows error").triage_rule_id)

    def test_invalid_regular_expression_is_refused_on_save_with_a_clear_message(self):
        with (
            self.assertRaisesRegex(ValidationError, r"regular expression .* is not valid: .*position"),
            self.env.cr.savepoint(),
        ):
            self.Rule.create({"name": "Broken", "regex": "(printer", "category_id": self.cat_printer.id})
        with self.assertRaisesRegex(ValidationError, "is not valid"), self.env.cr.savepoint():
            self.printer_rule.write({"regex": "[a-", "keywords": "toner"})
        self.env.invalidate_all()
        self.assertEqual(
            (self.printer_rule.regex, self.printer_rule.keywords), (False, "printer, impresora, paper jam")
        )
        self.assertFalse(self.Rule.search([("name", "=", "Broken")]))

    def test_a_rule_must_change_something(self):
        with self.assertRaisesRegex(ValidationError, "changes nothing"):
            self.Rule.create({"name": "Empty", "keywords": "printer"})

    def test_sender_domain_with_subdomains(self):
        rule = self.Rule.create(
            {
                "name": "Acme",
                "sequence": 1,
                "sender_domains": "acme.example.com, @globex.com",
                "tag_ids": [(4, self.tag_vip.id)],
            }
        )
        self.assertEqual(self.new_ticket(partner_email="x@acme.example.com").triage_rule_id, rule)
        self.assertEqual(self.new_ticket(partner_email="x@eu.globex.com").triage_rule_id, rule)
        self.assertEqual(self.new_ticket(partner_id=self.contact.id).tag_ids, self.tag_vip, "the contact's address")
        self.assertFalse(self.new_ticket(partner_email="x@notacme.example.org").triage_rule_id)
        self.assertFalse(self.new_ticket(partner_email="x@globex.com.evil.net").triage_rule_id)

    def test_customer_and_customer_tag(self):
        rule = self.Rule.create(
            {"name": "Acme", "sequence": 1, "partner_ids": [(4, self.customer.id)], "tag_ids": [(4, self.tag_vip.id)]}
        )
        self.assertEqual(self.new_ticket(partner_id=self.contact.id).triage_rule_id, rule, "contact of the company")
        other = self.env["res.partner"].create({"name": "Other Co", "email": "o@other.example.com"})
        self.assertFalse(self.new_ticket(partner_id=other.id).triage_rule_id)
        gold = self.env["res.partner.category"].create({"name": "Key account"})
        rule.write({"partner_ids": [(5,)], "partner_category_ids": [(4, gold.id)]})
        self.assertFalse(self.new_ticket(partner_id=self.contact.id).triage_rule_id)
        self.customer.category_id = gold
        self.assertEqual(self.new_ticket(partner_id=self.contact.id).triage_rule_id, rule, "tag of the company")

    def test_product_or_product_category(self):
        rule = self.Rule.create(
            {
                "name": "Printer products",
                "sequence": 1,
                "product_ids": [(4, self.router.id)],
                "product_categ_ids": [(4, self.categ_printers.id)],
                "urgency": "medium",
            }
        )
        self.assertEqual(self.new_ticket(product_id=self.router.id).triage_rule_id, rule, "a listed product")
        self.assertEqual(self.new_ticket(product_id=self.laser.id).triage_rule_id, rule, "a listed category")
        self.assertFalse(self.new_ticket(product_id=self.erp.id).triage_rule_id, "another category")
        self.assertFalse(self.new_ticket().triage_rule_id, "a ticket without product does not match")
        rule.write({"product_ids": [(5,)], "product_categ_ids": [(6, 0, self.categ_hardware.ids)]})
        self.assertEqual(self.new_ticket(product_id=self.laser.id).triage_rule_id, rule, "subcategory included")
        rule.product_categ_ids = self.categ_software
        self.assertFalse(self.new_ticket(product_id=self.laser.id).triage_rule_id, "the change applies at once")
        ticket = self.new_ticket(name="Printer jammed", product_id=self.erp.id)
        self.assertEqual(
            (ticket.triage_rule_id, ticket.urgency, ticket.category_id),
            (rule, "medium", self.env["helpdesk.category"]),
            "the first match wins: the Printers rule does not add its category",
        )
        self.assertIn("Categorised by rule “Printer products”: Urgency Medium.", self.note_bodies(ticket))

    def test_product_condition_combines_with_other_conditions(self):
        rule = self.Rule.create(
            {
                "name": "Jammed lasers",
                "sequence": 1,
                "keywords": "jam",
                "product_ids": [(4, self.laser.id)],
                "impact": "high",
            }
        )
        self.assertEqual(self.new_ticket(name="Paper jam", product_id=self.laser.id).triage_rule_id, rule)
        self.assertEqual(
            self.new_ticket(name="Paper jam", product_id=self.router.id).triage_rule_id,
            self.printer_rule,
            "the keyword alone is not enough: the next rule is tried",
        )
        self.assertFalse(self.new_ticket(name="Toner low", product_id=self.laser.id).triage_rule_id)

    def test_product_of_another_company_is_refused(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        foreign = self.env["product.product"].create({"name": "Foreign", "company_id": other_company.id})
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.Rule.create({"name": "Foreign", "product_ids": [(4, foreign.id)], "urgency": "low"})
        self.assertFalse(self.Rule.search([("name", "=", "Foreign")]))

    def test_new_product_rule_applies_at_once_cache_cleared(self):
        self.new_ticket(name="warm the cache", product_id=self.erp.id)
        rule = self.Rule.create(
            {"name": "ERP", "sequence": 1, "product_ids": [(4, self.erp.id)], "type_id": self.type_request.id}
        )
        ticket = self.new_ticket(product_id=self.erp.id)
        self.assertEqual((ticket.triage_rule_id, ticket.type_id), (rule, self.type_request))
        rule.active = False
        self.assertFalse(self.new_ticket(product_id=self.erp.id).triage_rule_id)

    def test_channel_team_and_company_scope(self):
        rule = self.Rule.create(
            {
                "name": "Portal printers for team B",
                "sequence": 1,
                "keywords": "printer",
                "channel": "portal",
                "team_ids": [(4, self.team_b.id)],
                "urgency": "low",
            }
        )
        ticket = self.new_ticket(name="printer", channel="portal", team_id=self.team_b.id)
        self.assertEqual((ticket.triage_rule_id, ticket.urgency), (rule, "low"))
        self.assertEqual(
            self.new_ticket(name="printer", channel="email", team_id=self.team_b.id).triage_rule_id, self.printer_rule
        )
        self.assertEqual(
            self.new_ticket(name="printer", channel="portal", team_id=self.team_a.id).triage_rule_id, self.printer_rule
        )
        other_company = self.env["res.company"].create({"name": "Other Company"})
        self.printer_rule.company_id = other_company
        rule.unlink()
        self.assertFalse(self.new_ticket(name="printer").triage_rule_id, "rules of another company do not apply")

    def test_team_condition_uses_the_team_the_ticket_would_get(self):
        rule = self.Rule.create(
            {"name": "Team A only", "sequence": 1, "team_ids": [(4, self.team_a.id)], "tag_ids": [(4, self.tag_vip.id)]}
        )
        # No team given: the company's default team is the first by sequence (team A).
        self.assertEqual(self.env["helpdesk.team"]._get_company_default_team(self.company), self.team_a)
        self.assertEqual(self.new_ticket(team_id=False).triage_rule_id, self.browse_rule(False), "explicitly no team")
        self.assertEqual(self.env["helpdesk.ticket"].create({"name": "x", "channel": "api"}).triage_rule_id, rule)
        self.assertEqual(
            self.new_ticket(category_id=self.cat_vpn.id).tag_ids, self.tag_vip.browse(), "VPN goes to team B"
        )

    def browse_rule(self, rule_id):
        return self.Rule.browse(rule_id or [])

    # Actions, order, fill-only-empty ---------------------------------------

    def test_all_actions_and_the_note_on_the_ticket(self):
        self.printer_rule.write(
            {
                "set_team_id": self.team_b.id,
                "tag_ids": [(4, self.tag_outage.id)],
                "impact": "high",
                "urgency": "high",
            }
        )
        ticket = self.env["helpdesk.ticket"].create({"name": "Printer down", "channel": "api"})
        self.assertRecordValues(
            ticket,
            [
                {
                    "category_id": self.cat_printer.id,
                    "type_id": self.type_incident.id,
                    "team_id": self.team_b.id,
                    "impact": "high",
                    "urgency": "high",
                    "priority": "1",
                    "priority_from_customer": False,
                }
            ],
        )
        self.assertEqual(ticket.tag_ids, self.tag_outage)
        self.assertIn(
            "Categorised by rule “Printers”: Category Printer, Type Incident, Team Team B, Tags Outage, "
            "Impact High, Urgency High.",
            self.note_bodies(ticket),
        )
        self.assertEqual(self.printer_rule.ticket_count, 1)
        action = self.printer_rule.action_view_tickets()
        self.assertEqual(self.env["helpdesk.ticket"].search(action["domain"]), ticket)

    def test_category_set_by_a_rule_routes_to_its_team(self):
        rule = self.Rule.create({"name": "VPN", "sequence": 1, "keywords": "vpn", "category_id": self.cat_vpn.id})
        ticket = self.env["helpdesk.ticket"].create({"name": "VPN drops", "channel": "api"})
        self.assertEqual((ticket.triage_rule_id, ticket.team_id), (rule, self.team_b))

    def test_first_match_wins(self):
        first = self.Rule.create(
            {"name": "Jams", "sequence": 5, "keywords": "paper jam", "type_id": self.type_request.id, "urgency": "low"}
        )
        ticket = self.new_ticket(name="Paper jam in the printer")
        self.assertEqual(ticket.triage_rule_id, first)
        self.assertEqual((ticket.type_id, ticket.urgency), (self.type_request, "low"))
        self.assertFalse(ticket.category_id, "the second rule (Printers) does not run")
        first.sequence = 20
        self.assertEqual(self.new_ticket(name="Paper jam in the printer").triage_rule_id, self.printer_rule)
        first.active = False
        self.printer_rule.active = False
        self.assertFalse(self.new_ticket(name="Paper jam in the printer").triage_rule_id, "archived rules do not run")

    def test_only_empty_fields_are_filled_the_callers_values_are_kept(self):
        self.printer_rule.write(
            {"set_team_id": self.team_b.id, "impact": "high", "urgency": "high", "tag_ids": [(4, self.tag_outage.id)]}
        )
        ticket = self.new_ticket(
            name="Printer down",
            category_id=self.cat_other.id,
            type_id=self.type_request.id,
            team_id=self.team_a.id,
            impact="low",
            urgency="low",
            tag_ids=[(4, self.tag_vip.id)],
        )
        self.assertRecordValues(
            ticket,
            [
                {
                    "triage_rule_id": self.printer_rule.id,
                    "category_id": self.cat_other.id,
                    "type_id": self.type_request.id,
                    "team_id": self.team_a.id,
                    "impact": "low",
                    "urgency": "low",
                    "priority": "4",
                }
            ],
        )
        self.assertEqual(ticket.tag_ids, self.tag_vip | self.tag_outage, "tags are added to the caller's")
        self.assertIn("Categorised by rule “Printers”: Tags Outage.", self.note_bodies(ticket))

    def test_rules_run_only_at_creation(self):
        ticket = self.new_ticket(name="Laptop is slow")
        self.assertFalse(ticket.category_id)
        ticket.name = "Printer is slow"
        self.assertFalse(ticket.category_id, "base_automation covers what happens after creation")

    def test_batch_of_tickets_one_rule_search(self):
        self.env["helpdesk.ticket"].create({"name": "warm up", "channel": "api"})
        vals = [{"name": f"Printer {i}", "channel": "api", "team_id": self.team_a.id} for i in range(5)]
        tickets = self.env["helpdesk.ticket"].create(vals)
        self.assertEqual(tickets.category_id, self.cat_printer)
        self.assertEqual(len(tickets.filtered(lambda t: t.triage_rule_id == self.printer_rule)), 5)

    # Test on text ----------------------------------------------------------

    def test_test_on_text_shows_what_would_happen_and_writes_nothing(self):
        tickets = self.env["helpdesk.ticket"].search_count([])
        with Form(self.env["helpdesk.triage.rule.test"].with_user(self.manager)) as wizard:
            wizard.subject = "URGENT: printer jammed"
            self.assertIn("Categorised by rule “Printers”: Category Printer, Type Incident.", wizard.result)
            self.assertIn("Urgency High: the customer wrote “urgent”.", wizard.result)
            wizard.subject = "Laptop"
            self.assertIn("No rule matches.", wizard.result)
        self.Rule.create(
            {
                "name": "Laser printers",
                "sequence": 1,
                "product_categ_ids": [(4, self.categ_printers.id)],
                "urgency": "low",
            }
        )
        with Form(self.env["helpdesk.triage.rule.test"].with_user(self.manager)) as wizard:
            wizard.subject = "Laptop"
            self.assertIn("No rule matches.", wizard.result)
            wizard.product_id = self.laser
            self.assertIn("Categorised by rule “Laser printers”: Urgency Low.", wizard.result)
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), tickets)

    # Rights ------------------------------------------------------------------

    def test_users_read_managers_write_portal_nothing(self):
        for user in (self.user_a, self.user_b, self.agent):
            rule = self.printer_rule.with_user(user)
            self.assertEqual(rule.name, "Printers")
            with self.assertRaises(AccessError):
                rule.write({"keywords": "toner"})
            with self.assertRaises(AccessError):
                self.Rule.with_user(user).create({"name": "Mine", "urgency": "high"})
            with self.assertRaises(AccessError):
                rule.unlink()
        rule = self.Rule.with_user(self.manager).create({"name": "Managers", "urgency": "high"})
        rule.write({"keywords": "down"})
        rule.unlink()
        with self.assertRaises(AccessError):
            self.printer_rule.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["helpdesk.triage.rule.test"].with_user(self.user_a).create({"subject": "x"})
        # A portal customer's ticket is still triaged (the rule is read as superuser).
        ticket = (
            self.env["helpdesk.ticket"]
            .with_user(self.portal_user)
            .sudo()
            .create({"name": "printer broken", "channel": "portal", "partner_id": self.portal_user.partner_id.id})
        )
        self.assertEqual(ticket.category_id, self.cat_printer)

    def test_rule_of_another_company_is_invisible(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        rule = self.Rule.create({"name": "Elsewhere", "company_id": other_company.id, "urgency": "low"})
        self.assertFalse(self.Rule.with_user(self.manager).search([("id", "=", rule.id)]))


@tagged("post_install", "-at_install")
class TestTriageRulesOnEveryChannel(TriageCommon, TransactionCase):
    """Rules run inside create(): the same on every channel (API, email, portal and web
    form are in test_triage_channels.py through real requests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()

    def test_alert_and_internal_channels(self):
        for channel in ("internal", "phone", "alert", "chat"):
            ticket = self.env["helpdesk.ticket"].create({"name": "printer offline", "channel": channel})
            self.assertEqual(ticket.triage_rule_id, self.printer_rule, channel)
