from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestTeamOverviewTour(HelpdeskHttpCommon):
    def test_overview_figures_open_their_tickets(self):
        lead = new_test_user(
            self.env,
            login="overview_lead",
            password="overview_lead",
            groups="helpdesk_itil.group_helpdesk_user",
            name="Overview Lead",
        )
        team = self.env["helpdesk.team"].create({"name": "Overview Team", "member_ids": [Command.set(lead.ids)]})
        self.env["helpdesk.sla.policy"].create(
            {"name": "Resolve in 4h", "metric": "resolution", "target_hours": 4.0, "team_ids": [Command.set(team.ids)]}
        )
        hot = self.create_ticket(name="Router on fire", team_id=team.id, user_id=lead.id)
        self.create_ticket(name="Quiet printer", team_id=team.id, user_id=lead.id)
        hot.sla_ids.write({"status": "at_risk"})
        self.start_tour(
            "/odoo/action-helpdesk_itil.helpdesk_team_action_overview",
            "helpdesk_itil_team_overview_tour",
            login="overview_lead",
        )
