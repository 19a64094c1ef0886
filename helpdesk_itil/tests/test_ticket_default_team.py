from odoo.tests import Form, new_test_user, tagged

from .common import HelpdeskCommon


@tagged("post_install", "-at_install")
class TestTicketDefaultTeam(HelpdeskCommon):
    """A ticket that names no team: its category's team, else its company's default team
    (the first active team by sequence), whatever the channel; team_id=False keeps none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Team B comes first by sequence; an archived team before it does not count.
        cls.team_b.sequence = 5
        cls.team_archived = cls.env["helpdesk.team"].create({"name": "Old desk", "sequence": 1, "active": False})
        Category = cls.env["helpdesk.category"]
        cls.cat_network = Category.create({"name": "Network", "team_id": cls.team_a.id})
        cls.cat_vpn = Category.create({"name": "VPN", "parent_id": cls.cat_network.id})
        cls.cat_other = Category.create({"name": "Other"})
        cls.company_2 = cls.env["res.company"].create({"name": "Second Co"})
        cls.team_2_late, cls.team_2 = cls.env["helpdesk.team"].create(
            [
                {"name": "Second desk (late)", "company_id": cls.company_2.id, "sequence": 20},
                {"name": "Second desk", "company_id": cls.company_2.id, "sequence": 15},
            ]
        )
        cls.agent_2 = new_test_user(
            cls.env,
            login="hd_agent_2",
            groups="helpdesk_itil.group_helpdesk_agent",
            company_id=cls.company_2.id,
            company_ids=[(6, 0, cls.company_2.ids)],
        )

    def new_ticket(self, **values):
        return self.env["helpdesk.ticket"].create({"name": "Printer jams", **values})

    def test_without_team_goes_to_the_company_default_team(self):
        ticket = self.new_ticket()
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.company_id, self.company)
        self.assertEqual(ticket.stage_id, self.team_b._get_stage_for_state("new"))
        self.assertEqual(self.env["helpdesk.team"]._get_company_default_team(self.company), self.team_b)

    def test_category_team_first(self):
        self.assertEqual(self.new_ticket(category_id=self.cat_network.id).team_id, self.team_a)
        self.assertEqual(self.new_ticket(category_id=self.cat_vpn.id).team_id, self.team_a, "the parent's team")
        self.assertEqual(self.new_ticket(category_id=self.cat_other.id).team_id, self.team_b, "no team: the default")
        self.assertEqual(self.new_ticket(category_id=self.cat_network.id, team_id=self.team_b.id).team_id, self.team_b)

    def test_form_prefills_the_default_team_and_follows_the_category(self):
        form = Form(self.env["helpdesk.ticket"].with_user(self.agent))
        self.assertEqual(form.team_id, self.team_b, "the company's default team")
        form.name = "VPN drops"
        form.category_id = self.cat_vpn
        self.assertEqual(form.team_id, self.team_a, "the category's team replaces it")
        form.category_id = self.cat_other
        self.assertEqual(form.team_id, self.team_a, "a category without team changes nothing")
        ticket = form.save()
        self.assertEqual(ticket.team_id, self.team_a)
        # A saved ticket keeps its team when its category changes.
        ticket.category_id = self.cat_network
        ticket.team_id = self.team_b
        ticket.category_id = self.cat_vpn
        self.assertEqual(ticket.team_id, self.team_b)
        with Form(ticket.with_user(self.agent)) as edit:
            edit.category_id = self.cat_network
            self.assertEqual(edit.team_id, self.team_b)

    def test_each_company_its_own_default_team(self):
        # Given the company, or as a user of that company (the environment's company).
        ticket = self.new_ticket(company_id=self.company_2.id)
        self.assertEqual((ticket.team_id, ticket.company_id), (self.team_2, self.company_2))
        ticket = self.env["helpdesk.ticket"].with_user(self.agent_2).create({"name": "Badge reader broken"})
        self.assertEqual((ticket.team_id, ticket.company_id), (self.team_2, self.company_2))
        tickets = self.env["helpdesk.ticket"].create(
            [{"name": "One"}, {"name": "Two", "company_id": self.company_2.id}, {"name": "Three"}]
        )
        self.assertEqual([t.team_id for t in tickets], [self.team_b, self.team_2, self.team_b])
        # A company without a team: no team.
        company_3 = self.env["res.company"].create({"name": "Third Co"})
        self.assertFalse(self.new_ticket(company_id=company_3.id).team_id)

    def test_explicit_false_keeps_no_team(self):
        ticket = self.new_ticket(team_id=False)
        self.assertFalse(ticket.team_id)
        self.assertEqual(ticket.company_id, self.company)
        # Agents and managers see it; a team's user does not.
        self.assertEqual(ticket.with_user(self.agent).name, "Printer jams")
        self.assertFalse(self.env["helpdesk.ticket"].with_user(self.user_a).search([("id", "=", ticket.id)]))

    def test_mail_without_team_goes_to_the_default_team(self):
        ticket = self.env["helpdesk.ticket"].message_new(
            {
                "subject": "Cannot print",
                "email_from": "Carla Contact <carla@acme.example.com>",
                "body": "<p>The printer says no.</p>",
            }
        )
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.partner_id, self.contact)
