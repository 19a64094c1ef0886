"""Read-only screens run on a read-only cursor, so a deployment with a read replica serves
them from it (docs/deploy.md). Odoo's test mode turns such a request's transaction READ ONLY:
a screen that wrote anything would fail here."""

from odoo.tests import tagged

from ..controllers.portal import HelpdeskCustomerPortal
from .test_portal import PortalHttpCommon


@tagged("post_install", "-at_install")
class TestReadonlyScreens(PortalHttpCommon):
    def rpc(self, model, method, args=(), **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}.{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_backend_screens_are_read_only(self):
        self.authenticate("hd_agent", "hd_agent")
        # Team overview (its counters), ticket kanban grouped by stage, ticket list, contact figures.
        overview = self.rpc(
            "helpdesk.team",
            "web_search_read",
            domain=[],
            specification={
                "name": {},
                "open_ticket_count": {},
                "unassigned_ticket_count": {},
                "urgent_ticket_count": {},
                "my_ticket_count": {},
                "sla_at_risk_ticket_count": {},
                "sla_failed_ticket_count": {},
                "oldest_open_age": {},
                "rating_recent_avg": {},
                "activity_sparkline": {},
            },
        )
        self.assertEqual(
            {row["name"]: row["open_ticket_count"] for row in overview["records"]}, {"Team A": 1, "Team B": 1}
        )
        self.assertEqual(self.rpc("helpdesk.team", "get_my_performance")["open"], 0)
        groups = self.rpc(
            "helpdesk.ticket",
            "web_read_group",
            domain=[],
            groupby=["stage_id"],
            aggregates=["__count"],
        )
        self.assertTrue(groups["groups"])
        tickets = self.rpc(
            "helpdesk.ticket",
            "web_search_read",
            domain=[],
            specification={"reference": {}, "name": {}, "sla_deadline": {}, "age_display": {}, "priority": {}},
        )
        self.assertEqual(tickets["length"], 2)
        partners = self.rpc(
            "res.partner",
            "web_read",
            [[self.customer.id]],
            specification={"helpdesk_open_ticket_count": {}, "helpdesk_sla_compliance": {}, "helpdesk_last_rating": {}},
        )
        self.assertEqual(partners[0]["helpdesk_open_ticket_count"], 1)

    def test_portal_list_is_read_only(self):
        self.authenticate("portal_carla", "portal_carla")
        self.assertIs(HelpdeskCustomerPortal.portal_my_tickets.original_routing["readonly"], True)
        page = self.url_open("/my/tickets?filterby=open&sortby=priority&groupby=stage")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.ticket_carla.reference, page.text)
