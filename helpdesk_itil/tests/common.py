from contextlib import contextmanager, nullcontext
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import HttpCase, TransactionCase, freeze_time, new_test_user

from odoo.addons.helpdesk_itil.models import helpdesk_notice

LIFECYCLE_CRON = "helpdesk_itil.ir_cron_helpdesk_sla_watch"


class HelpdeskFixtures:
    """Two teams, one user per helpdesk group, a customer; shared by the test classes."""

    def setUp(self):
        super().setUp()
        # Notice triggers this process saw committed (helpdesk.notice._schedule_send) are
        # never looked up again; a test that runs post-commit hooks without committing
        # (a tour's bus, an automation webhook) must not make another test skip its trigger.
        self.startPatcher(patch.dict(helpdesk_notice._COMMITTED_TRIGGERS, clear=True))

    @classmethod
    def setup_helpdesk_fixtures(cls):
        # env.cr.now() is the transaction's NOW(): make it follow freeze_time.
        cls.classPatch(cls.env.cr, "now", fields.Datetime.now)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_notrack=False))
        cls.company = cls.env.company
        cls.user_a = new_test_user(
            cls.env, login="hd_user_a", groups="helpdesk_itil.group_helpdesk_user", name="Ana (team A)"
        )
        cls.user_a2 = new_test_user(
            cls.env, login="hd_user_a2", groups="helpdesk_itil.group_helpdesk_user", name="Alex (team A)"
        )
        cls.user_b = new_test_user(
            cls.env, login="hd_user_b", groups="helpdesk_itil.group_helpdesk_user", name="Bea (team B)"
        )
        cls.agent = new_test_user(
            cls.env, login="hd_agent", groups="helpdesk_itil.group_helpdesk_agent", name="Gus Agent"
        )
        cls.manager = new_test_user(
            cls.env, login="hd_manager", groups="helpdesk_itil.group_helpdesk_manager", name="Mia Manager"
        )
        cls.portal_user = new_test_user(cls.env, login="hd_portal", groups="base.group_portal", name="Pat Portal")
        # These teams close tickets directly; closure confirmation has its own tests
        # (test_ticket_closure.py).
        cls.team_a = cls.env["helpdesk.team"].create(
            {
                "name": "Team A",
                "member_ids": [(6, 0, (cls.user_a | cls.user_a2).ids)],
                "leader_id": cls.user_a.id,
                "closure_confirmation": False,
            }
        )
        cls.team_b = cls.env["helpdesk.team"].create(
            {"name": "Team B", "member_ids": [(6, 0, cls.user_b.ids)], "closure_confirmation": False}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Corp", "is_company": True, "email": "it@acme.example.com"}
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Carla Contact",
                "parent_id": cls.customer.id,
                "email": "carla@acme.example.com",
                "phone": "+34 600 000 000",
            }
        )
        cls.stage_new = cls.env.ref("helpdesk_itil.stage_new")
        cls.stage_progress = cls.env.ref("helpdesk_itil.stage_in_progress")
        cls.stage_pending = cls.env.ref("helpdesk_itil.stage_pending")
        cls.stage_resolved = cls.env.ref("helpdesk_itil.stage_resolved")
        cls.stage_closed = cls.env.ref("helpdesk_itil.stage_closed")
        cls.stage_cancelled = cls.env.ref("helpdesk_itil.stage_cancelled")
        cls.code_solved = cls.env.ref("helpdesk_itil.closure_solved")
        cls.type_incident = cls.env.ref("helpdesk_itil.type_incident")

    @classmethod
    def create_ticket(cls, **values):
        values.setdefault("name", "Laptop does not boot")
        values.setdefault("team_id", cls.team_a.id)
        return cls.env["helpdesk.ticket"].create(values)

    def flush_tracking(self):
        """Tracking values are written when the transaction commits: force them now."""
        self.env.flush_all()
        self.env.cr.flush()
        self.env.invalidate_all()

    def run_cron(self, code=None, when=None):
        """Run the helpdesk's scheduled action as Odoo does (its own transaction, committing
        through ``ir.cron._commit_progress``), at `when` if given; `code`: a scheduled action
        of helpdesk.ticket running that code instead (e.g. one timer with small batches)."""
        cron = self.env.ref(LIFECYCLE_CRON)
        if code:
            cron = cron.copy({"name": f"Test: {code}", "code": code, "active": False})
        with freeze_time(when) if when else nullcontext(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def resolve(self, ticket, stage=None):
        ticket.write(
            {
                "stage_id": (stage or self.stage_resolved).id,
                "resolution_note": "<p>Reseated the RAM module; boots fine.</p>",
                "closure_code_id": self.code_solved.id,
            }
        )


class HelpdeskCommon(HelpdeskFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_helpdesk_fixtures()


class HelpdeskHttpCommon(HelpdeskFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_helpdesk_fixtures()


class HelpdeskPortalFixtures(HelpdeskFixtures):
    """Customers with portal accounts: Carla and Dan work for Acme, Bob for Globex."""

    @classmethod
    def setup_portal_fixtures(cls):
        cls.setup_helpdesk_fixtures()
        cls.contact.email = "carla@acme.example.com"
        cls.contact_dan = cls.env["res.partner"].create(
            {"name": "Dan Acme", "parent_id": cls.customer.id, "email": "dan@acme.example.com"}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})
        cls.contact_bob = cls.env["res.partner"].create(
            {"name": "Bob Globex", "parent_id": cls.globex.id, "email": "bob@globex.example.com"}
        )
        cls.portal_carla = new_test_user(
            cls.env, login="portal_carla", groups="base.group_portal", partner_id=cls.contact.id, name="Carla Contact"
        )
        cls.portal_dan = new_test_user(
            cls.env, login="portal_dan", groups="base.group_portal", partner_id=cls.contact_dan.id, name="Dan Acme"
        )
        cls.portal_bob = new_test_user(
            cls.env, login="portal_bob", groups="base.group_portal", partner_id=cls.contact_bob.id, name="Bob Globex"
        )
        cls.team_a.write({"auto_close_days": 5, "use_rating": True})
        cls.team_b.write({"auto_close_days": 5, "use_rating": True})
        cls.ticket_carla = cls.create_ticket(
            name="Carla's printer is offline", partner_id=cls.contact.id, user_id=cls.user_a.id
        )
        cls.ticket_bob = cls.create_ticket(name="Bob's VPN drops", partner_id=cls.contact_bob.id, team_id=cls.team_b.id)

    def resolve_as_agent(self, ticket):
        ticket.with_user(self.agent).write(
            {
                "stage_id": self.stage_resolved.id,
                "resolution_note": "<p>INTERNAL-RESOLUTION: replaced the toner sensor.</p>",
                "closure_code_id": self.code_solved.id,
            }
        )


class CommittedData:
    """What several workers do at once, on data committed through real cursors.

    ``worker()`` opens a transaction of its own (committed when the block ends, as a worker
    does); ``commit_records()`` creates records in one and removes them after the test, with
    what was made on them (escalation logs, messages and SLA lines go with their tickets);
    ``remove_after()`` names more records to remove (e.g. tickets made by HTTP requests).
    """

    def setUp(self):
        super().setUp()
        self._committed = []
        self._remove_domains = []
        self.ids = {}
        self.addCleanup(self._remove_committed)

    @contextmanager
    def worker(self):
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def commit_records(self, create):
        """Run `create(env)` in a committed transaction; it returns {name: records}, kept in
        ``self.ids`` as {name: id} (single records) and removed, newest first, after the test."""
        with self.worker() as env:
            records = create(env)
        self._committed += [(record._name, record.ids) for record in records.values()]
        self.ids.update({name: record.id for name, record in records.items() if len(record) == 1})
        return self.ids

    def remove_after(self, model, domain):
        self._remove_domains.append((model, domain))

    def _remove_committed(self):
        with self.worker() as env:
            for model, domain in self._remove_domains:
                env[model].with_context(active_test=False).search(domain).unlink()
            tickets = [ticket_id for model, ids in self._committed if model == "helpdesk.ticket" for ticket_id in ids]
            env["helpdesk.escalation.log"].search([("ticket_id", "in", tickets)]).unlink()
            for model, ids in reversed(self._committed):
                env[model].browse(ids).exists().unlink()


class CommittedDataCase(CommittedData, TransactionCase):
    pass
