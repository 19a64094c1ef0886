import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_escalation import EscalationCommon


@tagged("post_install", "-at_install")
class TestEscalationWizard(EscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls.create_ticket(user_id=cls.user_a2.id)

    def wizard(self, user=None, **values):
        Wizard = self.env["helpdesk.ticket.escalate"].with_user(user or self.user_a)
        return Wizard.create({"ticket_id": self.ticket.id, **values})

    def test_button_opens_wizard_with_defaults(self):
        action = self.ticket.with_user(self.user_a).action_escalate()
        self.assertEqual(action["res_model"], "helpdesk.ticket.escalate")
        self.assertEqual(action["context"], {"default_ticket_id": self.ticket.id})
        form = Form(self.env["helpdesk.ticket.escalate"].with_user(self.user_a).with_context(**action["context"]))
        self.assertEqual(form.level, 1)
        self.assertEqual(form.team_id, self.team_a)
        self.assertEqual(form.user_id, self.user_a2)
        form.team_id = self.team_b
        self.assertFalse(form.user_id, "another team: its method picks the assignee")

    def test_reason_is_mandatory(self):
        for reason in (False, "", "<p><br></p>", "<p>   </p>"):
            with self.subTest(reason=reason), self.assertRaisesRegex(UserError, "Explain why"):
                self.wizard(reason=reason).action_escalate()
        self.assertEqual(self.ticket.escalation_level, 0)
        self.assertFalse(self.ticket.escalation_log_ids)

    def test_hierarchical_escalation(self):
        self.wizard(
            level=2,
            user_id=self.user_a.id,
            reason="<p>Customer's production is down</p>",
            steps_tried="Rebooted the VPN gateway",
        ).action_escalate()
        self.assertEqual(self.ticket.escalation_level, 2)
        self.assertEqual(self.ticket.user_id, self.user_a)
        log = self.ticket.escalation_log_ids
        self.assertRecordValues(
            log,
            [
                {
                    "rule_id": False,
                    "trigger": "manual",
                    "level_from": 0,
                    "level_to": 2,
                    "team_from_id": self.team_a.id,
                    "team_to_id": self.team_a.id,
                    "user_from_id": self.user_a2.id,
                    "user_to_id": self.user_a.id,
                    "escalated_by_id": self.user_a.id,
                }
            ],
        )
        self.assertIn("Customer's production is down", log.reason)
        self.assertIn("Rebooted the VPN gateway", log.reason)
        note = self.escalation_notes(self.ticket)
        self.assertEqual(note.author_id, self.user_a.partner_id)
        self.assertIn("production is down", note.body)
        self.assertIn("Rebooted the VPN gateway", note.body)

    def test_functional_escalation_uses_new_team_method(self):
        """The wizard and the rules escalate the same way (helpdesk.ticket._escalate): another
        team's assignment method picks the assignee, nobody on a manual team."""
        self.team_b.assignment_method = "round_robin"
        self.wizard(team_id=self.team_b.id, reason="<p>Needs network skills</p>").action_escalate()
        self.assertEqual(self.ticket.team_id, self.team_b)
        self.assertEqual(self.ticket.user_id, self.user_b)
        self.assertEqual(self.ticket.escalation_level, 1)
        note = self.escalation_notes(self.ticket)
        self.assertIn("Escalated to level 1 by", note.body)
        self.assertIn("Team: Team A → Team B.", note.body)
        # Earlier handlers keep access as followers.
        self.assertIn(self.user_a2.partner_id, self.ticket.message_partner_ids)
        self.assertTrue(self.ticket.with_user(self.user_a2).escalation_log_ids)

    def test_functional_escalation_to_manual_team_unassigns(self):
        self.wizard(team_id=self.team_b.id, reason="<p>Needs network skills</p>").action_escalate()
        self.assertEqual(self.ticket.team_id, self.team_b)
        self.assertFalse(self.ticket.user_id, "a manual team picks its tickets itself")
        self.assertIn(self.user_a2.partner_id, self.ticket.message_partner_ids, "the earlier handler follows")

    def test_attachments_land_on_the_ticket(self):
        Attachment = self.env["ir.attachment"].with_user(self.user_a)
        files = Attachment.create(
            [
                {"name": "vpn.log", "raw": b"gateway timeout", "res_model": "helpdesk.ticket.escalate", "res_id": 0},
                {
                    "name": "screenshot.png",
                    "datas": base64.b64encode(b"\x89PNG fake"),
                    "res_model": "helpdesk.ticket.escalate",
                    "res_id": 0,
                },
            ]
        )
        self.wizard(reason="<p>See logs</p>", attachment_ids=[(6, 0, files.ids)]).action_escalate()
        self.assertEqual(set(files.mapped("res_model")), {"helpdesk.ticket"})
        self.assertEqual(set(files.mapped("res_id")), {self.ticket.id})
        note = self.escalation_notes(self.ticket)
        self.assertEqual(note.attachment_ids, files)

    def test_foreign_attachments_are_refused(self):
        foreign = self.env["ir.attachment"].create(
            {"name": "payroll.pdf", "raw": b"secret", "res_model": "res.partner", "res_id": self.customer.id}
        )
        with self.assertRaisesRegex(UserError, "payroll.pdf"):
            self.wizard(reason="<p>x</p>", attachment_ids=[(6, 0, foreign.ids)]).action_escalate()
        self.assertEqual(foreign.res_model, "res.partner")

    def test_invalid_targets(self):
        self.ticket.escalation_level = 2
        with self.assertRaisesRegex(UserError, "cannot lower"):
            self.wizard(level=1, reason="<p>x</p>").action_escalate()
        with self.assertRaisesRegex(UserError, "1 or more"):
            self.wizard(level=0, reason="<p>x</p>").action_escalate()
        with self.assertRaisesRegex(UserError, "Choose a higher level"):
            self.wizard(level=2, reason="<p>x</p>").action_escalate()
        self.ticket.stage_id = self.stage_cancelled
        with self.assertRaisesRegex(UserError, "reopen it"):
            self.wizard(level=3, reason="<p>x</p>").action_escalate()

    def test_user_without_access_cannot_escalate(self):
        ticket = self.create_ticket(team_id=self.team_b.id)
        with self.assertRaises(AccessError):  # user A does not see team B's tickets
            self.env["helpdesk.ticket.escalate"].with_user(self.user_a).create(
                {"ticket_id": ticket.id, "reason": "<p>x</p>"}
            ).action_escalate()
        self.assertEqual(ticket.escalation_level, 0)
