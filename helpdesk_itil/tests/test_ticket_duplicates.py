"""Possible duplicates: found at creation through every channel (one query per batch),
shown to who may read both tickets, "not a duplicate" remembered per pair; the similarity
helper with and without pg_trgm."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import Form, freeze_time, new_test_user, tagged
from odoo.tools import SQL

from ..models.helpdesk_ticket_duplicate import DUPLICATE_FIELDS
from .common import HelpdeskCommon, HelpdeskHttpCommon
from .test_mail_gateway import HelpdeskMailCommon
from .test_ticket_form import CSRF_RE

NOW = datetime(2026, 11, 24, 10, 0)
VPN_BODY = (
    "<p>Hello,</p><p>Since this morning the VPN drops every ten minutes. <b>Error 809</b> in the client.</p>"
    "<p>Carla</p>"
)
# The filter "Possible Duplicates" of the ticket list.
POSSIBLE_DUPLICATES = [("has_possible_duplicates", "=", True)]


class DuplicateFixtures:
    """Acme's contacts Carla and Dan, Globex's Bob; helpers reading the pairs."""

    @classmethod
    def setup_duplicate_fixtures(cls):
        cls.contact_dan = cls.env["res.partner"].create(
            {"name": "Dan Acme", "parent_id": cls.customer.id, "email": "dan@acme.example.com"}
        )
        cls.globex = cls.env["res.partner"].create({"name": "Globex", "is_company": True})
        cls.contact_bob = cls.env["res.partner"].create(
            {"name": "Bob Globex", "parent_id": cls.globex.id, "email": "bob@globex.example.com"}
        )
        cls.Ticket = cls.env["helpdesk.ticket"]
        cls.Pair = cls.env["helpdesk.ticket.duplicate"]

    def similarity(self, left, right):
        [(value,)] = self.env.execute_query(SQL("SELECT similarity(%s, %s)::float8", left, right))
        return value

    def candidates(self, ticket):
        """{older ticket: percentage shown} of the ticket's banner."""
        # Computed for the current user, not invalidated when another ticket closes: a form
        # reads them fresh.
        ticket.invalidate_recordset(DUPLICATE_FIELDS)
        return {pair.original_id: round(pair.similarity * 100) for pair in ticket.duplicate_pair_ids}

    def pairs(self, *tickets):
        ids = [ticket.id for ticket in tickets]
        return self.Pair.search([("ticket_id", "in", ids), ("original_id", "in", ids)])


class TestDuplicateDetection(DuplicateFixtures, HelpdeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_duplicate_fixtures()

    # ------------------------------------------------------------
    # What is a possible duplicate
    # ------------------------------------------------------------

    def test_similar_subject_of_a_colleague(self):
        """Dan reports what his colleague Carla reported: same customer company, similar
        subject. The banner of the new ticket shows the older one with similarity × 100; the
        older one shows the newer."""
        old = self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact.id)
        new = self.create_ticket(name="Re: VPN drops every ten minutes", partner_id=self.contact_dan.id)
        similarity = self.similarity("vpn drops every 10 minutes", "vpn drops every ten minutes")
        self.assertGreater(similarity, 0.6)
        self.assertLess(similarity, 1)
        self.assertEqual(self.candidates(new), {old: round(similarity * 100)})
        self.assertEqual(new.duplicate_pair_ids.match, "similar")
        self.assertEqual(old.duplicated_by_pair_ids.ticket_id, new)
        self.assertFalse(old.duplicate_pair_ids, "the older ticket is no duplicate of a newer one")
        self.assertEqual(
            new.duplicate_pair_ids.display_name,
            f"{new.reference}: possible duplicate of {old.reference} ({round(similarity * 100)} %)",
        )
        self.assertEqual(self.Ticket.search(POSSIBLE_DUPLICATES), new | old)

    def test_same_normalised_subject_and_same_description_are_100(self):
        old = self.create_ticket(name="Printer offline", partner_id=self.contact.id, description=VPN_BODY)
        same_subject = self.create_ticket(name="RE: Fwd: [HD-000001]  PRINTER   offline", partner_id=self.contact.id)
        self.assertEqual(same_subject.subject_normalized, "printer offline")
        self.assertEqual(self.candidates(same_subject), {old: 100})
        self.assertEqual(same_subject.duplicate_pair_ids.match, "subject")
        # Another subject altogether, the same description (markup aside): 100 %.
        same_body = self.create_ticket(
            name="Cannot work from home",
            partner_id=self.contact_dan.id,
            description=VPN_BODY.replace("<b>", "").replace("</b>", "").upper(),
        )
        self.assertEqual(same_body.description_hash, old.description_hash)
        self.assertEqual(self.candidates(same_body), {old: 100})
        self.assertEqual(same_body.duplicate_pair_ids.match, "body")

    def test_short_descriptions_do_not_count(self):
        old = self.create_ticket(name="Printer offline", partner_id=self.contact.id, description="<p>Please help!</p>")
        new = self.create_ticket(name="Invoice is wrong", partner_id=self.contact.id, description="<p>Please help!</p>")
        self.assertFalse(old.description_hash)
        self.assertFalse(self.candidates(new))

    def test_same_sender_address_without_contact(self):
        """Senders who are not contacts are compared by their address (normalised)."""
        team = self.team_a
        team.email_create_partner = False
        old = self.create_ticket(
            name="Parcel not delivered", partner_name="Walk In", partner_email="walk.in@example.net"
        )
        new = self.create_ticket(
            name="parcel not delivered!", partner_name="W. In", partner_email='"W. In" <Walk.In@Example.NET>'
        )
        other = self.create_ticket(name="Parcel not delivered", partner_email="someone.else@example.net")
        self.assertEqual(new.partner_email_normalized, "walk.in@example.net")
        self.assertEqual(set(self.candidates(new)), {old})
        self.assertFalse(self.candidates(other))
        # A contact of another company with that address: the same sender.
        contact = self.env["res.partner"].create({"name": "Walk In", "email": "walk.in@example.net"})
        third = self.create_ticket(name="Parcel not delivered", partner_id=contact.id)
        self.assertEqual(set(self.candidates(third)), {old, new})

    def test_other_customers_and_companies_never(self):
        self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact.id)
        bob = self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact_bob.id)
        self.assertFalse(self.candidates(bob), "another customer company")
        nobody = self.create_ticket(name="VPN drops every 10 minutes")
        self.assertFalse(self.candidates(nobody), "no customer, no address: nothing to compare within")
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_team = self.env["helpdesk.team"].create({"name": "Other desk", "company_id": other_company.id})
        elsewhere = self.create_ticket(
            name="VPN drops every 10 minutes", partner_id=self.contact.id, team_id=other_team.id
        )
        self.assertEqual(elsewhere.company_id, other_company)
        self.assertFalse(self.candidates(elsewhere), "another company of the database")

    def test_window(self):
        """Open tickets created within the team's window (72 h by default) before the new one."""
        with freeze_time(NOW - timedelta(hours=73)):
            too_old = self.create_ticket(name="Scanner jams", partner_id=self.contact.id)
        with freeze_time(NOW - timedelta(hours=71)):
            recent = self.create_ticket(name="Scanner jams", partner_id=self.contact.id)
        with freeze_time(NOW):
            new = self.create_ticket(name="Scanner jams", partner_id=self.contact.id)
        self.assertEqual(set(self.candidates(new)), {recent})
        self.assertEqual(self.candidates(recent), {too_old: 100})
        # The team's window, and none at all.
        self.team_a.duplicate_window_hours = 24
        with freeze_time(NOW + timedelta(hours=25)):
            later = self.create_ticket(name="Scanner jams", partner_id=self.contact.id)
        self.assertFalse(self.candidates(later))
        self.team_a.duplicate_window_hours = 0
        with freeze_time(NOW + timedelta(hours=1)):
            off = self.create_ticket(name="Scanner jams", partner_id=self.contact.id)
        self.assertFalse(self.candidates(off))
        self.assertFalse(off.duplicated_by_pair_ids)

    def test_team_threshold(self):
        old = self.create_ticket(name="Printer on floor 2 prints blank pages", partner_id=self.contact.id)
        subject = "printer floor 2 blank pages"
        similarity = self.similarity("printer on floor 2 prints blank pages", subject)
        self.assertTrue(0.3 < similarity < 0.9, similarity)
        self.team_a.duplicate_similarity = similarity + 0.05
        probe = self.create_ticket(name=subject, partner_id=self.contact.id)
        self.assertFalse(self.candidates(probe))
        probe.unlink()
        self.team_a.duplicate_similarity = similarity - 0.05
        new = self.create_ticket(name=subject, partner_id=self.contact.id)
        self.assertEqual(self.candidates(new), {old: round(similarity * 100)})
        # The new ticket's team decides: team B keeps the default 0.6.
        self.assertEqual(self.team_b.duplicate_similarity, 0.6)

    def test_open_tickets_only(self):
        resolved = self.create_ticket(name="Mouse broken", partner_id=self.contact.id)
        self.resolve(resolved)
        cancelled = self.create_ticket(
            name="Mouse broken", partner_id=self.contact.id, stage_id=self.stage_cancelled.id
        )
        archived = self.create_ticket(name="Mouse broken", partner_id=self.contact.id)
        archived.active = False
        pending = self.create_ticket(name="Mouse broken", partner_id=self.contact.id, stage_id=self.stage_pending.id)
        new = self.create_ticket(name="Mouse broken", partner_id=self.contact.id)
        self.assertEqual(set(self.candidates(new)), {pending})
        self.assertFalse(self.candidates(cancelled), "a ticket born closed is not compared")
        # A candidate closed later leaves the banner.
        self.resolve(pending, self.stage_closed)
        self.assertFalse(self.candidates(new))
        self.assertFalse(self.Ticket.search(POSSIBLE_DUPLICATES))

    def test_at_most_five_most_similar_first(self):
        subjects = [
            "Laptop battery swollen",
            "laptop battery swollen!",
            "Laptop battery swollen again",
            "Laptop battery is swollen",
            "Laptop battery swollen and hot",
            "Laptop battery swollen, case open",
            "Laptop battery swollen since Monday",
        ]
        olds = self.Ticket.browse()
        for subject in subjects:
            olds |= self.create_ticket(name=subject, partner_id=self.contact.id, team_id=self.team_b.id)
        new = self.create_ticket(name="Laptop battery swollen", partner_id=self.contact_dan.id)
        found = self.candidates(new)
        self.assertEqual(len(found), 5)
        scores = {old: self.similarity("laptop battery swollen", old.subject_normalized) for old in olds}
        expected = sorted(olds, key=lambda old: (-scores[old], -old.id))[:5]
        self.assertEqual(new.duplicate_pair_ids.original_id.ids, [old.id for old in expected])
        self.assertEqual(found[olds[0]], 100)

    def test_a_batch_is_compared_within_itself(self):
        first, second, third = self.Ticket.create(
            [
                {"name": "Badge reader dead", "partner_id": self.contact.id, "team_id": self.team_a.id},
                {"name": "Badge reader dead", "partner_id": self.contact_dan.id, "team_id": self.team_a.id},
                {"name": "Badge reader dead", "partner_id": self.contact_bob.id, "team_id": self.team_a.id},
            ]
        )
        self.assertEqual(self.candidates(second), {first: 100})
        self.assertFalse(self.candidates(third))
        self.assertEqual(len(self.pairs(first, second, third)), 1, "one row per pair")

    def test_alert_tickets_are_skipped(self):
        """Alert tickets keep their fingerprint dedupe: they are not compared when created.
        A person reporting what monitoring already opened does see the alert ticket."""
        source = self.env["helpdesk.alert.source"].create(
            {"name": "Prometheus", "team_id": self.team_a.id, "partner_id": self.contact.id}
        )
        self.create_ticket(name="HighCPU on web-1", partner_id=self.contact.id)
        alerts = self.Ticket.create(
            [
                {
                    "name": "HighCPU on web-1",
                    "team_id": self.team_a.id,
                    "partner_id": self.contact.id,
                    "channel": "alert",
                    "alert_source_id": source.id,
                    "alert_fingerprint": "f1",
                },
                {
                    "name": "HighCPU on web-1",
                    "team_id": self.team_a.id,
                    "partner_id": self.contact.id,
                    "channel": "alert",
                },
            ]
        )
        for alert in alerts:
            self.assertFalse(self.candidates(alert))
        person = self.create_ticket(name="Re: HighCPU on web-1", partner_id=self.contact_dan.id)
        self.assertIn(alerts[0], self.candidates(person))

    # ------------------------------------------------------------
    # Not a duplicate, Find Duplicates, the form
    # ------------------------------------------------------------

    def test_not_a_duplicate_is_remembered_for_the_pair(self):
        old = self.create_ticket(name="Email bounces", partner_id=self.contact.id)
        new = self.create_ticket(name="Email bounces", partner_id=self.contact_dan.id)
        pair = new.duplicate_pair_ids
        pair.with_user(self.user_a).action_not_duplicate()
        self.assertEqual((pair.dismissed, pair.dismissed_uid), (True, self.user_a))
        self.assertFalse(self.candidates(new))
        self.assertFalse(old.duplicated_by_pair_ids)
        self.assertFalse(self.Ticket.search(POSSIBLE_DUPLICATES))
        for ticket, other in ((new, old), (old, new)):
            self.assertIn(
                f"Not a duplicate of {other.reference} (Ana (team A))",
                ticket.message_ids.mapped("body")[0],
            )
        # Nobody is offered the pair again: another agent, a manager, from either side.
        new.with_user(self.agent).action_find_duplicates()
        old.with_user(self.manager).action_find_duplicates()
        new.with_user(self.user_a).write({"name": "Emails bounce"})
        new.with_user(self.user_a).action_find_duplicates()
        self.assertEqual(self.pairs(old, new), pair, "one row, still dismissed")
        self.assertTrue(pair.dismissed)
        self.assertFalse(self.candidates(new))
        # The pair only: a third ticket is still compared with both.
        third = self.create_ticket(name="Email bounces", partner_id=self.contact.id)
        self.assertEqual(
            self.candidates(third), {old: 100, new: round(self.similarity("email bounces", "emails bounce") * 100)}
        )

    def test_find_duplicates_looks_again(self):
        old = self.create_ticket(name="Printer on floor 2 prints blank pages", partner_id=self.contact.id)
        new = self.create_ticket(name="Blank pages from floor 2", partner_id=self.contact.id)
        self.assertFalse(self.candidates(new))
        action = new.with_user(self.user_a).action_find_duplicates()
        self.assertEqual(action["params"]["message"], "No possible duplicates found.")
        self.team_a.duplicate_similarity = 0.2
        action = new.with_user(self.user_a).action_find_duplicates()
        self.assertEqual(action["params"]["message"], "A possible duplicate found.")
        self.assertEqual(set(self.candidates(new)), {old})
        # From the older side too: the window runs both ways.
        self.pairs(old, new).unlink()
        old.with_user(self.user_a).action_find_duplicates()
        self.assertEqual(old.duplicated_by_pair_ids.ticket_id, new)
        # Pairs that no longer match go away.
        self.team_a.duplicate_similarity = 0.9
        new.with_user(self.user_a).action_find_duplicates()
        self.assertFalse(self.pairs(old, new))

    def test_the_form_does_not_search_while_typing(self):
        """The form never looks for duplicates on an onchange or when reading a ticket: at
        creation, and when an agent asks."""
        self.create_ticket(name="Projector shows no image", partner_id=self.contact.id)
        Pair = type(self.Pair)
        with patch.object(Pair, "_detect", autospec=True, side_effect=Pair._detect) as detect:
            form = Form(self.Ticket.with_user(self.user_a))
            for name in ("P", "Pro", "Projector", "Projector shows no image"):
                form.name = name
            form.team_id = self.team_a
            form.partner_id = self.contact_dan
            self.assertEqual(detect.call_count, 0)
            ticket = form.save()
            self.assertEqual(detect.call_count, 1)
            with Form(ticket.with_user(self.user_a)) as form:
                form.name = "Projector shows no image at all"
            ticket.with_user(self.user_a).read(["duplicate_pair_ids", "duplicated_by_pair_ids"])
            self.assertEqual(detect.call_count, 1)
        self.assertEqual(len(self.candidates(ticket)), 1)

    def test_form_assist_area(self):
        arch = self.Ticket.with_user(self.user_a).get_views([(False, "form")])["views"]["form"]["arch"]
        for needle in (
            'name="assist"',
            'name="assist_duplicates"',
            "action_not_duplicate",
            "action_find_duplicates",
            "action_merge",
        ):
            self.assertIn(needle, arch)
        search = self.Ticket.with_user(self.user_a).get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="filter_possible_duplicates"', search)

    # ------------------------------------------------------------
    # Who sees a pair
    # ------------------------------------------------------------

    def test_pairs_are_shown_to_who_may_read_both_tickets(self):
        """Carla's ticket is team A's, Dan's (the same request) team B's. Team A's user does
        not learn about team B's ticket through the banner, the pair model or the filter."""
        ticket_a = self.create_ticket(name="Invoice PDF is empty", partner_id=self.contact.id)
        ticket_b = self.create_ticket(
            name="Invoice PDF is empty", partner_id=self.contact_dan.id, team_id=self.team_b.id
        )
        pair = ticket_b.duplicate_pair_ids
        self.assertEqual(pair.original_id, ticket_a)
        # Agents see every team's tickets, so every pair.
        self.assertEqual(ticket_a.with_user(self.agent).duplicated_by_pair_ids, pair)
        self.assertEqual(self.Ticket.with_user(self.agent).search(POSSIBLE_DUPLICATES), ticket_a | ticket_b)
        for user, ticket in ((self.user_a, ticket_a), (self.user_b, ticket_b)):
            with self.subTest(user=user.login):
                ticket = ticket.with_user(user)
                self.assertFalse(ticket.duplicate_pair_ids | ticket.duplicated_by_pair_ids)
                self.assertFalse(self.Pair.with_user(user).search([]))
                self.assertFalse(self.Ticket.with_user(user).search(POSSIBLE_DUPLICATES))
                with self.assertRaises(AccessError):
                    pair.with_user(user).action_not_duplicate()
                with self.assertRaises(AccessError):
                    pair.with_user(user).read(["similarity"])
        self.assertFalse(pair.dismissed)
        # Following team B's ticket, team A's user may read both: the pair shows.
        ticket_b.message_subscribe(partner_ids=self.user_a.partner_id.ids)
        self.assertEqual(ticket_a.with_user(self.user_a).duplicated_by_pair_ids, pair)
        self.assertEqual(self.Ticket.with_user(self.user_a).search(POSSIBLE_DUPLICATES), ticket_a | ticket_b)

    def test_portal_users_never_see_pairs(self):
        portal = new_test_user(
            self.env, login="hd_portal_carla", groups="base.group_portal", partner_id=self.contact.id
        )
        old = self.create_ticket(name="Invoice PDF is empty", partner_id=self.contact.id)
        new = self.create_ticket(name="Invoice PDF is empty", partner_id=self.contact.id)
        self.assertTrue(new.duplicate_pair_ids)
        for ticket, fname in ((new, "duplicate_pair_ids"), (old, "duplicated_by_pair_ids")):
            with self.assertRaises(AccessError):
                ticket.with_user(portal).read([fname])
        with self.assertRaises(AccessError):
            self.Pair.with_user(portal).search([])
        with self.assertRaises(AccessError):
            new.duplicate_pair_ids.with_user(portal).action_not_duplicate()
        with self.assertRaises(AccessError):
            self.Ticket.with_user(portal).search(POSSIBLE_DUPLICATES)
        with self.assertRaises(AccessError):
            new.with_user(portal).action_find_duplicates()

    # ------------------------------------------------------------
    # The similarity helper, without pg_trgm, query counts
    # ------------------------------------------------------------

    def test_find_similar_tickets(self):
        vpn = self.create_ticket(name="VPN drops every 10 minutes", partner_id=self.contact.id)
        vpn_b = self.create_ticket(name="Re: VPN drops every ten minutes", team_id=self.team_b.id)
        self.create_ticket(name="Printer offline", partner_id=self.contact.id)
        Ticket = self.Ticket
        found = Ticket._find_similar_tickets("Fwd: VPN drops every 10 minutes", limit=5)
        self.assertEqual([ticket for ticket, _score in found], [vpn, vpn_b])
        self.assertEqual(found[0][1], 1.0)
        self.assertAlmostEqual(
            found[1][1], self.similarity("vpn drops every 10 minutes", "vpn drops every ten minutes")
        )
        self.assertEqual(Ticket._find_similar_tickets("VPN drops every 10 minutes", limit=1), found[:1])
        self.assertEqual(
            Ticket._find_similar_tickets("VPN drops every 10 minutes", domain=[("team_id", "=", self.team_b.id)]),
            found[1:],
        )
        self.assertFalse(Ticket._find_similar_tickets("VPN drops every 10 minutes", threshold=1.01))
        self.assertFalse(Ticket._find_similar_tickets("Re: [HD-000001]"))
        # The current user's record rules apply.
        self.assertEqual(
            [t for t, _s in Ticket.with_user(self.user_a)._find_similar_tickets("VPN drops every 10 minutes")], [vpn]
        )
        # The threshold holds for the query only.
        [(setting,)] = self.env.execute_query(SQL("SELECT current_setting('pg_trgm.similarity_threshold', true)"))
        self.assertIn(setting, (None, "0.3"))

    def test_without_pg_trgm(self):
        """Without the extension (as Odoo checks it: registry.has_trigram), subjects compare by
        containment (ilike), scored by the length ratio; equal subjects and descriptions are
        still 100 %."""
        with patch.object(self.registry, "has_trigram", False):
            old = self.create_ticket(
                name="Printer offline on floor 2", partner_id=self.contact.id, description=VPN_BODY
            )
            contained = self.create_ticket(name="Printer offline on floor", partner_id=self.contact.id)
            same = self.create_ticket(name="re: printer offline on floor 2", partner_id=self.contact.id)
            body = self.create_ticket(name="Cannot work", partner_id=self.contact.id, description=VPN_BODY)
            other = self.create_ticket(name="Printer on floor 2 offline", partner_id=self.contact_bob.id)
            self.assertEqual(self.candidates(contained), {old: round(100 * 24 / 26)})
            self.assertEqual(self.candidates(same), {old: 100, contained: round(100 * 24 / 26)})
            self.assertEqual(self.candidates(body), {old: 100})
            self.assertFalse(self.candidates(other))
            # "_" and "%" are no wildcards: "disk 941 full" does not contain "disk 9_1 full".
            self.create_ticket(name="Disk 9_1 full", partner_id=self.contact.id)
            self.assertFalse(self.candidates(self.create_ticket(name="Disk 941 full", partner_id=self.contact.id)))
            found = self.Ticket._find_similar_tickets("printer offline on floor", threshold=0.5)
            self.assertEqual(found, [(contained, 1.0), (same, 24 / 26), (old, 24 / 26)])

    def test_batch_detection_costs_the_same_queries_whatever_its_size(self):
        team = self.env["helpdesk.team"].create({"name": "Quiet desk", "duplicate_window_hours": 0})
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {i}", "email": f"customer{i}@example.com"} for i in range(10)]
        )
        for customer in customers:
            self.create_ticket(name="Monitor flickers", partner_id=customer.id, team_id=team.id)

        def batch(customers):
            return self.Ticket.create(
                [
                    {"name": f"Monitor flickers ({i})", "partner_id": customer.id, "team_id": team.id}
                    for i, customer in enumerate(customers)
                ]
            )

        small, large = batch(customers[:2]), batch(customers[2:])
        team.duplicate_window_hours = 72
        # Warm-up: the first pair ever created reads the model's defaults (then cached).
        other = self.env["res.partner"].create({"name": "Other customer"})
        self.create_ticket(name="Keyboard", partner_id=other.id, team_id=team.id)
        self.create_ticket(name="Keyboard", partner_id=other.id, team_id=team.id)
        counts = {}
        for tickets in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            created = self.Pair._detect(tickets)
            counts[len(tickets)] = self.env.cr.sql_log_count - start
            self.assertEqual(created.ticket_id, tickets, "each with its customer's first ticket")
        # The tickets, their teams, the candidates, the insert.
        self.assertEqual(counts, {2: 4, 8: 4})


@tagged("post_install", "-at_install")
class TestDuplicateEmail(DuplicateFixtures, HelpdeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_duplicate_fixtures()

    def test_email_through_the_gateway(self):
        """An email (a real RFC 822 message through message_process) from Carla about what her
        colleague reported by phone, then the same email again under another subject."""
        phoned = self.create_ticket(name="VPN drops every 10 min", partner_id=self.contact_dan.id, channel="phone")
        ticket = self.email_ticket(subject="Re: VPN drops every 10 minutes")
        self.assertEqual((ticket.channel, ticket.partner_id), ("email", self.contact))
        self.assertEqual(
            self.candidates(ticket),
            {phoned: round(self.similarity("vpn drops every 10 min", "vpn drops every 10 minutes") * 100)},
        )
        again = self.email_ticket(subject="Urgent: no VPN at all")
        self.assertEqual(again.description_hash, ticket.description_hash)
        self.assertEqual(self.candidates(again), {ticket: 100})
        self.assertEqual(again.duplicate_pair_ids.match, "body")


@tagged("post_install", "-at_install")
class TestDuplicateChannels(DuplicateFixtures, HelpdeskHttpCommon):
    """Portal, public web form and JSON-2, through HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_duplicate_fixtures()
        cls.team_a.public_form = True
        cls.portal_carla = new_test_user(
            cls.env,
            login="hd_portal_carla",
            groups="base.group_portal",
            partner_id=cls.contact.id,
            email="carla@acme.example.com",
        )
        cls.old = cls.create_ticket(name="Invoice PDF is empty", partner_id=cls.contact_dan.id)

    def submit(self, url, data):
        page = self.url_open(f"{url}?category_id=0")
        self.assertEqual(page.status_code, 200, page.text[:500])
        data = {"csrf_token": CSRF_RE.search(page.text).group(1), "category_id": 0, **data}
        response = self.url_open(url, data=data)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return self.Ticket.search([], order="id desc", limit=1)

    def api_headers(self, user):
        key = (
            self.env["res.users.apikeys"]
            .with_user(user)
            ._generate(scope="rpc", name="duplicates", expiration_date=datetime.now() + timedelta(days=1))
        )
        return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def call(self, user, model, method, payload):
        return self.url_open(f"/json/2/{model}/{method}", data=json.dumps(payload), headers=self.api_headers(user))

    def test_portal_form(self):
        self.authenticate("hd_portal_carla", "hd_portal_carla")
        ticket = self.submit("/my/tickets/new", {"name": "Invoice PDF is empty!", "description": "No lines."})
        self.assertEqual((ticket.channel, ticket.partner_id), ("portal", self.contact))
        self.assertEqual(self.candidates(ticket), {self.old: 100})
        # The customer's page says nothing about it.
        page = self.url_open(f"/my/tickets/{ticket.id}").text
        self.assertIn(ticket.reference, page)
        self.assertNotIn(self.old.reference, page)
        self.assertNotIn("uplicate", page)

    def test_public_web_form(self):
        ticket = self.submit(
            self.team_a._get_public_form_path(),
            {
                "partner_name": "Carla C.",
                "email": "Carla@Acme.example.com",
                "name": "The invoice PDF is empty",
                "description": "No lines at all.",
            },
        )
        self.assertEqual(ticket.channel, "web_form")
        self.assertEqual(ticket.partner_id, self.contact, ticket.partner_id.read(["name", "email", "user_ids"]))
        self.assertEqual(
            self.candidates(ticket),
            {self.old: round(self.similarity("invoice pdf is empty", "the invoice pdf is empty") * 100)},
        )

    def test_api(self):
        response = self.call(
            self.agent,
            "helpdesk.ticket",
            "create",
            {"vals_list": [{"name": "Fwd: Invoice PDF is empty", "partner_id": self.contact.id, "channel": "api"}]},
        )
        self.assertEqual(response.status_code, 200, response.text)
        ticket = self.Ticket.browse(response.json())
        self.assertEqual(self.candidates(ticket), {self.old: 100})
        rows = self.call(
            self.agent, "helpdesk.ticket", "read", {"ids": ticket.ids, "fields": ["duplicate_pair_ids"]}
        ).json()
        self.assertEqual(rows[0]["duplicate_pair_ids"], ticket.duplicate_pair_ids.ids)
        pairs = self.call(
            self.agent,
            "helpdesk.ticket.duplicate",
            "search_read",
            {"domain": [("ticket_id", "=", ticket.id)], "fields": ["original_id", "similarity", "match"]},
        ).json()
        self.assertEqual(
            [(row["original_id"][0], row["similarity"], row["match"]) for row in pairs], [(self.old.id, 1.0, "subject")]
        )

    def test_json2_as_a_team_user_and_as_a_portal_user(self):
        """Team A's user does not reach team B's ticket through the pairs; a portal user reaches
        no pair at all."""
        self.old.team_id = self.team_b
        ticket = self.create_ticket(name="Invoice PDF is empty", partner_id=self.contact.id)
        pair = ticket.duplicate_pair_ids
        self.assertEqual(pair.original_id, self.old)
        fields = ["duplicate_pair_ids", "duplicated_by_pair_ids"]
        response = self.call(self.user_a, "helpdesk.ticket", "read", {"ids": ticket.ids, "fields": fields})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()[0]["duplicate_pair_ids"], [])
        for method, payload in (
            ("search_read", {"domain": [], "fields": ["ticket_id", "original_id"]}),
            ("search_count", {"domain": []}),
        ):
            response = self.call(self.user_a, "helpdesk.ticket.duplicate", method, payload)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertFalse(response.json())
        for model, method, payload in (
            ("helpdesk.ticket.duplicate", "read", {"ids": pair.ids, "fields": ["original_id"]}),
            ("helpdesk.ticket.duplicate", "action_not_duplicate", {"ids": pair.ids}),
        ):
            response = self.call(self.user_a, model, method, payload)
            self.assertEqual(response.status_code, 403, response.text)
            self.assertNotIn(self.old.reference, response.text)
        response = self.call(
            self.user_a, "helpdesk.ticket", "search_read", {"domain": POSSIBLE_DUPLICATES, "fields": ["name"]}
        )
        self.assertEqual(response.json(), [])
        # The customer, owner of the ticket.
        response = self.call(self.portal_carla, "helpdesk.ticket", "read", {"ids": ticket.ids, "fields": ["name"]})
        self.assertEqual(response.status_code, 200, response.text)
        for model, method, payload in (
            ("helpdesk.ticket", "read", {"ids": ticket.ids, "fields": fields}),
            ("helpdesk.ticket", "search_read", {"domain": POSSIBLE_DUPLICATES, "fields": ["name"]}),
            ("helpdesk.ticket", "action_find_duplicates", {"ids": ticket.ids}),
            ("helpdesk.ticket.duplicate", "search_read", {"domain": [], "fields": ["original_id"]}),
            ("helpdesk.ticket.duplicate", "action_not_duplicate", {"ids": pair.ids}),
        ):
            with self.subTest(model=model, method=method):
                response = self.call(self.portal_carla, model, method, payload)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertNotIn(self.old.reference, response.text)
        self.assertFalse(pair.dismissed)
