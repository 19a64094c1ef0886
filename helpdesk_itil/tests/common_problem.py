class ProblemFixtures:
    """A category, a problem of team A with two open incidents and a resolved one (built on
    HelpdeskFixtures / HelpdeskPortalFixtures)."""

    @classmethod
    def setup_problem_fixtures(cls):
        cls.Problem = cls.env["helpdesk.problem"]
        cls.category_vpn = cls.env["helpdesk.category"].create({"name": "VPN"})
        cls.incident_1 = cls.create_ticket(name="VPN drops every 10 minutes", category_id=cls.category_vpn.id)
        cls.incident_2 = cls.create_ticket(name="VPN disconnects at night", category_id=cls.category_vpn.id)
        cls.problem = cls.Problem.create(
            {
                "name": "VPN gateway drops idle tunnels",
                "team_id": cls.team_a.id,
                "category_id": cls.category_vpn.id,
                "error_code": "VPN-IKE-619",
                "symptom": "<p>Tunnels drop after 10 idle minutes.</p>",
            }
        )
        (cls.incident_1 | cls.incident_2).problem_id = cls.problem

    def make_known_error(self, problem=None, user=None):
        problem = problem or self.problem
        problem.with_user(user or self.agent).write(
            {"workaround": "<p>WORKAROUND-KEEPALIVE: turn on keep-alive.</p>", "state": "known_error"}
        )
        return problem
