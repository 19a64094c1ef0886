import json

from odoo.tests import HttpCase, tagged

from .common import HelpdeskPortalFixtures
from .common_problem import ProblemFixtures


@tagged("post_install", "-at_install")
class TestProblemPortal(ProblemFixtures, HelpdeskPortalFixtures, HttpCase):
    """A customer sees a problem's published workaround on his own linked ticket's page,
    never the problem itself (pages or RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()
        cls.setup_problem_fixtures()
        cls.incident_1.partner_id = cls.contact  # Carla's

    def page(self, ticket):
        response = self.url_open(f"/my/tickets/{ticket.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        return response.text

    def call(self, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": "helpdesk.problem", "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            "/web/dataset/call_kw", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        return response.json()

    def test_published_workaround_on_own_linked_ticket_only(self):
        self.make_known_error()
        self.authenticate("portal_carla", "portal_carla")
        # Not published yet: nothing on the page.
        self.assertNotIn("WORKAROUND-KEEPALIVE", self.page(self.incident_1))
        self.problem.workaround_published = True
        page = self.page(self.incident_1)
        self.assertIn("WORKAROUND-KEEPALIVE", page)
        self.assertIn("Known issue", page)
        # Never the problem's internals: its reference, root cause, title.
        self.assertNotIn(self.problem.reference, page)
        self.assertNotIn(self.problem.name, page)
        # Her ticket not linked to the problem shows nothing.
        self.assertNotIn("WORKAROUND-KEEPALIVE", self.page(self.ticket_carla))
        # Another customer's linked ticket stays out of reach.
        self.incident_2.partner_id = self.contact_bob
        response = self.url_open(f"/my/tickets/{self.incident_2.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("WORKAROUND-KEEPALIVE", response.text)

    def test_problem_record_refused_over_rpc(self):
        self.make_known_error()
        self.problem.workaround_published = True
        self.authenticate("portal_carla", "portal_carla")
        for method, args in (
            ("read", [[self.problem.id], ["workaround"]]),
            ("search_read", [[]]),
            ("action_resolve_incidents", [[self.problem.id]]),
        ):
            result = self.call(method, args)
            self.assertEqual(result["error"]["data"]["name"], "odoo.exceptions.AccessError", method)
        response = self.url_open(f"/odoo/helpdesk.problem/{self.problem.id}", allow_redirects=False)
        self.assertNotIn("WORKAROUND-KEEPALIVE", response.text)
