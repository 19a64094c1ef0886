import base64
import email
import email.policy
import os
from unittest.mock import patch

from odoo.exceptions import AccessError, ConcurrencyError
from odoo.tests import tagged

from ..tools.mail_headers import read_headers
from .test_mail_gateway import DATA_DIR, HelpdeskMailCommon

CORPUS_DIR = os.path.join(DATA_DIR, "corpus")

# Where each message of the public corpus (tests/data/corpus/README.md) ends, delivered to a
# team's alias: a new ticket, a message on a ticket, or a logged rejection.
CORPUS_OUTCOMES = {
    "cpython_msg_02.eml": "ticket",  # mailing-list digest, no Message-Id
    "cpython_msg_05.eml": "rejection",  # delivery report from "foo" to "baz", no Date
    "cpython_msg_16.eml": "rejection",  # delivery report
    "cpython_msg_18.eml": "ticket",  # no From, no Subject, no Message-Id
    "cpython_msg_19.eml": "ticket",  # no From, no Subject, no Message-Id
    "cpython_msg_25.eml": "rejection",  # delivery report whose boundary is cut off: Odoo's parser raises
    "cpython_msg_38.eml": "ticket",  # nested multiparts, no From
    "cpython_msg_43.eml": "rejection",  # virus-scanner delivery report
    "cpython_msg_46.eml": "ticket",  # Groupwise forward
    "flanker_8bitmime.eml": "ticket",
    "flanker_bilingual-simple.eml": "ticket",
    "flanker_bounce_broken-mime.eml": "ticket",  # a bounce Odoo cannot tell from a person's email
    "flanker_bounce_delayed-broken.eml": "ticket",
    "flanker_bounce_mailbox-full.eml": "rejection",
    "flanker_dashed-boundaries.eml": "ticket",
    "flanker_disposition-notification.eml": "rejection",  # read receipt (multipart/report)
    "flanker_enclosed-bad-encoding.eml": "ticket",
    "flanker_false-multipart.eml": "ticket",
    "flanker_from-encoding.eml": "ticket",
    "flanker_mailformed-headers.eml": "ticket",
    "flanker_missing-boundaries.eml": "ticket",
    "flanker_missing-final-boundary.eml": "ticket",
    "flanker_no-ctype.eml": "ticket",
    "flanker_spam_broken-headers.eml": "ticket",
    "mailparser_mail_malformed_2.eml": "rejection",  # delivery report: mailbox full
    "mailparser_mail_malformed_3.eml": "ticket",  # boundary in the header differs from the body's
    "mailparser_mail_test_12.eml": "ticket",  # GB2312 label on a UTF-8 body, 8-bit To header
    "mailparser_mail_test_16.eml": "ticket",  # GTUBE spam test
    "mailparser_mail_test_18.eml": "ticket",  # encoded display names with commas
    "mailparser_mail_test_19.eml": "ticket",  # an address as display name
    "mailparser_mail_test_9.eml": "ticket",  # invalid GB2312 bytes in subject and body
}


def corpus_message(name, alias):
    """A corpus message as the mail server delivers it to `alias` (it adds Delivered-To)."""
    with open(os.path.join(CORPUS_DIR, name), "rb") as f:
        return b"Delivered-To: " + alias.encode() + b"\n" + f.read()


@tagged("post_install", "-at_install")
class TestMailRejection(HelpdeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rejection = cls.env["helpdesk.mail.rejection"]

    def last_rejection_id(self):
        return self.Rejection.search([], order="id desc", limit=1).id or 0

    def test_every_message_of_a_public_corpus_ends_in_a_ticket_on_a_ticket_or_a_rejection(self):
        names = sorted(name for name in os.listdir(CORPUS_DIR) if name.endswith(".eml"))
        self.assertEqual(names, sorted(CORPUS_OUTCOMES), "every message of the corpus has its expected outcome")
        outcomes = {}
        with self.mock_mail_gateway():
            for name in names:
                raw = corpus_message(name, self.alias_a)
                tickets, rejections = self.last_ticket_id(), self.last_rejection_id()
                self.process(raw)
                message_id = read_headers(raw)["message_id"]
                if self.new_tickets(tickets):
                    outcomes[name] = "ticket"
                    self.assertEqual(self.new_tickets(tickets).team_id, self.team_a)
                elif self.Rejection.search([("id", ">", rejections)]):
                    outcomes[name] = "rejection"
                    rejection = self.Rejection.search([("id", ">", rejections)])
                    self.assertEqual((rejection.team_id, rejection.state), (self.team_a, "new"))
                    self.assertEqual(base64.b64decode(rejection.raw_message), raw, "the raw message is kept")
                elif message_id and self.env["mail.message"].search(
                    [("message_id", "=", message_id), ("model", "=", "helpdesk.ticket")]
                ):
                    outcomes[name] = "on a ticket"
                else:
                    outcomes[name] = "lost"
        self.assertEqual(outcomes, CORPUS_OUTCOMES)

    def test_a_message_odoo_cannot_parse_is_kept_and_becomes_a_ticket(self):
        raw = corpus_message("cpython_msg_25.eml", self.alias_a)
        # What Odoo does without the helpdesk: the parser raises, the fetcher drops the email.
        with self.assertRaises(AttributeError):
            self.env["mail.thread"].message_parse(self._parse(raw))
        with self.mock_mail_gateway():
            self.assertFalse(self.process(raw), "no ticket, and no error for the mail fetcher")
        rejection = self.Rejection.search([])
        self.assertEqual(len(rejection), 1)
        self.assertEqual(rejection.message_id, "<200104061723.JAB03225@zinfandel.lacita.com>")
        self.assertEqual(rejection.email_from, "Mail Delivery Subsystem <MAILER-DAEMON@zinfandel.lacita.com>")
        self.assertTrue(rejection.subject.startswith("Returned mail: Too many hops 19 (17 max)"))
        self.assertEqual(rejection.email_date, "Fri, 6 Apr 2001 09:23:06 -0800 (GMT-0800)")
        self.assertIn(self.alias_a, rejection.email_to)
        self.assertEqual((rejection.kind, rejection.team_id, rejection.state), ("error", self.team_a, "new"))
        self.assertIn("AttributeError", rejection.error)
        self.assertEqual(base64.b64decode(rejection.raw_message), raw)
        self.assertEqual(self.team_a.mail_rejection_count, 1)
        # Delivered again (the mail server retried): logged once, counted.
        with self.mock_mail_gateway():
            self.process(raw)
        self.assertEqual(self.Rejection.search([]), rejection)
        self.assertEqual(rejection.receive_count, 2)
        # An agent turns it into a ticket: the text that could be read, the original attached.
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            rejection.with_user(self.agent).action_create_ticket()
        ticket = self.new_tickets(before)
        self.assertEqual(len(ticket), 1)
        self.assertEqual((rejection.state, rejection.ticket_id), ("done", ticket))
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.channel, "email")
        self.assertTrue(ticket.name.startswith("Returned mail: Too many hops"))
        self.assertIn("unrecoverable error", ticket.description)
        email = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(email.message_id, rejection.message_id)
        original = email.attachment_ids.filtered(lambda a: a.name == "original.eml")
        self.assertEqual(original.raw, raw)
        self.assertFalse(self.acks(ticket), "a mailer daemon is not acknowledged")
        self.assertEqual(self.team_a.mail_rejection_count, 0)

    def _parse(self, raw):
        return email.message_from_bytes(raw, policy=email.policy.SMTP)  # as message_process does

    def test_unknown_charset_from_a_person_becomes_their_ticket(self):
        raw = (
            "From: Carla Contact <carla@acme.example.com>\n"
            f"To: {self.alias_a}\n"
            "Subject: =?x-unknown?q?Facture_d=E9j=E0_pay=E9e?=\n"
            "Message-ID: <unknown-charset@acme.example.com>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: text/plain; charset="x-mac-unknown"\n'
            "Content-Transfer-Encoding: 8bit\n\n"
            "La facture est d\xe9j\xe0 pay\xe9e.\n"
        ).encode("latin-1")
        with self.mock_mail_gateway():
            self.process(raw)
        rejection = self.Rejection.search([])
        self.assertEqual(len(rejection), 1, "Odoo's parser raises on an unknown charset")
        self.assertIn("LookupError", rejection.error)
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            rejection.action_create_ticket()
        ticket = self.new_tickets(before)
        self.assertEqual(ticket.partner_id, self.contact, "the sender is the customer")
        self.assertIn("La facture est déjà payée.", ticket.description)
        self.assertEqual(len(self.acks(ticket)), 1, "and is acknowledged like any email")

    def test_a_reply_that_fails_is_posted_on_its_ticket(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
        raw = corpus_message("cpython_msg_25.eml", "catchall@elsewhere.example.com").replace(
            b"Message-Id: <200104061723",
            b"In-Reply-To: " + self.acks(ticket).message_id.encode() + b"\nMessage-Id: <200104061723",
        )
        with self.mock_mail_gateway():
            self.process(raw)
        rejection = self.Rejection.search([])
        self.assertEqual((rejection.ticket_id, rejection.team_id), (ticket, self.team_a))
        messages = ticket.message_ids
        with self.mock_mail_gateway():
            rejection.action_create_ticket()
        added = ticket.message_ids - messages
        self.assertEqual(len(added), 1)
        self.assertIn("original.eml", added.attachment_ids.mapped("name"))
        self.assertEqual(rejection.ticket_id, ticket)

    def test_email_for_something_else_raises_as_before(self):
        raw = corpus_message("cpython_msg_25.eml", f"nobody@{self.alias_domain}")
        with self.mock_mail_gateway(), self.assertRaises(AttributeError):
            self.process(raw)
        self.assertFalse(self.Rejection.search([]))

    def test_an_error_after_parsing_is_kept_too_and_retries_are_left_to_the_caller(self):
        def fail(*args, **kwargs):
            raise ValueError("the ticket refuses this email")

        raw = self.eml("html_only.eml", subject="Printer prints blank pages")
        # Odoo tells the sender in a transaction of its own (a new cursor, which a test cannot open).
        bounce = patch.object(self.registry["mail.alias"], "_alias_bounce_incoming_email", autospec=True)
        with patch.object(self.registry["helpdesk.ticket"], "message_new", fail), bounce as bounced:
            with self.mock_mail_gateway():
                self.process(raw)
        self.assertEqual(bounced.call_count, 1, "Odoo still tells the sender")
        rejection = self.Rejection.search([])
        self.assertIn("ValueError: the ticket refuses this email", rejection.error)
        self.assertEqual(rejection.subject, "Printer prints blank pages")
        self.assertFalse(self.Ticket.search([("name", "=", "Printer prints blank pages")]), "nothing half-written")
        # A serialisation failure: the mail gateway script's RPC call is retried, so it
        # raises; the mail fetcher does not retry, so the email is kept.
        raw = self.eml("html_only.eml", subject="Scanner jams")

        def conflict(*args, **kwargs):
            raise ConcurrencyError("concurrent update")

        bounce = patch.object(self.registry["mail.alias"], "_alias_bounce_incoming_email", autospec=True)
        with patch.object(self.registry["helpdesk.ticket"], "message_new", conflict), bounce, self.mock_mail_gateway():
            with self.assertRaises(ConcurrencyError):
                self.process(raw)
            self.env["mail.thread"].with_context(default_fetchmail_server_id=1).message_process(None, raw)
        self.assertEqual(self.Rejection.search([], limit=1).subject, "Scanner jams")

    def test_delivery_report_about_nothing_we_sent_is_kept_ours_are_counted(self):
        with self.mock_mail_gateway():
            self.process(corpus_message("mailparser_mail_malformed_2.eml", self.alias_a))
        rejection = self.Rejection.search([])
        self.assertEqual((rejection.kind, rejection.subject), ("bounce", "Delivery failure (abh@netpar.com.br)"))
        rejection.action_dismiss()
        self.assertEqual(rejection.state, "dismissed")
        self.assertEqual(self.team_a.mail_rejection_count, 0)

    def test_who_sees_unprocessed_emails(self):
        with self.mock_mail_gateway():
            self.process(corpus_message("cpython_msg_25.eml", self.alias_a))
        rejection = self.Rejection.search([])
        self.assertEqual(rejection.with_user(self.agent).subject, rejection.subject)
        with self.assertRaises(AccessError):
            rejection.with_user(self.user_a).check_access("read")
        self.assertFalse(self.user_a.has_group("helpdesk_itil.group_helpdesk_agent"))
