import re

from odoo.tests import new_test_user, tagged

from .common import HelpdeskHttpCommon

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestTicketForm(HelpdeskHttpCommon):
    """The portal form (/my/tickets/new) and the public form per team, through real
    HTTP requests with the CSRF token the page hands out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.write({"public_form": True, "description": "Laptops, printers and accounts."})
        Category = cls.env["helpdesk.category"]
        cls.cat_laptop = Category.create(
            {
                "name": "Laptop",
                "team_id": cls.team_a.id,
                "description_template": "<p>When did it start?</p><p>What did you try?</p>",
                "intake_field_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "asset_tag",
                            "label": "Asset tag",
                            "required": True,
                            "help": "Sticker under the laptop",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "symptom",
                            "label": "Symptom",
                            "field_type": "selection",
                            "selection_options": "Does not start\nSlow\nOther",
                        },
                    ),
                    (0, 0, {"name": "steps", "label": "Steps to reproduce", "field_type": "text"}),
                ],
            }
        )
        cls.cat_printer = Category.create({"name": "Printer", "team_id": cls.team_a.id})
        cls.cat_vpn = Category.create({"name": "VPN", "team_id": cls.team_b.id})
        cls.public_url = cls.team_a._get_public_form_path()
        cls.Ticket = cls.env["helpdesk.ticket"]

    def last_ticket_id(self):
        return self.Ticket.search([], order="id desc", limit=1).id or 0

    def csrf(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return CSRF_RE.search(response.text).group(1)

    def submit(self, url, data, files=None, csrf=True):
        data = dict(data)
        if csrf:
            data["csrf_token"] = self.csrf(f"{url}?category_id=0")
        return self.url_open(url, data=data, files=files or {})

    def laptop_post(self, **overrides):
        data = {
            "category_id": self.cat_laptop.id,
            "partner_name": "Carla C.",
            "email": "Carla@Acme.example.com",
            "name": "Laptop stuck on the logo",
            "description": "It shows the logo, then nothing.\nSince Monday.",
            "field_asset_tag": "LT-0042",
            "field_symptom": "Does not start",
            "field_steps": "Press power\nWait",
        }
        data.update(overrides)
        return data

    # ------------------------------------------------------------
    # Public form
    # ------------------------------------------------------------

    def test_public_form_only_for_teams_that_publish_it(self):
        self.assertEqual(self.public_url, f"/helpdesk/team-a-{self.team_a.id}/submit")
        self.assertIn(self.public_url, self.team_a.public_form_url)
        self.assertFalse(self.team_b.public_form_url)
        for url in (
            self.team_b._get_public_form_path(),
            "/helpdesk/nothing-987654/submit",
            "/helpdesk/team-a/submit",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
        # the name part is cosmetic: renaming keeps links working
        self.assertEqual(self.url_open(f"/helpdesk/{self.team_a.id}/submit").status_code, 200)

    def test_public_form_offers_the_team_categories(self):
        response = self.url_open(self.public_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("What is your request about?", response.text)
        self.assertIn(f"category_id={self.cat_laptop.id}", response.text)
        self.assertIn(f"category_id={self.cat_printer.id}", response.text)
        self.assertNotIn(f"category_id={self.cat_vpn.id}", response.text, "another team's category")
        self.assertIn("Something else", response.text)

    def test_public_form_renders_intake_fields_and_template(self):
        response = self.url_open(f"{self.public_url}?category_id={self.cat_laptop.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('name="field_asset_tag"', page)
        self.assertIn("Sticker under the laptop", page)
        self.assertIn('<option value="Slow">Slow</option>', page)
        self.assertIn('name="field_steps"', page)
        self.assertIn("When did it start?", page, "description pre-filled from the category template")
        self.assertIn('enctype="multipart/form-data"', page)
        self.assertIn("Up to 10 MB in total.", page)

    def test_public_submission_creates_ticket(self):
        before = self.last_ticket_id()
        forged = {
            # not on the whitelist: ignored
            "team_id": self.team_b.id,
            "user_id": self.manager.id,
            "priority": "1",
            "stage_id": self.stage_closed.id,
            "partner_id": self.customer.id,
            "channel": "api",
            "reference": "HD-HACKED",
            "company_id": 999,
        }
        response = self.submit(
            self.public_url,
            {**self.laptop_post(), **forged},
            files=[
                ("attachments", ("photo.png", b"\x89PNG fake image", "image/png")),
                ("attachments", ("notes.txt", b"boot log", "text/plain")),
            ],
        )
        self.assertEqual(response.status_code, 200, response.text[:1000])
        self.assertTrue(response.url.endswith("/helpdesk/submitted"))
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertEqual(len(ticket), 1)
        self.assertIn(ticket.reference, response.text)
        self.assertIn("Thank you", response.text)
        self.assertNotIn("access_token", response.text, "a public visitor gets the reference, not a link")

        self.assertEqual(ticket.name, "Laptop stuck on the logo")
        self.assertEqual(ticket.channel, "web_form")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.category_id, self.cat_laptop)
        self.assertEqual(ticket.partner_id, self.contact, "matched by email, case-insensitively")
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.priority, "3")
        self.assertFalse(ticket.priority_overridden)
        self.assertNotEqual(ticket.reference, "HD-HACKED")
        self.assertEqual(ticket.company_id, self.company)
        # description: the text, then the answers in a readable block
        self.assertIn("It shows the logo, then nothing.<br>Since Monday.", ticket.description)
        self.assertIn("Details (Laptop)", ticket.description)
        self.assertIn("<strong>Asset tag:</strong> LT-0042", ticket.description)
        self.assertIn("<strong>Symptom:</strong> Does not start", ticket.description)
        self.assertIn("<strong>Steps to reproduce:</strong> Press power<br>Wait", ticket.description)
        # ... and stored as the ticket's intake answers, one per question, in order
        self.assertEqual(
            [(a.name, a.label, a.value) for a in ticket.answer_ids],
            [
                ("asset_tag", "Asset tag", "LT-0042"),
                ("symptom", "Symptom", "Does not start"),
                ("steps", "Steps to reproduce", "Press power\nWait"),
            ],
        )
        self.assertEqual(ticket.answer_ids.field_id, self.cat_laptop.intake_field_ids)
        # attachments in the chatter, from the customer, and the acknowledgement
        posted = ticket.message_ids.filtered("attachment_ids")
        self.assertEqual(sorted(posted.attachment_ids.mapped("name")), ["notes.txt", "photo.png"])
        self.assertEqual(posted.author_id, self.contact)
        self.assertEqual(posted.attachment_ids.filtered(lambda a: a.name == "notes.txt").raw, b"boot log")
        ack = ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(len(ack), 1)
        self.assertEqual(ack.partner_ids, self.contact)

    def test_public_submission_from_unknown_address(self):
        self.team_a.email_create_partner = False
        before = self.last_ticket_id()
        response = self.submit(
            self.public_url,
            {
                "category_id": 0,
                "partner_name": "Walk In",
                "email": "walk.in@example.net",
                "name": "Question",
                "description": "Do you repair tablets?",
            },
        )
        self.assertEqual(response.status_code, 200)
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertFalse(ticket.partner_id)
        self.assertEqual((ticket.partner_name, ticket.partner_email), ("Walk In", "walk.in@example.net"))
        self.assertFalse(ticket.category_id)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertFalse(self.env["res.partner"].search([("email_normalized", "=", "walk.in@example.net")]))
        # with the team setting on, the sender becomes a contact
        self.team_a.email_create_partner = True
        self.submit(
            self.public_url,
            {
                "category_id": 0,
                "partner_name": "Walk In",
                "email": "walk.in@example.net",
                "name": "Another question",
                "description": "And phones?",
            },
        )
        second = self.Ticket.search([("id", ">", ticket.id)])
        self.assertEqual(second.partner_id.name, "Walk In")
        self.assertEqual(second.partner_id.email, "walk.in@example.net")

    def test_invalid_submission_shows_errors_and_keeps_input(self):
        before = self.last_ticket_id()
        response = self.submit(
            self.public_url,
            self.laptop_post(
                name="  ",
                email="not-an-address",
                description="Typed <b>carefully</b> by hand",
                field_asset_tag="",
                field_symptom="Exploded",
                field_steps="step one",
            ),
        )
        self.assertEqual(response.status_code, 422)
        page = response.text
        self.assertFalse(self.Ticket.search([("id", ">", before)]))
        self.assertIn("Give your request a short subject.", page)
        self.assertIn("“not-an-address” is not a valid email address.", page)
        self.assertIn("This field is required.", page)
        self.assertIn("Choose one of the proposed values.", page)
        # what was typed is still there (escaped)
        self.assertIn("Typed &lt;b&gt;carefully&lt;/b&gt; by hand", page)
        self.assertIn('value="not-an-address"', page)
        self.assertIn("step one", page)
        self.assertIn('value="Carla C."', page)
        self.assertIn("is-invalid", page)

    def test_attachment_size_limit(self):
        self.env["ir.config_parameter"].set_param("helpdesk_itil.attachment_max_mb", "0.01")  # ~10 KB
        before = self.last_ticket_id()
        files = [
            ("attachments", ("small.txt", b"x" * 4000, "text/plain")),
            ("attachments", ("big.bin", b"y" * 8000, "application/octet-stream")),
        ]
        response = self.submit(self.public_url, self.laptop_post(), files=files)
        self.assertEqual(response.status_code, 422)
        self.assertIn("Attachments are limited to 0.01 MB in total; “big.bin” goes over the limit.", response.text)
        self.assertIn("Please select your files again.", response.text)
        self.assertIn("Up to 0.01 MB in total.", response.text)
        self.assertFalse(self.Ticket.search([("id", ">", before)]))
        response = self.submit(self.public_url, self.laptop_post(), files=files[:1])
        self.assertEqual(response.status_code, 200)
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertEqual(ticket.message_ids.attachment_ids.mapped("name"), ["small.txt"])

    def test_post_without_csrf_token_is_refused(self):
        before = self.last_ticket_id()
        response = self.submit(self.public_url, self.laptop_post(), csrf=False)
        self.assertEqual(response.status_code, 400)
        response = self.submit(self.public_url, {**self.laptop_post(), "csrf_token": "forged"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Ticket.search([("id", ">", before)]))

    def test_category_of_another_team_is_refused(self):
        before = self.last_ticket_id()
        response = self.submit(self.public_url, self.laptop_post(category_id=self.cat_vpn.id))
        self.assertEqual(response.status_code, 422)
        self.assertIn("This category is not available any more", response.text)
        self.assertFalse(self.Ticket.search([("id", ">", before)]))

    def test_no_acknowledgement_when_team_does_not_send_it(self):
        self.team_a.send_acknowledgement = False
        before = self.last_ticket_id()
        self.submit(self.public_url, self.laptop_post())
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertTrue(ticket)
        self.assertFalse(ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment"))

    # ------------------------------------------------------------
    # Portal form
    # ------------------------------------------------------------

    def test_portal_form_needs_a_login(self):
        response = self.url_open("/my/tickets/new")
        self.assertIn("/web/login", response.url)

    def test_portal_user_submits_a_ticket(self):
        self.authenticate("hd_portal", "hd_portal")
        response = self.url_open("/my/tickets/new")
        self.assertEqual(response.status_code, 200)
        for category in (self.cat_laptop, self.cat_printer, self.cat_vpn):
            self.assertIn(f"category_id={category.id}", response.text)
        page = self.url_open(f"/my/tickets/new?category_id={self.cat_vpn.id}").text
        self.assertNotIn('name="email"', page, "a logged-in customer is not asked who they are")
        before = self.last_ticket_id()
        response = self.submit(
            "/my/tickets/new",
            {
                "category_id": self.cat_vpn.id,
                "name": "VPN refuses my password",
                "description": "Since the reset.",
                "email": "someone.else@example.com",
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        ticket = self.Ticket.search([("id", ">", before)])
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.team_id, self.team_b, "the category's team")
        self.assertEqual(ticket.partner_id, self.portal_user.partner_id)
        self.assertIn(self.portal_user.partner_id, ticket.message_partner_ids)
        self.assertIn(ticket.reference, response.text)
        self.assertIn(f'href="/my/tickets/{ticket.id}"', response.text)

    def test_portal_request_without_category_goes_to_the_default_team(self):
        """The ticket's own rule: the company's first active team by sequence, for a
        customer of each company."""
        self.team_b.sequence = 5
        company_2 = self.env["res.company"].create({"name": "Second Co"})
        team_2 = self.env["helpdesk.team"].create({"name": "Second desk", "company_id": company_2.id})
        new_test_user(
            self.env,
            login="hd_portal_2",
            groups="base.group_portal",
            company_id=company_2.id,
            company_ids=[(6, 0, company_2.ids)],
        )
        for login, team, company in (("hd_portal", self.team_b, self.company), ("hd_portal_2", team_2, company_2)):
            self.authenticate(login, login)
            before = self.last_ticket_id()
            response = self.submit("/my/tickets/new", {"category_id": 0, "name": "Hello", "description": "A question."})
            self.assertEqual(response.status_code, 200)
            ticket = self.Ticket.search([("id", ">", before)])
            self.assertEqual((ticket.team_id, ticket.company_id), (team, company), login)
            self.assertFalse(ticket.category_id)

    def test_thank_you_page_without_submission(self):
        response = self.url_open("/helpdesk/submitted")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Thank you", response.text)
