from odoo.tests import Form, tagged
from odoo.tools import html2plaintext

from .alert_common import HelpdeskAlertHttpCommon, am_alert, am_payload


@tagged("post_install", "-at_install")
class TestPipelineEndpoint(HelpdeskAlertHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pipeline = cls.Source.create({"name": "GitLab CI", "kind": "pipeline", "team_id": cls.team_a.id})
        cls.pipeline_token = cls.pipeline._generate_token()
        cls.bug = cls.create_ticket(name="Export to CSV drops accents", stage_id=cls.stage_progress.id)
        cls.code_workaround = cls.env.ref("helpdesk_itil.closure_workaround")

    def post_pipeline(self, payload, source=None, token=None, **kwargs):
        source = source or self.pipeline
        return self.post(f"/helpdesk/pipeline/{source.id}", payload, token=token or self.pipeline_token, **kwargs)

    def test_note_with_build_link(self):
        messages = len(self.bug.message_ids)
        response = self.post_pipeline(
            {
                "ticket": self.bug.reference,
                "note": "Fix merged in !42, deployed to staging.",
                "status": "success",
                "build_url": "https://ci.example.com/pipelines/1234",
            }
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json(),
            {
                "ok": True,
                "source": "GitLab CI",
                "ticket": self.bug.reference,
                "state": "in_progress",
                "stage": "In Progress",
            },
        )
        self.env.invalidate_all()
        self.assertEqual(len(self.bug.message_ids), messages + 1)
        note = self.bug.message_ids[0]
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("Pipeline GitLab CI succeeded.", html2plaintext(note.body))
        self.assertIn("Fix merged in !42, deployed to staging.", note.body)
        self.assertIn('href="https://ci.example.com/pipelines/1234"', note.body)
        self.assertEqual(self.bug.state, "in_progress")

    def test_stage_change_uses_the_team_stage_of_the_state(self):
        pending_a = self.env["helpdesk.stage"].create({"name": "Waiting for QA", "state": "pending", "sequence": 15})
        self.team_a.stage_ids = [(4, pending_a.id)]
        response = self.post_pipeline({"ticket": self.bug.reference, "stage": "pending", "status": "failure"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["stage"], "Waiting for QA")
        self.env.invalidate_all()
        self.assertEqual(self.bug.stage_id, pending_a)
        notes = self.bug.message_ids.filtered(lambda m: "Pipeline GitLab CI failed." in html2plaintext(m.body))
        self.assertIn("Stage set to Waiting for QA.", html2plaintext(notes.body))

    def test_resolve_defaults_to_solved_with_the_note(self):
        response = self.post_pipeline(
            {
                "ticket": self.bug.reference,
                "stage": "resolved",
                "note": "Deployed 2.4.1 to production.",
                "status": "success",
                "build_url": "https://ci.example.com/pipelines/1240",
            }
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        self.assertEqual(self.bug.state, "resolved")
        self.assertEqual(self.bug.closure_code_id, self.code_solved)
        self.assertEqual(html2plaintext(self.bug.resolution_note), "Deployed 2.4.1 to production.")
        self.assertTrue(self.bug.resolved_date)

    def test_resolve_with_resolution_note_and_closure_code(self):
        response = self.post_pipeline(
            {
                "ticket": self.bug.reference,
                "stage": "resolved",
                "resolution_note": "Feature flag turned off until the fix ships.",
                "closure_code": "workaround",
            }
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        self.assertEqual(self.bug.closure_code_id, self.code_workaround)
        self.assertIn("Feature flag turned off", self.bug.resolution_note)

    def test_reopen_a_resolved_ticket(self):
        self.resolve(self.bug)
        response = self.post_pipeline(
            {"ticket": self.bug.reference, "stage": "in_progress", "note": "Regression in 2.4.2"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        self.assertEqual(self.bug.state, "in_progress")
        self.assertEqual(self.bug.reopen_count, 1)

    def test_note_on_a_closed_ticket_is_allowed(self):
        self.resolve(self.bug, stage=self.stage_closed)
        response = self.post_pipeline({"ticket": self.bug.reference, "note": "Backported to 2.3."})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.bug.state, "closed")

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_resolving_without_note_is_refused(self):
        before = self.snapshot()
        response = self.post_pipeline({"ticket": self.bug.reference, "stage": "resolved", "status": "success"})
        self.assertRejected(
            response,
            400,
            f"To resolve {self.bug.reference}, give a “resolution_note” (or a “note”).",
            source=self.pipeline,
            before=before,
        )
        self.assertEqual(self.bug.state, "in_progress")

    def test_unknown_closure_code_is_refused(self):
        before = self.snapshot()
        response = self.post_pipeline(
            {"ticket": self.bug.reference, "stage": "closed", "note": "x", "closure_code": "shipped"}
        )
        self.assertRejected(
            response,
            400,
            'Unknown closure_code "shipped"; use one of: solved, workaround',
            source=self.pipeline,
            before=before,
        )

    def test_unknown_ticket_is_404(self):
        before = self.snapshot()
        response = self.post_pipeline({"ticket": "HD-999999", "note": "x"})
        self.assertRejected(
            response, 404, "Ticket HD-999999 not found for this source.", source=self.pipeline, before=before
        )
        # A pipeline source bound to a team cannot touch another team's tickets.
        other_team_ticket = self.create_ticket(name="Team B ticket", team_id=self.team_b.id)
        before = self.snapshot()
        response = self.post_pipeline({"ticket": other_team_ticket.reference, "stage": "resolved", "note": "x"})
        self.assertRejected(response, 404, "not found for this source", source=self.pipeline, before=before)

    def test_stage_change_on_a_closed_ticket_is_409(self):
        self.resolve(self.bug, stage=self.stage_closed)
        before = self.snapshot()
        response = self.post_pipeline({"ticket": self.bug.reference, "stage": "in_progress", "note": "Reopen please"})
        self.assertRejected(
            response, 409, "is closed: its stage cannot change any more", source=self.pipeline, before=before
        )

    def test_invalid_fields_are_400(self):
        before = self.snapshot()
        reference = self.bug.reference
        cases = [
            ({"note": "x"}, "“ticket” is missing: give the ticket reference"),
            ({"ticket": reference}, "Nothing to do: give at least a note, a stage, a status or a build_url."),
            ({"ticket": reference, "stage": "deployed"}, "“stage” must be an ITIL state, one of new, in_progress"),
            ({"ticket": reference, "status": "green"}, "“status” must be one of success, failure"),
            ({"ticket": reference, "build_url": "javascript:alert(1)"}, "“build_url” must be an http(s) URL."),
            ({"ticket": 123, "note": "x"}, "“ticket” must be a string."),
            ({"ticket": reference, "note": ["x"]}, "“note” must be a string."),
            (["not", "an", "object"], "The payload must be a JSON object."),
        ]
        for payload, message in cases:
            with self.subTest(message=message):
                response = self.post_pipeline(payload)
                self.assertRejected(response, 400, message, source=self.pipeline, before=before)
        response = self.post_pipeline(None, data="{not json")
        self.assertRejected(response, 400, "Malformed JSON", source=self.pipeline, before=before)

    def test_tokens_and_sources(self):
        before = self.snapshot()
        payload = {"ticket": self.bug.reference, "note": "x"}
        response = self.post(f"/helpdesk/pipeline/{self.pipeline.id}", payload)
        self.assertRejected(response, 401, "Missing token", source=self.pipeline, before=before)
        response = self.post_pipeline(payload, token=self.token)
        self.assertRejected(response, 403, "Invalid token", source=self.pipeline, before=before)
        response = self.post_pipeline(payload, source=self.source, token=self.token)
        self.assertRejected(
            response, 404, f"post to /helpdesk/alert/{self.source.id}", source=self.source, before=before
        )
        response = self.post("/helpdesk/pipeline/999999", payload, token=self.pipeline_token)
        self.assertRejected(response, 404, "does not exist or is archived", before=before)
        self.pipeline.max_payload_kb = 1
        response = self.post_pipeline(dict(payload, note="x" * 2000))
        self.assertRejected(response, 413, "at most 1 KB", source=self.pipeline, before=before)

    def test_pipeline_and_alert_sources_share_the_rejection_log(self):
        self.post_pipeline({"ticket": "HD-0"})
        self.post_alert(am_payload(am_alert("fp")), token="bad")
        self.assertEqual(
            self.rejections()[:2].mapped("endpoint"),
            ["alert", "pipeline"],
        )
        self.assertEqual(self.pipeline.rejection_count, 1)
        self.assertEqual(self.source.rejection_count, 1)


@tagged("post_install", "-at_install")
class TestPipelineBugTickets(HelpdeskAlertHttpCommon):
    """A source with “Open a Bug Ticket on Failure”: failing runs without a ticket open one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category_qa = cls.env["helpdesk.category"].create({"name": "QA", "team_id": cls.team_a.id})
        cls.qa = cls.Source.create(
            {
                "name": "Nightly QA",
                "kind": "pipeline",
                "pipeline_open_bug": True,
                "team_id": cls.team_a.id,
                "category_id": cls.category_qa.id,
                "type_id": cls.env.ref("helpdesk_itil.type_bug").id,
            }
        )
        cls.qa_token = cls.qa._generate_token()

    def post_run(self, status="failure", build=1, **fields):
        payload = {
            "project": "erp",
            "branch": "main",
            "job": "e2e-tests",
            "status": status,
            "note": f"Run {build}: 3 tests failed in test_invoice.py" if status == "failure" else f"Run {build} passed",
            "build_url": f"https://ci.example.com/erp/-/pipelines/{build}",
            **fields,
        }
        response = self.post(f"/helpdesk/pipeline/{self.qa.id}", payload, token=self.qa_token)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def bug_tickets(self):
        return self.alert_tickets(self.qa)

    def test_failing_run_opens_a_bug_ticket_and_repeats_update_it(self):
        result = self.post_run(build=1)
        ticket = self.bug_tickets()
        self.assertEqual(len(ticket), 1)
        self.assertEqual(result["action"], "created")
        self.assertEqual(result["ticket"], ticket.reference)
        self.assertEqual(ticket.name, "Pipeline failed: erp · main · e2e-tests")
        self.assertEqual(ticket.type_id, self.env.ref("helpdesk_itil.type_bug"))
        self.assertEqual(
            (ticket.team_id, ticket.category_id, ticket.channel), (self.team_a, self.category_qa, "pipeline")
        )
        self.assertIn("3 tests failed", ticket.description)
        self.assertIn('href="https://ci.example.com/erp/-/pipelines/1"', ticket.description)
        self.assertEqual(ticket.alert_repeat_count, 0)
        # The same pipeline fails again: the same ticket, a note with the new build.
        for build in (2, 3):
            self.assertEqual(self.post_run(build=build)["action"], "updated")
        self.env.invalidate_all()
        self.assertEqual(self.bug_tickets(), ticket)
        self.assertEqual(ticket.alert_repeat_count, 2)
        self.assertIn('href="https://ci.example.com/erp/-/pipelines/3"', ticket.message_ids[0].body)
        # Another job or branch is another pipeline.
        self.post_run(build=4, job="unit-tests")
        self.post_run(build=5, branch="release-2.4")
        self.assertEqual(len(self.bug_tickets()), 3)

    def test_success_is_noted_on_the_open_bug_and_never_resolves_it(self):
        self.assertEqual(
            self.post_run("success", build=1), {"ok": True, "source": "Nightly QA", "action": "ignored", "ticket": None}
        )
        self.assertFalse(self.bug_tickets(), "a passing pipeline without a bug opens nothing")
        self.post_run(build=2)
        ticket = self.bug_tickets()
        result = self.post_run("success", build=3)
        self.assertEqual((result["action"], result["state"]), ("updated", "new"))
        self.env.invalidate_all()
        self.assertIn("Pipeline Nightly QA succeeded.", html2plaintext(ticket.message_ids[0].body))
        # Resolved by a person, the pipeline fails again: reopened.
        self.resolve(ticket)
        self.assertEqual(self.post_run(build=4)["action"], "reopened")
        self.env.invalidate_all()
        self.assertEqual((ticket.state, ticket.reopen_count), ("in_progress", 1))
        # Closed: the next failure is a new bug.
        self.resolve(ticket, self.stage_closed)
        self.post_run(build=5)
        self.assertEqual(len(self.bug_tickets()), 2)

    def test_without_the_setting_or_with_an_unknown_ticket_nothing_is_opened(self):
        before = self.snapshot()
        self.qa.pipeline_open_bug = False
        response = self.post(
            f"/helpdesk/pipeline/{self.qa.id}",
            {"project": "erp", "status": "failure"},
            token=self.qa_token,
        )
        self.assertRejected(response, 400, "“ticket” is missing", source=self.qa, before=before)
        self.qa.pipeline_open_bug = True
        response = self.post(
            f"/helpdesk/pipeline/{self.qa.id}",
            {"ticket": "HD-999999", "project": "erp", "status": "failure"},
            token=self.qa_token,
        )
        self.assertRejected(response, 404, "Ticket HD-999999 not found", source=self.qa, before=before)
        response = self.post(f"/helpdesk/pipeline/{self.qa.id}", {"status": "failure"}, token=self.qa_token)
        self.assertRejected(response, 400, "“ticket” or “project” is missing", source=self.qa, before=before)

    def test_the_source_form_proposes_the_bug_type(self):
        with Form(self.Source) as form:
            form.name = "GitHub Actions"
            form.kind = "pipeline"
            self.assertEqual(form.type_id, self.env.ref("helpdesk_itil.type_incident"))
            form.pipeline_open_bug = True
            self.assertEqual(form.type_id, self.env.ref("helpdesk_itil.type_bug"))
