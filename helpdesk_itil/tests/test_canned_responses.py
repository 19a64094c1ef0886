from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, freeze_time, new_test_user

from .common_sla import MONDAY, HelpdeskSlaCommon

AT_TEN = MONDAY + timedelta(hours=10)
ALL_PLACEHOLDERS = (
    "{{reference}}|{{customer_name}}|{{agent_name}}|{{agent_signature}}|{{sla_deadline}}|{{portal_url}}|{{team}}"
)


class TestCannedResponses(HelpdeskSlaCommon):
    """Canned responses (the composer's "::") rendered for a ticket, scoped to its team and
    category: helpdesk.ticket.helpdesk_canned_responses, what the composer calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the responses of the test (Odoo's demo data has a couple).
        cls.env["mail.canned.response"].search([]).unlink()
        cls.make_policy(target_hours=4.0)
        cls.hardware = cls.env["helpdesk.category"].create({"name": "Hardware"})
        cls.laptop = cls.env["helpdesk.category"].create({"name": "Laptop", "parent_id": cls.hardware.id})
        cls.network = cls.env["helpdesk.category"].create({"name": "Network"})
        cls.user_a.signature = "<p>Ana Smith<br>Team A desk</p>"
        cls.contact.write({"tz": "America/New_York", "comment": "SECRET-NOTE"})
        helpdesk_users = cls.env.ref("helpdesk_itil.group_helpdesk_user")

        def response(source, substitution, **values):
            return cls.env["mail.canned.response"].create(
                {"source": source, "substitution": substitution, "group_ids": [(6, 0, helpdesk_users.ids)], **values}
            )

        cls.all_fields = response("all", ALL_PLACEHOLDERS)
        cls.general = response("hello", "Hello {{customer_name}}")
        cls.for_team_a = response("logs team", "Logs please", helpdesk_team_ids=[(6, 0, cls.team_a.ids)])
        cls.for_team_a_hardware = response(
            "logs laptop",
            "Laptop logs please",
            helpdesk_team_ids=[(6, 0, cls.team_a.ids)],
            helpdesk_category_ids=[(6, 0, cls.hardware.ids)],
        )
        cls.for_team_b = response("logs vpn", "VPN logs please", helpdesk_team_ids=[(6, 0, cls.team_b.ids)])
        cls.for_network = response("network", "Network logs please", helpdesk_category_ids=[(6, 0, cls.network.ids)])
        # Someone's private response: not offered to others.
        cls.private = (
            cls.env["mail.canned.response"]
            .with_user(cls.user_a2)
            .create({"source": "mine", "substitution": "Alex's own"})
        )
        with freeze_time(AT_TEN):
            cls.ticket = cls.create_ticket(partner_id=cls.contact.id, category_id=cls.laptop.id)

    def render(self, response, ticket=None, user=None):
        ticket = (ticket or self.ticket).with_user(user or self.user_a)
        with freeze_time(AT_TEN + timedelta(minutes=5)):
            (row,) = ticket.helpdesk_canned_responses(canned_response_ids=[response.id])
        return row

    def test_placeholders_are_rendered_for_the_ticket(self):
        row = self.render(self.all_fields)
        url = self.ticket._get_acknowledgement_url()
        # Four business hours from Monday 10:00 UTC (team calendar), in the customer's
        # time zone (New York, UTC-5 in early March).
        self.assertEqual(
            row["text"],
            f"{self.ticket.reference}|Carla Contact|Ana (team A)|Ana Smith\nTeam A desk|"
            f"03/04/2024 09:00:00 AM (America/New_York)|{url}|Team A",
        )
        self.assertIn(f"res_id={self.ticket.id}", url)
        self.assertIn("access_token=", url)
        self.assertEqual((row["unknown"], row["empty"]), ([], []))
        self.assertEqual(row["source"], "all")

    def test_deadline_falls_back_to_the_team_time_zone(self):
        self.contact.tz = False
        row = self.render(self.all_fields)
        self.assertIn("|03/04/2024 02:00:00 PM (UTC)|", row["text"])

    def test_missing_values_are_reported(self):
        ticket = self.create_ticket(partner_name="Walk-in", team_id=self.team_b.id)
        ticket.sla_ids.unlink()
        self.user_b.signature = False
        row = self.render(self.all_fields, ticket=ticket, user=self.user_b)
        self.assertIn("|Walk-in|Bea (team B)|", row["text"])
        self.assertEqual(row["empty"], ["agent_signature", "sla_deadline"])

    def test_unknown_placeholders_stay_as_typed_and_are_listed(self):
        self.general.substitution = "Hi {{ customer }} {{customer_name}} {{ object.x }}"
        row = self.render(self.general)
        self.assertEqual(row["text"], "Hi {{ customer }} Carla Contact {{ object.x }}")
        self.assertEqual(row["unknown"], ["{{ customer }}", "{{ object.x }}"])

    def test_nothing_outside_the_whitelist_is_readable(self):
        self.ticket.sudo().description = "<p>INTERNAL-DESCRIPTION</p>"
        probes = (
            "{{partner_id.comment}} {{ partner_id.password }} {{object.partner_id.comment}} "
            "{{ ticket.description }} {{description}} {{ user.password }} {{env}} {{ self }} "
            "{{ {{customer_name}}.comment }} {{reference.__class__}} {{ resolution_note }}"
        )
        self.general.substitution = probes
        row = self.render(self.general)
        for secret in ("SECRET-NOTE", "INTERNAL-DESCRIPTION", "password", "Environment"):
            self.assertNotIn(secret, row["text"].replace("password }}", "").replace("password}}", ""))
        self.assertEqual(row["text"], probes.replace("{{customer_name}}", "Carla Contact"))
        self.assertEqual(len(row["unknown"]), 10)

    def test_a_value_that_looks_like_a_placeholder_is_not_rendered_again(self):
        self.contact.name = "{{agent_signature}} {{partner_id.comment}}"
        row = self.render(self.general)
        self.assertEqual(row["text"], "Hello {{agent_signature}} {{partner_id.comment}}")

    def test_fitting_responses_come_first(self):
        with freeze_time(AT_TEN):
            rows = self.ticket.with_user(self.user_a).helpdesk_canned_responses()
        self.assertEqual([(row["source"], row["fit"]) for row in rows[:2]], [("logs laptop", 2), ("logs team", 1)])
        self.assertEqual({row["source"] for row in rows[2:4]}, {"all", "hello"})
        self.assertEqual({row["fit"] for row in rows[2:4]}, {0})
        # Scoped elsewhere: still offered, last.
        self.assertEqual({row["source"] for row in rows[4:]}, {"logs vpn", "network"})
        self.assertEqual({row["fit"] for row in rows[4:]}, {-1})
        # Another user's private response is not offered.
        self.assertNotIn("mine", [row["source"] for row in rows])

    def test_order_follows_the_ticket(self):
        ticket = self.create_ticket(team_id=self.team_b.id, category_id=self.network.id)
        rows = ticket.with_user(self.user_b).helpdesk_canned_responses()
        self.assertEqual({(row["source"], row["fit"]) for row in rows[:2]}, {("logs vpn", 1), ("network", 1)})
        self.assertEqual([row["fit"] for row in rows[-2:]], [-1, -1])

    def test_scope_fit(self):
        fit = self.ticket._scope_fit
        Team, Category = self.env["helpdesk.team"], self.env["helpdesk.category"]
        self.assertEqual(fit(Team, Category), 0)
        self.assertEqual(fit(self.team_a, Category), 1)
        self.assertEqual(fit(self.team_a | self.team_b, self.hardware), 2)
        self.assertEqual(fit(self.team_a, self.laptop), 2)
        self.assertEqual(fit(self.team_b, Category), -1)
        self.assertEqual(fit(self.team_a, self.network), -1)
        self.assertEqual(self.create_ticket()._scope_fit(Team, self.hardware), -1)

    def test_user_without_access_to_the_ticket_gets_an_access_error(self):
        outsider = new_test_user(self.env, login="hd_no_helpdesk", groups="base.group_user")
        for user in (self.user_b, self.portal_user, outsider):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.ticket.with_user(user).helpdesk_canned_responses()

    def test_portal_customer_of_the_ticket_gets_an_access_error(self):
        portal = new_test_user(self.env, login="hd_portal_carla", groups="base.group_portal")
        ticket = self.create_ticket(partner_id=portal.partner_id.id)
        ticket.with_user(portal).check_access("read")  # the customer may read the ticket...
        with self.assertRaises(AccessError):  # ...but not fill in replies
            ticket.with_user(portal).helpdesk_canned_responses()

    def test_scope_is_set_in_the_canned_response_form(self):
        with Form(self.env["mail.canned.response"].with_user(self.manager)) as form:
            form.source = "vpn"
            form.substitution = "Hello {{customer_name}}"
            form.helpdesk_team_ids.add(self.team_b)
            form.helpdesk_category_ids.add(self.network)
        response = form.record
        self.assertEqual(response.helpdesk_team_ids, self.team_b)
        self.assertEqual(response.helpdesk_category_ids, self.network)
