from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import HelpdeskCommon
from .common_problem import ProblemFixtures


@tagged("post_install", "-at_install")
class TestProblem(ProblemFixtures, HelpdeskCommon):
    """Problem records: reference, priority through the matrix, state guards and stamps,
    the known error's workaround on its incidents, the list wizards, bulk resolution."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_problem_fixtures()

    def notes(self, ticket, marker="WORKAROUND-KEEPALIVE"):
        return ticket.message_ids.filtered(lambda m: marker in (m.body or ""))

    # ------------------------------------------------------------
    # Record, priority, guards
    # ------------------------------------------------------------

    def test_reference_priority_and_counts(self):
        self.assertRegex(self.problem.reference, r"^PRB-\d{6}$")
        self.assertEqual(self.problem.display_name, f"{self.problem.reference} - VPN gateway drops idle tunnels")
        self.assertEqual(self.problem.priority, "3")  # medium × medium, the tickets' matrix
        self.problem.write({"impact": "high", "urgency": "high"})
        self.assertEqual(self.problem.priority, "1")
        cell = self.env["helpdesk.priority.matrix"].create(
            {"company_id": self.company.id, "impact": "low", "urgency": "low", "priority": "2"}
        )
        self.problem.write({"impact": "low", "urgency": "low"})
        self.assertEqual(self.problem.priority, cell.priority)
        self.assertEqual(self.problem.incident_count, 2)
        self.assertEqual(self.problem.open_incident_count, 2)
        self.resolve(self.incident_2)
        self.problem.invalidate_recordset(["incident_count", "open_incident_count"])
        self.assertEqual((self.problem.incident_count, self.problem.open_incident_count), (2, 1))
        action = self.problem.action_view_incidents()
        self.assertEqual(self.env["helpdesk.ticket"].search(action["domain"]), self.incident_1 | self.incident_2)
        self.assertEqual(self.incident_1.action_view_problem()["res_id"], self.problem.id)

    def test_known_error_needs_workaround(self):
        with self.assertRaisesRegex(UserError, "known error needs a workaround"):
            self.problem.with_user(self.agent).write({"state": "known_error"})
        with self.assertRaisesRegex(UserError, "known error needs a workaround"):
            self.problem.with_user(self.agent).write({"state": "known_error", "workaround": "<p><br></p>"})
        with self.assertRaisesRegex(UserError, "known error needs a workaround"):
            self.Problem.create({"name": "Born known", "state": "known_error"})
        self.assertEqual(self.problem.state, "new")
        self.assertFalse(self.problem.known_error_date)
        self.assertFalse(self.notes(self.incident_1))
        # Emptying the workaround of a known error is refused too.
        self.make_known_error()
        with self.assertRaisesRegex(UserError, "known error needs a workaround"):
            self.problem.write({"workaround": False})

    def test_resolving_needs_permanent_fix(self):
        self.make_known_error()
        for state in ("resolved", "closed"):
            with self.assertRaisesRegex(UserError, "permanent fix"):
                self.problem.with_user(self.agent).write({"state": state})
        self.assertEqual(self.problem.state, "known_error")
        self.assertFalse(self.problem.resolved_date)
        self.problem.with_user(self.agent).write({"permanent_fix": "<p>Firmware 4.3.</p>", "state": "resolved"})
        self.assertEqual(self.problem.state, "resolved")
        self.assertTrue(self.problem.resolved_date)
        with self.assertRaisesRegex(UserError, "permanent fix"):
            self.problem.write({"permanent_fix": False})
        self.problem.action_close()
        self.assertTrue(self.problem.closed_date)
        self.problem.action_reopen()
        self.assertEqual(self.problem.state, "investigating")
        self.assertFalse(self.problem.resolved_date)

    def test_states_through_buttons(self):
        problem = self.Problem.with_user(self.agent).create(
            {"name": "Printer spooler hangs", "team_id": self.team_a.id}
        )
        problem.action_investigate()
        self.assertEqual(problem.state, "investigating")
        problem.action_cancel()
        self.assertEqual(problem.state, "cancelled")

    # ------------------------------------------------------------
    # Known error: the workaround reaches the incidents
    # ------------------------------------------------------------

    def test_known_error_posts_workaround_on_open_incidents(self):
        closed = self.create_ticket(name="VPN was down", problem_id=self.problem.id)
        self.resolve(closed)
        self.make_known_error()
        self.assertTrue(self.problem.known_error_date)
        for incident in self.incident_1 | self.incident_2:
            note = self.notes(incident)
            self.assertEqual(len(note), 1, incident.name)
            self.assertTrue(note.subtype_id.internal, "an internal note, not a reply")
            self.assertIn(self.problem.reference, note.body)
            self.assertIn("Send Workaround", note.body)
            self.assertIn(self.problem.article_id.name, note.body)
        self.assertFalse(self.notes(closed), "closed incidents get no note")
        # The knowledge article: a draft written from the symptom and workaround.
        article = self.problem.article_id
        self.assertEqual(article.state, "draft")
        self.assertIn("WORKAROUND-KEEPALIVE", article.body)
        self.assertEqual(article.category_ids, self.category_vpn)
        # An incident linked later gets the note too; a second known-error write posts nothing more.
        late = self.create_ticket(name="VPN lost again")
        late.with_user(self.agent).problem_id = self.problem
        self.assertEqual(len(self.notes(late)), 1)
        self.problem.write({"state": "known_error"})
        self.assertEqual(len(self.notes(self.incident_1)), 1)

    def test_known_error_keeps_given_article(self):
        article = self.env["helpdesk.article"].create({"name": "VPN keep-alive", "body": "<p>x</p>"})
        self.problem.article_id = article
        self.make_known_error()
        self.assertEqual(self.problem.article_id, article)
        self.assertIn("VPN keep-alive", self.notes(self.incident_1).body)

    def test_send_workaround_to_customer(self):
        self.incident_1.partner_id = self.contact
        with self.assertRaisesRegex(UserError, "no known workaround"):
            self.incident_1.with_user(self.agent).action_send_workaround()
        self.make_known_error()
        self.incident_1.with_user(self.agent).action_send_workaround()
        reply = self.notes(self.incident_1).filtered(lambda m: not m.subtype_id.internal)
        self.assertEqual(len(reply), 1)
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.contact, reply.notified_partner_ids | reply.partner_ids)
        self.assertTrue(self.incident_1.workaround_sent_date)
        # A helpdesk user of another team may not send it on team A's ticket.
        with self.assertRaises(AccessError):
            self.incident_2.with_user(self.user_b).action_send_workaround()

    # ------------------------------------------------------------
    # Wizards from the ticket list
    # ------------------------------------------------------------

    def test_create_problem_from_tickets(self):
        first = self.create_ticket(name="Mail queue stuck", category_id=self.category_vpn.id)
        second = self.create_ticket(name="Outbound mail delayed")
        context = {"active_model": "helpdesk.ticket", "active_ids": (first | second).ids}
        wizard_form = Form(self.env["helpdesk.problem.create"].with_user(self.agent).with_context(**context))
        self.assertEqual(wizard_form.name, "Mail queue stuck")
        self.assertEqual(wizard_form.team_id, self.team_a)
        self.assertEqual(wizard_form.category_id, self.category_vpn)
        wizard_form.impact = "high"
        action = wizard_form.save().action_create()
        problem = self.Problem.browse(action["res_id"])
        self.assertEqual(problem.name, "Mail queue stuck")
        self.assertEqual(problem.incident_ids, first | second)
        self.assertEqual(problem.priority, "2")
        self.assertEqual(problem.user_id, self.agent)

    def test_create_problem_needs_agent(self):
        ticket = self.create_ticket(name="Mail queue stuck")
        wizard = (
            self.env["helpdesk.problem.create"]
            .with_user(self.user_a)
            .create({"ticket_ids": [Command.set(ticket.ids)], "name": "Mail"})
        )
        with self.assertRaises(AccessError):
            wizard.action_create()
        self.assertFalse(self.Problem.search([("name", "=", "Mail")]))
        self.assertFalse(ticket.problem_id)

    def test_link_to_problem(self):
        ticket = self.create_ticket(name="VPN slow")
        context = {"active_model": "helpdesk.ticket", "active_ids": ticket.ids}
        wizard_form = Form(self.env["helpdesk.problem.link"].with_user(self.user_a).with_context(**context))
        wizard_form.problem_id = self.problem
        wizard_form.save().action_link()
        self.assertEqual(ticket.problem_id, self.problem)
        # Only open problems: a resolved one is refused.
        self.make_known_error()
        self.problem.write({"permanent_fix": "<p>Fixed.</p>", "state": "resolved"})
        other = self.create_ticket(name="VPN slow too")
        wizard = self.env["helpdesk.problem.link"].create(
            {"ticket_ids": [Command.set(other.ids)], "problem_id": self.problem.id}
        )
        with self.assertRaisesRegex(UserError, "link incidents to an open problem"):
            wizard.action_link()
        self.assertFalse(other.problem_id)

    def test_link_other_team_refused(self):
        ticket_b = self.create_ticket(name="Team B's VPN", team_id=self.team_b.id)
        with self.assertRaises(AccessError):
            self.env["helpdesk.problem.link"].with_user(self.user_a).create(
                {"ticket_ids": [Command.set(ticket_b.ids)], "problem_id": self.problem.id}
            ).action_link()
        with self.assertRaises(AccessError):
            self.problem.with_user(self.user_a)._link_incidents(ticket_b.with_user(self.user_a))
        self.assertFalse(ticket_b.problem_id)
        # User B cannot even read team A's problem.
        with self.assertRaises(AccessError):
            self.problem.with_user(self.user_b).check_access("read")

    # ------------------------------------------------------------
    # Bulk resolution of the incidents
    # ------------------------------------------------------------

    def resolve_problem(self):
        self.make_known_error()
        self.problem.with_user(self.agent).write(
            {"permanent_fix": "<p>FIX-FIRMWARE-43 installed.</p>", "state": "resolved"}
        )

    def test_resolve_linked_incidents(self):
        self.incident_1.partner_id = self.contact
        done = self.create_ticket(name="VPN old", problem_id=self.problem.id)
        self.resolve(done)
        with self.assertRaisesRegex(UserError, "Resolve the problem first"):
            self.problem.with_user(self.agent).action_resolve_incidents()
        self.resolve_problem()
        self.problem.with_user(self.agent).action_resolve_incidents()
        code = self.env.ref("helpdesk_itil.closure_solved_by_problem")
        for incident in self.incident_1 | self.incident_2:
            self.assertEqual(incident.state, "resolved")
            self.assertEqual(incident.closure_code_id, code)
            self.assertEqual(incident.closure_code_id.code, "solved_by_problem")
            self.assertIn("FIX-FIRMWARE-43", incident.resolution_note)
            self.assertIn(self.problem.reference, incident.resolution_note)
            self.assertTrue(incident.resolved_date)
        self.assertEqual(done.closure_code_id, self.code_solved, "already resolved: untouched")
        # The customer is told through the normal resolution path (resolution request).
        request = self.incident_1.message_ids.filtered(lambda m: "is your problem solved?" in (m.subject or ""))
        self.assertEqual(len(request), 1)
        self.assertIn(self.contact, request.partner_ids)
        self.assertTrue(self.problem.message_ids.filtered(lambda m: "incidents resolved" in (m.body or "")))
        with self.assertRaisesRegex(UserError, "no open incidents"):
            self.problem.with_user(self.agent).action_resolve_incidents()

    def test_resolve_linked_incidents_rights(self):
        ticket_b = self.create_ticket(name="Team B VPN", team_id=self.team_b.id, problem_id=self.problem.id)
        self.resolve_problem()
        # A helpdesk user of team A reads the problem but may not write team B's ticket:
        # refused before anything is written.
        with self.assertRaises(AccessError):
            self.problem.with_user(self.user_a).action_resolve_incidents()
        # A user of team B may not read team A's problem.
        with self.assertRaises(AccessError):
            self.problem.with_user(self.user_b).action_resolve_incidents()
        # A portal user may not touch the problem at all.
        with self.assertRaises(AccessError):
            self.problem.with_user(self.portal_user).action_resolve_incidents()
        for incident in self.incident_1 | self.incident_2 | ticket_b:
            self.assertEqual(incident.state, "new", "nothing half-written")
            self.assertFalse(incident.closure_code_id)

    def test_resolve_linked_incidents_team_without_resolved_stage(self):
        team_c = self.env["helpdesk.team"].create(
            {
                "name": "Team C",
                "closure_confirmation": False,
                "stage_ids": [Command.set((self.stage_new | self.stage_progress).ids)],
            }
        )
        ticket_c = self.create_ticket(name="VPN C", team_id=team_c.id, problem_id=self.problem.id)
        self.resolve_problem()
        with self.assertRaisesRegex(UserError, "Team C has no resolved stage"):
            self.problem.with_user(self.agent).action_resolve_incidents()
        self.assertEqual((self.incident_1 | ticket_c).mapped("state"), ["new", "new"])

    # ------------------------------------------------------------
    # Known-error match on a new incident
    # ------------------------------------------------------------

    def test_known_error_match(self):
        by_code = self.create_ticket(name="Cannot connect", description="<p>The client says VPN-IKE-619 again.</p>")
        by_title = self.create_ticket(name="VPN gateway drops idle tunnel", category_id=self.category_vpn.id)
        other_category = self.create_ticket(name="VPN gateway drops idle tunnel")
        unrelated = self.create_ticket(name="Printer out of toner", category_id=self.category_vpn.id)
        tickets = by_code | by_title | other_category | unrelated
        # Not yet a known error: no match.
        self.assertFalse(tickets.with_user(self.agent).known_error_ids)
        self.make_known_error()
        tickets.invalidate_recordset(["known_error_ids"])
        self.assertEqual(by_code.with_user(self.agent).known_error_ids, self.problem)
        self.assertEqual(by_title.with_user(self.agent).known_error_ids, self.problem)
        self.assertFalse(other_category.with_user(self.agent).known_error_ids)
        self.assertFalse(unrelated.with_user(self.agent).known_error_ids)
        self.assertEqual(
            by_title.with_user(self.agent).known_error_ids.workaround_summary,
            "WORKAROUND-KEEPALIVE: turn on keep-alive.",
        )
        # Linked tickets no longer show it; a user of another team does not see team A's known error.
        by_code.problem_id = self.problem
        self.assertFalse(by_code.with_user(self.agent).known_error_ids)
        ticket_b = self.create_ticket(name="Error VPN-IKE-619", team_id=self.team_b.id)
        self.assertFalse(ticket_b.with_user(self.user_b).known_error_ids)
        self.assertEqual(ticket_b.with_user(self.agent).known_error_ids, self.problem)

    def test_known_error_match_while_typing_a_new_ticket(self):
        self.make_known_error()
        ticket_form = Form(self.env["helpdesk.ticket"].with_user(self.agent))
        ticket_form.team_id = self.team_a
        ticket_form.name = "VPN gateway drops idle tunnel"
        self.assertFalse(ticket_form.known_error_ids, "same category needed")
        ticket_form.category_id = self.category_vpn
        self.assertEqual(ticket_form.known_error_ids.ids, self.problem.ids)
        ticket_form.problem_id = self.problem
        self.assertFalse(ticket_form.known_error_ids)

    # ------------------------------------------------------------
    # Rights
    # ------------------------------------------------------------

    def test_rights(self):
        # Users read their teams' problems, never write them.
        self.assertEqual(self.Problem.with_user(self.user_a).search([]), self.problem)
        self.assertFalse(self.Problem.with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            self.problem.with_user(self.user_a).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.Problem.with_user(self.user_a).create({"name": "Mine"})
        # Agents write every team's problems; only managers delete.
        self.problem.with_user(self.agent).write({"name": "Renamed"})
        self.assertEqual(self.problem.name, "Renamed")
        with self.assertRaises(AccessError):
            self.problem.with_user(self.agent).unlink()
        self.problem.with_user(self.manager).unlink()

    def test_portal_user_never_reads_the_problem(self):
        self.make_known_error()
        self.problem.workaround_published = True
        with self.assertRaises(AccessError):
            self.problem.with_user(self.portal_user).read(["workaround"])
        with self.assertRaises(AccessError):
            self.Problem.with_user(self.portal_user).search([])
        # Nor through the ticket's fields.
        self.incident_1.partner_id = self.portal_user.partner_id
        with self.assertRaises(AccessError):
            self.incident_1.with_user(self.portal_user).read(["problem_id"])
