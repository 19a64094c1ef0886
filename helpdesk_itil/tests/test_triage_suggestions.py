from odoo.exceptions import AccessError
from odoo.tests import TransactionCase

from .test_triage_rules import TriageCommon


class TestCategorySuggestions(TriageCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()
        cls.printer_rule.active = False  # no rule fires: suggestions are what is left
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})
        cls.bob = cls.env["res.partner"].create({"name": "Bob", "parent_id": cls.globex.id, "email": "bob@globex.com"})
        cls.history = cls.env["helpdesk.ticket"]
        for name, category, partner in (
            ("Printer jams on floor 1", cls.cat_printer, cls.bob),
            ("Printer jams on floor 2", cls.cat_printer, cls.bob),
            ("Printer jams on floor 3", cls.cat_printer, cls.bob),
            ("VPN drops every 10 minutes", cls.cat_vpn, cls.bob),
            ("Screen flickers in room 4", cls.cat_other, cls.contact),
            ("Screen flickers in room 5", cls.cat_vpn, cls.bob),
        ):
            cls.history |= cls.resolved(name, category, partner)
        cls.Suggestion = cls.env["helpdesk.ticket.category.suggestion"]

    @classmethod
    def resolved(cls, name, category, partner):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": name,
                "category_id": category.id,
                "team_id": category.team_id.id or cls.team_a.id,
                "partner_id": partner.id,
                "stage_id": cls.stage_resolved.id,
                "resolution_note": "<p>Fixed.</p>",
                "closure_code_id": cls.code_solved.id,
            }
        )

    def new_ticket(self, **values):
        values = {"name": "Printer jams on floor 7", "team_id": self.team_a.id, "channel": "email", **values}
        return self.env["helpdesk.ticket"].create(values)

    def suggested(self, ticket):
        return [(s.rank, s.category_id, s.share_percent) for s in ticket.category_suggestion_ids]

    def test_categories_of_similar_resolved_tickets_with_their_share(self):
        ticket = self.new_ticket()
        self.assertEqual(self.suggested(ticket), [(1, self.cat_printer, 100)])
        ticket = self.new_ticket(name="VPN drops every 10, printer jams on floor")
        ranks = self.suggested(ticket)
        self.assertEqual([category for _rank, category, _share in ranks], [self.cat_printer, self.cat_vpn])
        self.assertEqual(sum(share for _rank, _category, share in ranks), 100)

    def test_same_customer_company_weighs_more(self):
        # Room 4 (other category) is Acme's, room 5 (VPN) Globex's: equally similar.
        self.assertEqual(
            self.suggested(self.new_ticket(name="Screen flickers in room 6", partner_id=self.contact.id))[0][1],
            self.cat_other,
        )
        self.assertEqual(
            self.suggested(self.new_ticket(name="Screen flickers in room 6", partner_id=self.bob.id))[0][1],
            self.cat_vpn,
        )
        shares = self.suggested(self.new_ticket(name="Screen flickers in room 6", partner_id=self.contact.id))
        self.assertEqual([share for _rank, _category, share in shares], [67, 33], "the same customer counts double")

    def test_no_suggestion_when_a_rule_or_the_caller_gave_a_category(self):
        self.printer_rule.active = True
        self.assertFalse(self.new_ticket().category_suggestion_ids)
        self.printer_rule.active = False
        self.assertFalse(self.new_ticket(category_id=self.cat_other.id).category_suggestion_ids)
        self.assertFalse(self.new_ticket(name="Coffee machine empty").category_suggestion_ids, "nothing similar")
        self.assertFalse(self.new_ticket(channel="alert").category_suggestion_ids, "alerts have their own source")

    def test_only_resolved_tickets_of_the_company(self):
        self.history.filtered(lambda t: t.category_id == self.cat_printer).stage_id = self.stage_progress
        self.assertFalse(self.new_ticket().category_suggestion_ids, "open tickets are not history")
        self.history.filtered(lambda t: t.category_id == self.cat_printer).write({"stage_id": self.stage_closed.id})
        self.assertTrue(self.new_ticket().category_suggestion_ids, "closed tickets are")
        other_company = self.env["res.company"].create({"name": "Other Company"})
        team = self.env["helpdesk.team"].create({"name": "Elsewhere", "company_id": other_company.id})
        self.assertFalse(self.new_ticket(team_id=team.id).category_suggestion_ids)

    def test_one_click_sets_the_category_and_the_choice_is_tracked(self):
        ticket = self.new_ticket(name="VPN drops every 10, printer jams on floor")
        self.flush_tracking()  # changes in the creating transaction are not tracked
        second = ticket.category_suggestion_ids.filtered(lambda s: s.rank == 2)
        second.with_user(self.user_a).action_apply()
        self.assertEqual(ticket.category_id, self.cat_vpn)
        self.assertEqual(ticket.category_suggestion_ids.filtered("chosen"), second)
        self.flush_tracking()
        bodies = " ".join(ticket.message_ids.mapped("body"))
        self.assertIn("Category VPN chosen from the suggestions", bodies)
        self.assertIn("suggestion 2 of 2", bodies)
        self.assertIn(self.cat_vpn.display_name, ticket.message_ids.tracking_value_ids.mapped("new_value_char"))
        # Set by hand: the matching suggestion (if any) is the choice.
        ticket.with_user(self.user_a).category_id = self.cat_printer
        self.assertEqual(ticket.category_suggestion_ids.filtered("chosen").category_id, self.cat_printer)
        ticket.with_user(self.user_a).category_id = self.cat_other
        self.assertFalse(ticket.category_suggestion_ids.filtered("chosen"))

    def test_rights(self):
        ticket = self.new_ticket()  # team A
        suggestion = ticket.category_suggestion_ids
        self.assertEqual(suggestion.with_user(self.user_a).category_id, self.cat_printer)
        self.assertEqual(suggestion.with_user(self.agent).category_id, self.cat_printer)
        self.assertFalse(self.Suggestion.with_user(self.user_b).search([("id", "=", suggestion.id)]), "other team")
        with self.assertRaises(AccessError):
            suggestion.with_user(self.user_b).action_apply()
        with self.assertRaises(AccessError):
            suggestion.with_user(self.user_a).write({"share": 1})
        with self.assertRaises(AccessError):
            self.Suggestion.with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            ticket.with_user(self.portal_user).read(["category_suggestion_ids"])
        self.assertEqual(ticket.category_id.id, False)


class TestFirstSuggestionAccuracy(TriageCommon, TransactionCase):
    """The first suggestion measured on a small generated history (bench/bench_triage_suggest.py
    measures it on 20,000 tickets): requests written several ways, with details."""

    REQUESTS = {
        "Printer": ["printer {n} jams on double-sided jobs", "toner empty on printer {n}", "paper jam in printer {n}"],
        "VPN": ["vpn drops every {n} minutes", "cannot connect to the vpn from home", "vpn client error {n}"],
        "Password": ["password reset for user {n}", "locked out of my account", "forgot my password again"],
        "Laptop": ["laptop {n} does not boot", "laptop screen cracked", "laptop battery drains in {n} minutes"],
        "Email": ["outlook keeps asking for the password", "email to customers bounces", "mailbox full"],
    }
    DETAILS = ["", " since this morning", " again", " after the update"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_triage_fixtures()
        cls.printer_rule.active = False
        cls.categories = {
            name: cls.env["helpdesk.category"].create({"name": f"Accuracy {name}"}) for name in cls.REQUESTS
        }
        vals_list = []
        for i in range(60):
            name = list(cls.REQUESTS)[i % 5]
            template = cls.REQUESTS[name][i % 3]
            vals_list.append(
                {
                    "name": template.format(n=i) + cls.DETAILS[i % 4],
                    "category_id": cls.categories[name].id,
                    "team_id": cls.team_a.id,
                    "stage_id": cls.stage_closed.id,
                    "resolution_note": "<p>Done.</p>",
                    "closure_code_id": cls.code_solved.id,
                }
            )
        cls.env["helpdesk.ticket"].create(vals_list)

    def test_first_suggestion_is_right_for_most_new_tickets(self):
        truths, vals_list = [], []
        for i in range(20):
            name = list(self.REQUESTS)[i % 5]
            truths.append(self.categories[name])
            template = self.REQUESTS[name][(i + 1) % 3]
            vals_list.append(
                {"name": "Re: " + template.format(n=100 + i) + self.DETAILS[(i + 2) % 4], "team_id": self.team_a.id}
            )
        tickets = self.env["helpdesk.ticket"].create(vals_list)
        first = [ticket.category_suggestion_ids.sorted("rank")[:1].category_id for ticket in tickets]
        right = sum(1 for truth, suggested in zip(truths, first, strict=True) if truth == suggested)
        self.assertGreaterEqual(right / len(truths), 0.9, f"{right} of {len(truths)} first suggestions right")
