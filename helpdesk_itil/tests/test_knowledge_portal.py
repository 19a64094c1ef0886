import base64
import json
import re
from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import HelpdeskHttpCommon
from .common_knowledge import KnowledgeFixtures

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestKnowledgePortal(KnowledgeFixtures, HelpdeskHttpCommon):
    """The help pages, the suggestion JSON, RPC and attachments as portal and public
    visitors; deflection counted once per visit and apart per kind."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_knowledge_fixtures()
        cls.Visit = cls.env["helpdesk.article.visit"]
        Attachment = cls.env["ir.attachment"]
        values = {"name": "steps.txt", "res_model": "helpdesk.article"}
        cls.att_internal = Attachment.create(
            dict(values, res_id=cls.article_internal.id, datas=base64.b64encode(b"internal secret"))
        )
        cls.att_public = Attachment.create(
            dict(values, res_id=cls.article_public.id, datas=base64.b64encode(b"public steps"))
        )

    def suggest(self, query):
        response = self.url_open(f"/help/suggest?q={query}")
        self.assertEqual(response.status_code, 200)
        return {item["id"] for item in response.json()}

    # ------------------------------------------------------------
    # Guards: pages, search, suggestions, RPC, attachments
    # ------------------------------------------------------------

    def test_public_visitor_sees_public_articles_only(self):
        page = self.url_open("/help?search=vpn").text
        self.assertIn(self.article_public.name, page)
        for article in (self.article_portal, self.article_internal, self.article_draft):
            self.assertNotIn(article.name, page)
        self.assertEqual(self.suggest("vpn"), {self.article_public.id})
        self.assertEqual(self.url_open(f"/help/{self.article_public.id}").status_code, 200)
        for article in (self.article_portal, self.article_internal, self.article_draft):
            response = self.url_open(f"/help/{article.id}")
            self.assertEqual(response.status_code, 404, article.name)
            self.assertNotIn("restart the daemon", response.text)
        self.assertEqual(self.url_open("/help/999999").status_code, 404)
        # The portal's help page needs an account.
        response = self.url_open("/my/help", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))

    def test_portal_user_sees_published_portal_and_public_articles(self):
        self.authenticate("kb_portal", "kb_portal")
        page = self.url_open("/my/help?search=vpn").text
        self.assertIn(self.article_public.name, page)
        self.assertIn(self.article_portal.name, page)
        self.assertNotIn(self.article_internal.name, page)
        self.assertNotIn(self.article_draft.name, page)
        self.assertEqual(self.suggest("vpn"), {self.article_public.id, self.article_portal.id})
        self.assertEqual(self.url_open(f"/help/{self.article_portal.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/help/{self.article_internal.id}").status_code, 404)
        self.assertEqual(self.url_open(f"/help/{self.article_draft.id}").status_code, 404)

    def test_rpc_as_portal_user(self):
        self.authenticate("kb_portal", "kb_portal")

        def call(method, args, kwargs=None):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {"model": "helpdesk.article", "method": method, "args": args, "kwargs": kwargs or {}},
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            return response.json()

        found = call("search_read", [[]], {"fields": ["name", "body"]})["result"]
        self.assertEqual({r["id"] for r in found}, {self.article_public.id, self.article_portal.id})
        denied = call("read", [[self.article_internal.id], ["body"]])
        self.assertEqual(denied["error"]["data"]["name"], "odoo.exceptions.AccessError")
        denied = call("write", [[self.article_public.id], {"name": "Hacked"}])
        self.assertEqual(denied["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertEqual(self.article_public.name, "Reset your VPN password")

    def test_attachments(self):
        for login in (None, "kb_portal"):
            if login:
                self.authenticate(login, login)
            response = self.url_open(f"/web/content/{self.att_internal.id}?download=true")
            self.assertIn(response.status_code, (403, 404), login)
            self.assertNotIn(b"internal secret", response.content)
            # Another article's token does not open it either.
            page = self.url_open(f"/help/{self.article_public.id}").text
            token = re.search(r"access_token=([0-9a-f-]+)", page).group(1)
            response = self.url_open(f"/web/content/{self.att_internal.id}?access_token={token}&download=true")
            self.assertIn(response.status_code, (403, 404), login)
            # The article page hands out a working link for its own attachments.
            response = self.url_open(f"/web/content/{self.att_public.id}?access_token={token}&download=true")
            self.assertEqual(response.content, b"public steps", login)

    # ------------------------------------------------------------
    # Searches, counters, knowledge gaps
    # ------------------------------------------------------------

    def test_typo_tolerant_search_and_gaps(self):
        page = self.url_open("/help?search=resett+vpn+pasword").text
        self.assertIn(self.article_public.name, page)
        for _i in range(2):
            page = self.url_open("/help?search=Photocopier+toner").text
            self.assertIn("No article matches", page)
        gap = self.env["helpdesk.knowledge.gap"].search([("query", "=", "photocopier toner")])
        self.assertEqual(gap.search_count, 2)
        self.assertFalse(self.env["helpdesk.knowledge.gap"].search([("query", "ilike", "vpn")]))

    def test_views_and_votes_once_per_session(self):
        article = self.article_public
        for _i in range(3):
            page = self.url_open(f"/help/{article.id}").text
        csrf = CSRF_RE.search(page).group(1)
        for _i in range(2):
            self.url_open(f"/help/{article.id}/feedback", data={"helpful": "no", "csrf_token": csrf})
        article.invalidate_recordset()
        self.assertEqual((article.view_count, article.helpful_no_count, article.helpful_yes_count), (1, 1, 0))
        # Not a suggestion: no visit, no deflection.
        self.assertFalse(self.Visit.search([("article_id", "=", article.id)]))
        response = self.url_open(f"/help/{article.id}/feedback", data={"helpful": "maybe", "csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        response = self.url_open(
            f"/help/{self.article_internal.id}/feedback", data={"helpful": "yes", "csrf_token": csrf}
        )
        self.assertEqual(response.status_code, 404)
        self.article_internal.invalidate_recordset()
        self.assertEqual(self.article_internal.helpful_yes_count, 0)

    # ------------------------------------------------------------
    # Deflection
    # ------------------------------------------------------------

    def test_confirmed_deflection_counted_once(self):
        article = self.article_public
        url = f"/help/{article.id}?origin=suggestion"
        page = self.url_open(url).text
        self.url_open(url)
        visit = self.Visit.search([("article_id", "=", article.id)])
        self.assertEqual((len(visit), visit.deflection), (1, "pending"))
        self.assertIn("Yes, this solved my problem", page)
        csrf = CSRF_RE.search(page).group(1)
        for _i in range(2):
            response = self.url_open(
                f"/help/{article.id}/feedback", data={"helpful": "yes", "origin": "suggestion", "csrf_token": csrf}
            )
        self.assertIn("Glad it helped", response.text)
        visit.invalidate_recordset()
        self.assertEqual(visit.deflection, "confirmed")
        self.assertEqual(self.Visit.search_count([("deflection", "=", "confirmed")]), 1)
        article.invalidate_recordset()
        self.assertEqual(article.helpful_yes_count, 1)

    def test_ticket_after_a_suggestion_is_no_deflection(self):
        self.authenticate("kb_portal", "kb_portal")
        self.url_open(f"/help/{self.article_portal.id}?origin=suggestion")
        visit = self.Visit.search([("article_id", "=", self.article_portal.id)])
        self.assertEqual(visit.partner_id, self.portal_kb.partner_id)
        page = self.url_open("/my/tickets/new?category_id=0").text
        self.assertIn("o_helpdesk_article_suggestions", page)
        csrf = CSRF_RE.search(page).group(1)
        response = self.url_open(
            "/my/tickets/new",
            data={
                "name": "VPN client still fails",
                "description": "The profile import fails.",
                "category_id": "0",
                "csrf_token": csrf,
            },
        )
        self.assertEqual(response.status_code, 200)
        ticket = self.env["helpdesk.ticket"].search([("name", "=", "VPN client still fails")])
        self.assertTrue(ticket)
        visit.invalidate_recordset()
        self.assertEqual((visit.deflection, visit.ticket_id), ("ticket", ticket))

    def test_inferred_deflection_by_cron(self):
        now = fields.Datetime.now()
        contact = self.portal_kb.partner_id
        Visit = self.Visit.sudo()
        quiet = Visit.create(
            {
                "article_id": self.article_public.id,
                "visitor_key": "a",
                "partner_id": contact.id,
                "date_opened": now - timedelta(minutes=90),
            }
        )
        mailed = Visit.create(
            {
                "article_id": self.article_portal.id,
                "visitor_key": "a",
                "partner_id": contact.id,
                "date_opened": now - timedelta(minutes=40),
            }
        )
        recent = Visit.create({"article_id": self.article_public.id, "visitor_key": "b", "date_opened": now})
        anonymous = Visit.create(
            {"article_id": self.article_portal.id, "visitor_key": "c", "date_opened": now - timedelta(hours=2)}
        )
        confirmed = Visit.create(
            {
                "article_id": self.article_portal.id,
                "visitor_key": "d",
                "deflection": "confirmed",
                "date_opened": now - timedelta(hours=2),
            }
        )
        # The contact emailed a ticket 10 minutes after opening the second article.
        with freeze_time(now - timedelta(minutes=30)):
            ticket = self.create_ticket(name="VPN profile", partner_id=contact.id)
            self.env.flush_all()
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", (now - timedelta(minutes=30), ticket.id)
        )
        ticket.invalidate_recordset()
        cron = self.env.ref("helpdesk_itil.ir_cron_helpdesk_article_deflection")
        for _run in range(2):
            with self.enter_registry_test_mode():
                cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(
            [quiet.deflection, mailed.deflection, recent.deflection, anonymous.deflection, confirmed.deflection],
            ["inferred", "ticket", "pending", "inferred", "confirmed"],
        )
        self.assertEqual(mailed.ticket_id, ticket)
        # Reported apart per kind.
        groups = dict(Visit._read_group([], ["deflection"], ["__count"]))
        self.assertEqual(groups, {"inferred": 2, "ticket": 1, "pending": 1, "confirmed": 1})
