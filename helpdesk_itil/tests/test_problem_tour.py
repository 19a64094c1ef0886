from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestProblemTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="prb_tour_agent", groups="helpdesk_itil.group_helpdesk_agent", name="Pia Agent")
        cls.team = cls.env["helpdesk.team"].create({"name": "Tour problem team", "closure_confirmation": False})
        cls.category = cls.env["helpdesk.category"].create({"name": "Tour VPN"})
        cls.customer = cls.env["res.partner"].create({"name": "Vic Customer", "email": "vic@example.com"})
        cls.problem = cls.env["helpdesk.problem"].create(
            {
                "name": "Tour VPN gateway drops idle tunnels",
                "team_id": cls.team.id,
                "category_id": cls.category.id,
                "workaround": "<p>Tour keep-alive: turn it on in the VPN client.</p>",
                "state": "known_error",
            }
        )

    def ticket(self, name):
        return self.env["helpdesk.ticket"].create(
            {"name": name, "team_id": self.team.id, "category_id": self.category.id, "partner_id": self.customer.id}
        )

    def test_known_error_on_a_new_ticket(self):
        ticket = self.ticket("Tour VPN gateway drops idle tunnel")
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_ticket_action/{ticket.id}",
            "helpdesk_itil_known_error_tour",
            login="prb_tour_agent",
        )
        self.assertEqual(ticket.problem_id, self.problem)
        self.assertTrue(ticket.workaround_sent_date)
        reply = ticket.message_ids.filtered(
            lambda m: "Tour keep-alive" in (m.body or "") and m.message_type == "comment"
        )
        self.assertEqual(len(reply.filtered(lambda m: not m.subtype_id.internal)), 1)

    def test_resolve_linked_incidents_in_one_click(self):
        incidents = self.ticket("Tour VPN down") | self.ticket("Tour VPN down again")
        incidents.problem_id = self.problem
        self.problem.write({"permanent_fix": "<p>Tour firmware 4.3.</p>", "state": "resolved"})
        self.start_tour(
            f"/odoo/action-helpdesk_itil.helpdesk_problem_action/{self.problem.id}",
            "helpdesk_itil_resolve_incidents_tour",
            login="prb_tour_agent",
        )
        self.assertEqual(incidents.mapped("state"), ["resolved", "resolved"])
        self.assertEqual(incidents.closure_code_id, self.env.ref("helpdesk_itil.closure_solved_by_problem"))
