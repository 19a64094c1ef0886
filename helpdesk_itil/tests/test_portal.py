import json
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.helpdesk_itil.models.helpdesk_ticket import HelpdeskTicket
from odoo.addons.portal.controllers.portal import CustomerPortal

from .common import HelpdeskPortalFixtures


class PortalHttpCommon(HelpdeskPortalFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_portal_fixtures()
        cls.secret_tag = cls.env["helpdesk.tag"].create({"name": "SECRET-TAG"})
        cls.ticket_carla.write({"tag_ids": [(4, cls.secret_tag.id)], "impact": "high"})
        cls.note = cls.ticket_carla.with_user(cls.user_a).message_post(
            body="SECRET-INTERNAL-NOTE: customer is on a payment hold",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        cls.reply = cls.ticket_carla.with_user(cls.user_a).message_post(
            body="Public answer: we are looking at your printer",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        bob_message = cls.ticket_bob.with_user(cls.user_b).message_post(
            body="Log for Bob",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("bob-log.txt", b"BOB-PRIVATE-CONTENT")],
        )
        cls.bob_attachment = bob_message.attachment_ids
        cls.secret_code = cls.env["helpdesk.closure.code"].create({"name": "SECRET-CLOSURE-CODE", "code": "secret"})

    # helpers

    def get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=False, **kwargs)

    def post(self, url, **data):
        data.setdefault("csrf_token", http.Request.csrf_token(self))
        return self.url_open(url, data=data, allow_redirects=False)

    def assertRedirects(self, response, path, **query):
        self.assertIn(response.status_code, (302, 303), response.text[:300])
        location = urlparse(response.headers["Location"])
        self.assertEqual(location.path, path)
        params = parse_qs(location.query)
        for key, value in query.items():
            self.assertEqual(params.get(key), [value], location.query)

    def resolve(self, ticket):
        self.resolve_as_agent(ticket)
        if self.secret_code:
            ticket.with_user(self.agent).closure_code_id = self.secret_code

    def close(self, ticket):
        self.resolve(ticket)
        ticket.with_user(self.agent).stage_id = self.stage_closed

    def rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    @staticmethod
    def find_attachment_token(data, attachment_id):
        """The access token the portal conversation gives for an attachment."""
        if isinstance(data, dict):
            if data.get("id") == attachment_id and ("raw_access_token" in data or "access_token" in data):
                return data.get("raw_access_token") or data.get("access_token")
            data = list(data.values())
        if isinstance(data, list):
            for item in data:
                if token := PortalHttpCommon.find_attachment_token(item, attachment_id):
                    return token
        return None

    def chatter_fetch(self, ticket, **params):
        return self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {"thread_model": "helpdesk.ticket", "thread_id": ticket.id, "fetch_params": {}, **params},
        )


@tagged("post_install", "-at_install")
class TestPortalTicketList(PortalHttpCommon):
    def test_home_shows_tickets_with_counts(self):
        self.create_ticket(name="Waiting one", partner_id=self.contact.id, stage_id=self.stage_pending.id)
        resolved = self.create_ticket(name="Resolved one", partner_id=self.contact.id)
        self.resolve(resolved)
        self.authenticate("portal_carla", "portal_carla")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/tickets"', home.text)
        self.assertIn("helpdesk_ticket_count", home.text)
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {
                "counters": [
                    "helpdesk_ticket_count",
                    "helpdesk_ticket_waiting_count",
                    "helpdesk_ticket_to_confirm_count",
                ]
            },
        )
        self.assertEqual(counters["helpdesk_ticket_count"], 3)
        self.assertEqual(counters["helpdesk_ticket_waiting_count"], 1)
        self.assertEqual(counters["helpdesk_ticket_to_confirm_count"], 1)
        self.authenticate("portal_bob", "portal_bob")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["helpdesk_ticket_count"]})
        self.assertEqual(counters["helpdesk_ticket_count"], 1)

    def test_list_shows_own_tickets_only(self):
        self.create_ticket(name="Dan's laptop", partner_id=self.contact_dan.id)
        self.authenticate("portal_carla", "portal_carla")
        page = self.url_open("/my/tickets")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Carla&#39;s printer is offline", page.text)
        self.assertIn(self.ticket_carla.reference, page.text)
        self.assertNotIn("Bob&#39;s VPN drops", page.text)
        self.assertNotIn("Dan&#39;s laptop", page.text)
        self.assertNotIn("SECRET-TAG", page.text)

    def test_company_visibility_follows_team_setting(self):
        ticket_dan = self.create_ticket(name="Dan's laptop", partner_id=self.contact_dan.id)
        dan_in_team_b = self.create_ticket(name="Dan's VPN", partner_id=self.contact_dan.id, team_id=self.team_b.id)
        self.authenticate("portal_carla", "portal_carla")
        self.assertRedirects(self.get(f"/my/tickets/{ticket_dan.id}"), "/my")

        self.team_a.portal_company_visibility = True
        page = self.url_open("/my/tickets")
        self.assertIn("Dan&#39;s laptop", page.text)
        self.assertNotIn("Dan&#39;s VPN", page.text, "team B keeps tickets private")
        self.assertNotIn("Bob&#39;s VPN drops", page.text, "another company")
        self.assertEqual(self.get(f"/my/tickets/{ticket_dan.id}").status_code, 200)
        self.assertRedirects(self.get(f"/my/tickets/{dan_in_team_b.id}"), "/my")
        # A colleague reads and may reply, but answering for Dan is Dan's business.
        self.resolve(ticket_dan)
        response = self.post(f"/my/tickets/{ticket_dan.id}/confirm")
        self.assertRedirects(response, f"/my/tickets/{ticket_dan.id}", error="not_allowed")
        self.assertEqual(ticket_dan.state, "resolved")

        self.team_a.portal_company_visibility = False
        self.assertNotIn("Dan&#39;s laptop", self.url_open("/my/tickets").text)
        self.assertRedirects(self.get(f"/my/tickets/{ticket_dan.id}"), "/my")

    def test_filters_search_sort_group_and_pages(self):
        waiting = self.create_ticket(name="Alpha waiting", partner_id=self.contact.id, stage_id=self.stage_pending.id)
        resolved = self.create_ticket(name="Beta resolved", partner_id=self.contact.id)
        self.resolve(resolved)
        closed = self.create_ticket(name="Gamma closed", partner_id=self.contact.id, team_id=self.team_b.id)
        self.close(closed)
        self.authenticate("portal_carla", "portal_carla")

        def names(**params):
            page = self.url_open("/my/tickets", params=params)
            self.assertEqual(page.status_code, 200)
            return [
                name
                for name in ("Carla&#39;s printer is offline", "Alpha waiting", "Beta resolved", "Gamma closed")
                if name in page.text
            ]

        self.assertEqual(len(names()), 4)
        self.assertEqual(names(filterby="open"), ["Carla&#39;s printer is offline", "Alpha waiting"])
        self.assertEqual(names(filterby="waiting"), ["Alpha waiting"])
        self.assertEqual(names(filterby="resolved"), ["Beta resolved"])
        self.assertEqual(names(filterby="closed"), ["Gamma closed"])
        self.assertEqual(names(search=waiting.reference), ["Alpha waiting"])
        self.assertEqual(names(search="beta", search_in="name"), ["Beta resolved"])
        self.assertEqual(names(search="beta", search_in="reference"), [])
        # Unknown values fall back to the defaults.
        self.assertEqual(len(names(sortby="nope", filterby="nope", groupby="nope", search_in="nope")), 4)

        text = self.url_open("/my/tickets", params={"sortby": "name"}).text
        positions = [
            text.index(name) for name in ("Alpha waiting", "Beta resolved", "Carla&#39;s printer", "Gamma closed")
        ]
        self.assertEqual(positions, sorted(positions))

        grouped = self.url_open("/my/tickets", params={"groupby": "stage"}).text
        self.assertEqual(grouped.count("o_helpdesk_ticket_group"), 4)
        self.assertIn("Waiting for Customer", grouped)
        grouped = self.url_open("/my/tickets", params={"groupby": "team"}).text
        self.assertEqual(grouped.count("o_helpdesk_ticket_group"), 2)

        with patch.object(CustomerPortal, "_items_per_page", 3):
            first = self.url_open("/my/tickets").text
            self.assertEqual(first.count("o_helpdesk_portal_ticket_row"), 3)
            self.assertIn("/my/tickets/page/2", first)
            second = self.url_open("/my/tickets/page/2").text
            self.assertEqual(second.count("o_helpdesk_portal_ticket_row"), 1)

    def test_public_user_gets_the_login_page(self):
        self.authenticate(None, None)
        for url in ("/my/tickets", "/my/tickets/page/2"):
            response = self.get(url)
            self.assertEqual(response.status_code, 303)
            self.assertTrue(
                urlparse(response.headers["Location"]).path.startswith("/web/login"), response.headers["Location"]
            )
        # A ticket without a token sends them to /my, which asks them to log in.
        response = self.url_open(f"/my/tickets/{self.ticket_carla.id}")
        self.assertEqual(urlparse(response.url).path, "/web/login")
        self.assertNotIn("Carla&#39;s printer", response.text)

    def test_employee_without_helpdesk_rights_sees_nothing(self):
        self.authenticate("hd_portal", "hd_portal")  # a portal user with no ticket at all
        page = self.url_open("/my/tickets")
        self.assertEqual(page.status_code, 200)
        self.assertIn("You have no tickets yet", page.text)


@tagged("post_install", "-at_install")
class TestPortalTicketPage(PortalHttpCommon):
    def test_page_shows_public_information_only(self):
        self.authenticate("portal_carla", "portal_carla")
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}")
        self.assertEqual(page.status_code, 200)
        text = page.text
        for expected in (
            self.ticket_carla.reference,
            "Carla&#39;s printer is offline",
            "New",
            "P2 High",
            "Team A",
            "Ana (team A)",
            'id="discussion"',
            "Followers",
        ):
            self.assertIn(expected, text)
        for secret in ("SECRET-INTERNAL-NOTE", "SECRET-TAG", "INTERNAL-RESOLUTION", "SECRET-CLOSURE-CODE"):
            self.assertNotIn(secret, text)
        self.assertNotIn("We aim to resolve", text, "no SLA line, no promise")

    def test_resolved_page_hides_resolution_internals(self):
        self.resolve(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        text = self.url_open(f"/my/tickets/{self.ticket_carla.id}").text
        self.assertIn("Is your problem solved?", text)
        self.assertIn(f'action="/my/tickets/{self.ticket_carla.id}/confirm"', text)
        self.assertIn(f'action="/my/tickets/{self.ticket_carla.id}/reject"', text)
        self.assertNotIn("INTERNAL-RESOLUTION", text)
        self.assertNotIn("SECRET-CLOSURE-CODE", text)

    def test_sla_promise(self):
        """The page shows the customer's resolution promise: the earliest running SLA (not
        OLA) resolution deadline of an open ticket."""
        Policy = self.env["helpdesk.sla.policy"]
        Policy.create({"name": "Resolve in 16h", "target_hours": 16, "team_ids": self.team_a.ids, "sequence": -5})
        Policy.create(
            {"name": "Internal 2h", "kind": "ola", "target_hours": 2, "team_ids": self.team_a.ids, "sequence": -5}
        )
        with freeze_time("2030-05-06 09:00:00"):
            ticket = self.create_ticket(name="Promised", partner_id=self.contact.id)
        deadline = ticket._portal_sla_promise()
        self.assertEqual(deadline, ticket.sla_ids.filtered(lambda line: line.kind == "sla").deadline)
        self.assertGreater(deadline, ticket.sla_ids.filtered(lambda line: line.kind == "ola").deadline)
        self.authenticate("portal_carla", "portal_carla")
        text = self.url_open(f"/my/tickets/{ticket.id}").text
        self.assertIn("We aim to resolve this by", text)
        self.assertIn("May", text)
        self.assertNotIn("We aim to resolve this by", self.url_open(f"/my/tickets/{self.ticket_carla.id}").text)
        self.resolve(ticket)
        self.assertFalse(ticket._portal_sla_promise(), "no promise once resolved")

    def test_conversation_has_no_internal_notes(self):
        self.authenticate("portal_carla", "portal_carla")
        result = json.dumps(self.chatter_fetch(self.ticket_carla))
        self.assertIn("Public answer", result)
        self.assertNotIn("SECRET-INTERNAL-NOTE", result)
        # Through the share link too.
        self.authenticate(None, None)
        result = json.dumps(self.chatter_fetch(self.ticket_carla, token=self.ticket_carla._portal_ensure_token()))
        self.assertIn("Public answer", result)
        self.assertNotIn("SECRET-INTERNAL-NOTE", result)

    def test_foreign_unknown_and_huge_ids_redirect_to_my(self):
        self.authenticate("portal_carla", "portal_carla")
        missing = self.create_ticket(name="deleted")
        missing_id = missing.id
        missing.unlink()
        for ticket_id in (self.ticket_bob.id, missing_id, 0, 2**31, 10**15):
            response = self.get(f"/my/tickets/{ticket_id}")
            self.assertRedirects(response, "/my")
        response = self.get(f"/my/tickets/{self.ticket_bob.id}")
        self.assertNotIn("Bob&#39;s VPN", response.text)

    def test_share_link_token(self):
        token = self.ticket_carla._portal_ensure_token()
        self.authenticate(None, None)
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}", params={"access_token": token})
        self.assertEqual(page.status_code, 200)
        self.assertIn("Carla&#39;s printer is offline", page.text)
        self.assertNotIn("SECRET-INTERNAL-NOTE", page.text)
        # Wrong token, another ticket's token, guessed token: back to /my (login).
        for other in ("0" * 36, "", self.ticket_bob._portal_ensure_token(), token[:-1]):
            self.assertRedirects(self.get(f"/my/tickets/{self.ticket_carla.id}", params={"access_token": other}), "/my")
        # A token of ticket A does not open ticket B.
        self.assertRedirects(self.get(f"/my/tickets/{self.ticket_bob.id}", params={"access_token": token}), "/my")
        # Expired: a new token replaces the old one.
        self.ticket_carla.access_token = False
        self.ticket_carla._portal_ensure_token()
        self.assertRedirects(self.get(f"/my/tickets/{self.ticket_carla.id}", params={"access_token": token}), "/my")
        # Logged in as someone else with the right token: allowed, like any share link.
        self.authenticate("portal_bob", "portal_bob")
        page = self.get(f"/my/tickets/{self.ticket_carla.id}", params={"access_token": self.ticket_carla.access_token})
        self.assertEqual(page.status_code, 200)


@tagged("post_install", "-at_install")
class TestPortalRpc(PortalHttpCommon):
    """Portal users can call the ORM over RPC with their session: the record rules and
    the field whitelist hold there too."""

    @mute_logger("odoo.http")
    def test_call_kw_respects_rules_and_field_whitelist(self):
        self.authenticate("portal_carla", "portal_carla")
        rows = self.rpc("helpdesk.ticket", "search_read", [], fields=["reference", "name"])
        self.assertEqual([row["name"] for row in rows], ["Carla's printer is offline"])
        rows = self.rpc("helpdesk.ticket", "search_read", [])
        self.assertEqual(len(rows), 1)
        for internal in (
            "resolution_note",
            "closure_code_id",
            "impact",
            "tag_ids",
            "priority_overridden",
            "reopen_count",
            "access_token",
            "message_ids",
        ):
            self.assertNotIn(internal, rows[0])
        for fields in (["resolution_note"], ["tag_ids"], ["impact"], ["access_token"]):
            with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self.rpc("helpdesk.ticket", "read", [self.ticket_carla.id], fields)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket", "read", [self.ticket_bob.id], ["name"])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket", "search_read", [("resolution_note", "ilike", "toner")], fields=["name"])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("helpdesk.ticket", "write", [self.ticket_carla.id], {"name": "hijacked"})
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.rpc("mail.message", "read", [self.note.id], ["body"])
        self.assertEqual(self.ticket_carla.name, "Carla's printer is offline")

    @mute_logger("odoo.http")
    def test_json2_with_portal_api_key(self):
        # Portal users cannot create API keys…
        with self.assertRaisesRegex(AccessError, "Only internal users can create API keys"):
            self.env["res.users.apikeys.description"].with_user(self.portal_carla).check_access_make_key()
        # …and even with one (made for them), JSON-2 applies the same rules.
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.portal_carla)
            ._generate(scope="rpc", name="test", expiration_date=datetime.now() + timedelta(days=1))
        )
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        def json2(method, payload):
            return self.url_open(f"/json/2/helpdesk.ticket/{method}", data=json.dumps(payload), headers=headers)

        response = json2("search_read", {"domain": [], "fields": ["name"]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([row["name"] for row in response.json()], ["Carla's printer is offline"])
        response = json2("read", {"ids": [self.ticket_bob.id], "fields": ["name"]})
        self.assertEqual(response.status_code, 403, response.text)
        self.assertNotIn("Bob's VPN", response.text)
        response = json2("read", {"ids": [self.ticket_carla.id], "fields": ["resolution_note"]})
        self.assertEqual(response.status_code, 403, response.text)
        response = json2("write", {"ids": [self.ticket_carla.id], "vals": {"name": "hijacked"}})
        self.assertEqual(response.status_code, 403, response.text)
        # Without a key: 401.
        response = self.url_open(
            "/json/2/helpdesk.ticket/search_read",
            data=json.dumps({"domain": []}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 401)


@tagged("post_install", "-at_install")
class TestPortalConversation(PortalHttpCommon):
    def post_message(self, ticket, **post_data):
        post_data.setdefault("message_type", "comment")
        post_data.setdefault("subtype_xmlid", "mail.mt_comment")
        return self.make_jsonrpc_request(
            "/mail/message/post",
            {"thread_model": "helpdesk.ticket", "thread_id": ticket.id, "post_data": post_data},
        )

    def upload(self, ticket, name, content, **data):
        return self.url_open(
            "/mail/attachment/upload",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "thread_id": ticket.id,
                "thread_model": "helpdesk.ticket",
                "is_pending": "true",
                **data,
            },
            files={"ufile": (name, content, "text/plain")},
        )

    def test_reply_with_attachment(self):
        self.authenticate("portal_carla", "portal_carla")
        response = self.upload(self.ticket_carla, "printer-status.txt", b"Toner: 3%")
        self.assertEqual(response.status_code, 200)
        data = response.json()["data"]
        attachment = next(a for a in data["store_data"]["ir.attachment"] if a["id"] == data["attachment_id"])
        result = self.post_message(
            self.ticket_carla,
            body="The status page says toner 3%",
            attachment_ids=[attachment["id"]],
            attachment_tokens=[attachment["ownership_token"]],
        )
        message = self.env["mail.message"].browse(result["message_id"])
        self.assertEqual(message.author_id, self.contact)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(message.attachment_ids.name, "printer-status.txt")
        self.assertEqual(
            (message.attachment_ids.res_model, message.attachment_ids.res_id), ("helpdesk.ticket", self.ticket_carla.id)
        )
        self.assertIn("toner 3%", json.dumps(self.chatter_fetch(self.ticket_carla)))
        # Bob can neither download it nor guess it.
        self.authenticate("portal_bob", "portal_bob")
        for url in (
            f"/web/content/{message.attachment_ids.id}",
            f"/web/content/{message.attachment_ids.id}?access_token=x",
        ):
            self.assertIn(self.get(url).status_code, (403, 404))

    @mute_logger("odoo.http")
    def test_empty_reply_is_refused(self):
        self.authenticate("portal_carla", "portal_carla")
        count = len(self.ticket_carla.message_ids)
        for body in ("", "<p><br></p>", "   "):
            with self.assertRaisesRegex(JsonRpcException, "UserError"):
                self.post_message(self.ticket_carla, body=body)
        self.ticket_carla.invalidate_recordset()
        self.assertEqual(len(self.ticket_carla.message_ids), count)

    def test_rating_cannot_be_slipped_into_a_reply(self):
        self.authenticate("portal_carla", "portal_carla")
        self.post_message(self.ticket_carla, body="Great!", rating_value=5)
        self.assertFalse(
            self.env["rating.rating"].search(
                [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", self.ticket_carla.id)]
            )
        )

    @mute_logger("odoo.http")
    def test_no_reply_upload_or_download_on_foreign_ticket(self):
        self.authenticate("portal_carla", "portal_carla")
        count = len(self.ticket_bob.message_ids)
        with self.assertRaisesRegex(JsonRpcException, "NotFound"):
            self.post_message(self.ticket_bob, body="Injected into Bob's ticket")
        with self.assertRaisesRegex(JsonRpcException, "NotFound"):
            self.post_message(self.ticket_bob, body="with a guessed token", token="0" * 36)
        self.assertEqual(self.upload(self.ticket_bob, "evil.txt", b"x").status_code, 404)
        self.assertEqual(self.upload(self.ticket_bob, "evil.txt", b"x", token="0" * 36).status_code, 404)
        result = self.chatter_fetch(self.ticket_bob)
        self.assertEqual(result["messages"], [])
        self.assertNotIn("Log for Bob", json.dumps(result))
        with self.assertRaisesRegex(JsonRpcException, "NotFound"):
            self.chatter_fetch(self.ticket_bob, token="0" * 36)
        for url in (
            f"/web/content/{self.bob_attachment.id}",
            f"/web/content/{self.bob_attachment.id}?download=true",
            f"/web/content/{self.bob_attachment.id}?access_token=wrong",
            f"/web/content/ir.attachment/{self.bob_attachment.id}/datas",
        ):
            response = self.get(url)
            self.assertIn(response.status_code, (403, 404), url)
            self.assertNotIn(b"BOB-PRIVATE-CONTENT", response.content)
        # /web/image answers with a placeholder picture, never the file.
        self.assertNotIn(b"BOB-PRIVATE-CONTENT", self.get(f"/web/image/{self.bob_attachment.id}").content)
        self.ticket_bob.invalidate_recordset()
        self.assertEqual(len(self.ticket_bob.message_ids), count)
        # Bob himself downloads it with the token his conversation hands out.
        self.authenticate("portal_bob", "portal_bob")
        bob_token = self.find_attachment_token(self.chatter_fetch(self.ticket_bob), self.bob_attachment.id)
        self.assertTrue(bob_token)
        response = self.get(f"/web/content/{self.bob_attachment.id}?access_token={bob_token}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"BOB-PRIVATE-CONTENT")

    def test_attachment_size_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("helpdesk_itil.attachment_max_mb", "1")
        before = self.env["ir.attachment"].search_count([])
        self.authenticate("portal_carla", "portal_carla")
        self.assertIn("up to 1 MB each", self.url_open(f"/my/tickets/{self.ticket_carla.id}").text)
        response = self.upload(self.ticket_carla, "huge.log", b"x" * (1024 * 1024 + 1))
        self.assertEqual(response.status_code, 200)
        self.assertIn("is too large", response.json()["error"])
        self.assertIn("1 MB at most", response.json()["error"])
        self.assertEqual(self.env["ir.attachment"].search_count([]), before)
        self.assertEqual(self.upload(self.ticket_carla, "small.log", b"x" * 1024).status_code, 200)
        self.assertIn("attachment_id", self.upload(self.ticket_carla, "small.log", b"x" * 1024).json()["data"])
        # Also through a share link; agents are not limited.
        self.authenticate(None, None)
        response = self.upload(
            self.ticket_carla, "huge.log", b"x" * (2 * 1024 * 1024), token=self.ticket_carla._portal_ensure_token()
        )
        self.assertIn("is too large", response.json()["error"])
        self.authenticate("hd_agent", "hd_agent")
        response = self.upload(self.ticket_carla, "huge.log", b"x" * (2 * 1024 * 1024))
        self.assertIn("attachment_id", response.json()["data"])
        # A fraction of a MB is a valid limit, shown as it is.
        self.env["ir.config_parameter"].sudo().set_param("helpdesk_itil.attachment_max_mb", "0.5")
        self.authenticate("portal_carla", "portal_carla")
        self.assertIn("up to 0.5 MB each", self.url_open(f"/my/tickets/{self.ticket_carla.id}").text)
        response = self.upload(self.ticket_carla, "half.log", b"x" * (600 * 1024))
        self.assertIn("0.5 MB at most", response.json()["error"])


@tagged("post_install", "-at_install")
class TestPortalActions(PortalHttpCommon):
    """The state-changing routes: POST with CSRF, access to that ticket, bad input."""

    ROUTES = ("confirm", "reject", "close", "rate")

    @mute_logger("odoo.http")
    def test_routes_are_post_with_csrf_only(self):
        self.resolve(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        for route in self.ROUTES:
            url = f"/my/tickets/{self.ticket_carla.id}/{route}"
            self.assertEqual(self.get(url).status_code, 405, url)
            response = self.url_open(url, data={"comment": "x", "reason": "x", "rate": "5"}, allow_redirects=False)
            self.assertEqual(response.status_code, 400, url)
            response = self.post(url, csrf_token="forged", comment="x", reason="x", rate="5")
            self.assertEqual(response.status_code, 400, url)
        self.assertEqual(self.ticket_carla.state, "resolved")

    def test_foreign_unknown_ids_and_wrong_tokens(self):
        self.resolve(self.ticket_bob)
        self.authenticate("portal_carla", "portal_carla")
        for route in self.ROUTES:
            for ticket_id in (self.ticket_bob.id, 999999999, 2**31 + 5):
                response = self.post(f"/my/tickets/{ticket_id}/{route}", comment="x", reason="x", rate="5")
                self.assertRedirects(response, "/my")
        self.authenticate(None, None)
        for route in self.ROUTES:
            for token in ("", "0" * 36, self.ticket_carla._portal_ensure_token()):
                response = self.post(
                    f"/my/tickets/{self.ticket_bob.id}/{route}", access_token=token, comment="x", reason="x", rate="5"
                )
                self.assertRedirects(response, "/my")
        self.assertEqual(self.ticket_bob.state, "resolved")
        self.assertEqual(self.ticket_bob.reopen_count, 0)
        self.assertFalse(self.ticket_bob.rating_ids.filtered("consumed"))

    def test_confirm(self):
        self.resolve(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/confirm")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", message="confirmed")
        self.assertEqual(self.ticket_carla.state, "closed")
        self.assertEqual(self.ticket_carla.customer_confirmation, "confirmed")
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("your ticket is now closed", page)
        self.assertIn("How did we do?", page)
        self.assertNotIn("Is your problem solved?", page)
        # Twice: the ticket is not waiting any more.
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/confirm")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="wrong_state")

    def test_confirm_with_share_link_answers_as_the_customer(self):
        self.resolve(self.ticket_bob)
        token = self.ticket_bob._portal_ensure_token()
        self.authenticate(None, None)
        page = self.url_open(f"/my/tickets/{self.ticket_bob.id}", params={"access_token": token})
        self.assertIn(f'name="access_token" value="{token}"', page.text)
        response = self.post(f"/my/tickets/{self.ticket_bob.id}/confirm", access_token=token)
        self.assertRedirects(response, f"/my/tickets/{self.ticket_bob.id}", message="confirmed", access_token=token)
        self.assertEqual(self.ticket_bob.customer_confirmation, "confirmed")
        answer = self.ticket_bob.message_ids.filtered(lambda m: "the problem is solved" in (m.body or ""))
        self.assertEqual(answer.author_id, self.contact_bob)

    def test_reject(self):
        self.resolve(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/reject", comment="   ")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="comment_required")
        self.assertIn("the comment is required", self.url_open(response.headers["Location"]).text)
        self.assertEqual(self.ticket_carla.state, "resolved")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/reject")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="comment_required")

        response = self.post(f"/my/tickets/{self.ticket_carla.id}/reject", comment="Still blinking red.")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", message="rejected")
        self.assertEqual(self.ticket_carla.state, "in_progress")
        self.assertEqual(self.ticket_carla.reopen_count, 1)
        self.assertEqual(self.ticket_carla.customer_confirmation, "rejected")
        comment = self.ticket_carla.message_ids.filtered(lambda m: "Still blinking red." in (m.body or ""))
        self.assertEqual(comment.author_id, self.contact)
        self.assertEqual(comment.subtype_id, self.env.ref("mail.mt_comment"))
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/reject", comment="again")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="wrong_state")

    def test_close(self):
        self.authenticate("portal_carla", "portal_carla")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/close", reason="")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="reason_required")
        self.assertEqual(self.ticket_carla.state, "new")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/close", reason="Bought a new printer.")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", message="cancelled")
        self.assertEqual(self.ticket_carla.state, "cancelled")
        self.assertEqual(self.ticket_carla.closure_code_id.code, "cancelled_by_customer")
        self.assertIn("Bought a new printer.", self.ticket_carla.resolution_note)
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/close", reason="again")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="wrong_state")

    def test_rate(self):
        self.authenticate("portal_carla", "portal_carla")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/rate", rate="5")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="wrong_state")
        self.close(self.ticket_carla)
        for bad in ("", "4", "10", "five"):
            response = self.post(f"/my/tickets/{self.ticket_carla.id}/rate", rate=bad)
            self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="rate_invalid")
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/rate", rate="5", feedback="Spot on")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", message="rated")
        rating = self.ticket_carla.rating_ids.filtered("consumed")
        self.assertEqual((rating.rating, rating.feedback, rating.partner_id), (5, "Spot on", self.contact))
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}").text
        self.assertIn("Your rating", page)
        self.assertIn("Spot on", page)
        self.assertNotIn("How did we do?", page)
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/rate", rate="1")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="already_rated")
        self.assertEqual(rating.rating, 5)
        # The team and the assignee see it.
        self.team_a.invalidate_recordset()
        self.assertEqual((self.team_a.rating_count, self.team_a.rating_avg), (1, 5))
        self.assertEqual(rating.rated_partner_id, self.user_a.partner_id)

    def test_rate_not_offered_when_team_does_not_rate(self):
        self.team_a.use_rating = False
        self.close(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        self.assertNotIn("How did we do?", self.url_open(f"/my/tickets/{self.ticket_carla.id}").text)
        response = self.post(f"/my/tickets/{self.ticket_carla.id}/rate", rate="5")
        self.assertRedirects(response, f"/my/tickets/{self.ticket_carla.id}", error="wrong_state")

    def test_page_and_routes_ask_the_ticket(self):
        """The buttons and the routes follow the ticket's predicates: when one says no,
        its button is gone and its route refuses, whatever the state."""
        self.resolve(self.ticket_carla)
        self.authenticate("portal_carla", "portal_carla")
        url = f"/my/tickets/{self.ticket_carla.id}"
        page = self.url_open(url).text
        for button in ('name="confirm"', 'name="open_reject"', 'name="open_close"'):
            self.assertIn(button, page)
        cases = [
            ("_portal_can_confirm", "confirm", 'name="confirm"', {}),
            ("_portal_can_reject", "reject", 'name="open_reject"', {"comment": "Still broken"}),
            ("_portal_can_cancel", "close", 'name="open_close"', {"reason": "Not needed"}),
        ]
        for predicate, route, button, data in cases:
            with self.subTest(predicate=predicate), patch.object(HelpdeskTicket, predicate, return_value=False):
                self.assertNotIn(button, self.url_open(url).text)
                self.assertRedirects(self.post(f"{url}/{route}", **data), url, error="wrong_state")
        with patch.object(HelpdeskTicket, "_portal_can_confirm", return_value=False):
            self.assertNotIn("Is your problem solved?", self.url_open(url).text)
        self.assertEqual(self.ticket_carla.state, "resolved")
        self.assertEqual(self.ticket_carla.customer_confirmation, "none")

        self.ticket_carla.with_user(self.agent).stage_id = self.stage_closed
        self.assertIn("How did we do?", self.url_open(url).text)
        with patch.object(HelpdeskTicket, "_portal_can_rate", return_value=False):
            self.assertNotIn("How did we do?", self.url_open(url).text)
            self.assertRedirects(self.post(f"{url}/rate", rate="5"), url, error="wrong_state")
        self.assertFalse(self.ticket_carla._portal_rating())

    def test_get_pages_change_nothing(self):
        self.resolve(self.ticket_carla)
        neighbour = self.create_ticket(name="Neighbour", partner_id=self.contact.id)
        self.authenticate("portal_carla", "portal_carla")
        write_date = self.ticket_carla.write_date
        self.url_open("/my/tickets")
        page = self.url_open(f"/my/tickets/{self.ticket_carla.id}").text
        self.assertIn(f'href="/my/tickets/{neighbour.id}"', page, "previous/next ticket")
        for url in (
            f"/my/tickets/{self.ticket_carla.id}",
            f"/my/tickets/{self.ticket_carla.id}?message=confirmed",
            "/my/tickets?filterby=resolved",
            "/my",
        ):
            self.assertEqual(self.url_open(url).status_code, 200)
        self.ticket_carla.invalidate_recordset()
        self.assertEqual(self.ticket_carla.state, "resolved")
        self.assertEqual(self.ticket_carla.customer_confirmation, "none")
        self.assertEqual(self.ticket_carla.write_date, write_date)
        neighbour.invalidate_recordset()
        self.assertFalse(neighbour.access_token, "browsing writes no share token on other tickets")
