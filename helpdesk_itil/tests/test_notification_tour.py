from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time, new_test_user, tagged

from .common import HelpdeskHttpCommon


@tagged("post_install", "-at_install")
class TestNotificationTour(HelpdeskHttpCommon):
    def test_new_ticket_notice_in_the_discuss_inbox(self):
        agent = new_test_user(
            self.env,
            login="tour_notice_agent",
            password="tour_notice_agent",
            groups="helpdesk_itil.group_helpdesk_user",
            name="Tour Notice Agent",
            notification_type="inbox",
        )
        team = self.env["helpdesk.team"].create({"name": "Tour Notice Team", "member_ids": [(6, 0, agent.ids)]})
        ticket = self.env["helpdesk.ticket"].create({"name": "Printer on fire", "team_id": team.id})
        with freeze_time(fields.Datetime.now() + timedelta(minutes=2)), self.enter_registry_test_mode():
            self.env.ref("helpdesk_itil.ir_cron_helpdesk_notice").method_direct_trigger()
        notice = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.team"),
                ("res_id", "=", team.id),
                ("subtype_id", "=", self.env.ref("helpdesk_itil.mt_team_ticket_new").id),
            ]
        )
        self.assertEqual(notice.notification_ids.res_partner_id, agent.partner_id)
        self.assertEqual(notice.notification_ids.notification_type, "inbox")
        self.start_tour(
            "/odoo/action-mail.action_discuss", "helpdesk_itil_notification_tour", login="tour_notice_agent"
        )
        self.assertIn(ticket.display_name, notice.body)
