import hashlib
import os
import string
from email.message import EmailMessage
from email.utils import make_msgid

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import html2plaintext, plaintext2html

from odoo.addons.mail.tests.common import MailCase

from .common import HelpdeskFixtures

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")


class HelpdeskMailCommon(HelpdeskFixtures, MailCase):
    """Fixtures plus Odoo's mail test tooling: an alias domain and the mail mock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._init_mail_gateway()  # alias domain test.mycompany.com for the company
        cls.setup_helpdesk_fixtures()
        cls.team_a.alias_name = "helpdesk-a"
        cls.team_b.write({"alias_name": "helpdesk-b", "email_create_partner": False})
        cls.alias_a = f"helpdesk-a@{cls.alias_domain}"
        cls.alias_b = f"helpdesk-b@{cls.alias_domain}"
        cls.ack_template = cls.env.ref("helpdesk_itil.mail_template_ticket_acknowledgement")
        cls.odoobot = cls.env.ref("base.partner_root")
        cls.Ticket = cls.env["helpdesk.ticket"]

    def eml(self, name, **values):
        """A test email from tests/data, with ${placeholders} filled in. Read as
        latin-1 so that 8-bit bodies in other charsets come through byte for byte."""
        with open(os.path.join(DATA_DIR, name), "rb") as f:
            text = f.read().decode("latin-1")
        values.setdefault("msgid", make_msgid(domain="acme.example.com"))
        values.setdefault("to", self.alias_a)
        return string.Template(text).substitute(values).encode("latin-1")

    def process(self, raw, model=None):
        """Run an email through the gateway as fetchmail does; returns the thread id."""
        return self.env["mail.thread"].message_process(model, raw)

    def new_tickets(self, before):
        return self.Ticket.search([("id", ">", before)], order="id")

    def last_ticket_id(self):
        return self.Ticket.search([], order="id desc", limit=1).id or 0

    def acks(self, ticket):
        return ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment")

    def email_ticket(self, subject="VPN drops every 10 minutes", cc="", to=None):
        before = self.last_ticket_id()
        self.process(self.eml("multipart_alternative.eml", subject=subject, cc=cc, to=to or self.alias_a))
        ticket = self.new_tickets(before)
        self.assertEqual(len(ticket), 1)
        return ticket

    def reply(
        self,
        ticket,
        body="Version 5.2, as asked.",
        email_from="Carla Contact <carla@acme.example.com>",
        subject=None,
        in_reply_to=None,
        to=None,
    ):
        if in_reply_to is None:
            in_reply_to = ticket.message_ids.filtered("message_id").sorted("id")[-1].message_id
        return self.process(
            self.eml(
                "reply.eml",
                email_from=email_from,
                to=to or self.alias_a,
                subject=subject or f"Re: {ticket.name}",
                in_reply_to=in_reply_to,
                body=body,
            )
        )


@tagged("post_install", "-at_install")
class TestMailGateway(HelpdeskMailCommon):
    # ------------------------------------------------------------
    # New tickets
    # ------------------------------------------------------------

    def test_new_email_creates_ticket_for_known_contact(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket(cc="Dora Dev <dora@acme.example.com>, it@acme.example.com")
        self.assertEqual(ticket.name, "VPN drops every 10 minutes")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.partner_id, self.contact, "the sender's address matches an existing contact")
        self.assertEqual(ticket.partner_email, "carla@acme.example.com")
        self.assertEqual(ticket.stage_id, self.stage_new)
        # multipart/alternative: the HTML part is the description
        self.assertIn("<b>Error 809</b>", ticket.description)
        self.assertNotIn("*Error 809*", ticket.description)
        # the email itself is in the chatter, from the customer, with its attachment
        email = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(email), 1)
        self.assertEqual(email.author_id, self.contact)
        self.assertEqual(email.attachment_ids.mapped("name"), ["vpn-client.log"])
        self.assertEqual(email.attachment_ids.raw, b"09:10:01 connected\n09:20:02 disconnected (809)\n")
        self.assertEqual(email.attachment_ids.res_id, ticket.id)
        # CC: kept on the ticket; known and new addresses follow it (team defaults)
        self.assertIn("dora@acme.example.com", ticket.email_cc)
        dora = self.env["res.partner"].search([("email_normalized", "=", "dora@acme.example.com")])
        self.assertEqual(dora.name, "Dora Dev")
        self.assertLessEqual(self.contact | self.customer | dora, ticket.message_partner_ids)

    def test_acknowledgement_sent_as_odoobot_with_reference_and_portal_link(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
        ack = self.acks(ticket)
        self.assertEqual(len(ack), 1)
        self.assertEqual(ack.author_id, self.odoobot)
        self.assertEqual(ack.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertEqual(ack.subject, f"[{ticket.reference}] VPN drops every 10 minutes")
        self.assertEqual(ack.partner_ids, self.contact)
        self.assertIn(ticket.reference, ack.body)
        share_url = f"/mail/view?model=helpdesk.ticket&amp;res_id={ticket.id}&amp;access_token={ticket.access_token}"
        self.assertIn(share_url, ack.body)
        self.assertTrue(ticket.access_token)
        # one email to the customer only, flagged as an automatic reply, threaded with
        # the customer's email and answered to the team's alias
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == ack)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.contact)
        self.assertIn("Auto-Submitted", mail.headers)
        self.assertIn("auto-replied", mail.headers)
        # in the light layout: one button to the ticket (the template's), no signature
        text = html2plaintext(mail.body_html)
        self.assertIn(f"View ticket {ticket.reference}", text)
        self.assertNotIn("View Helpdesk Ticket", text)
        signature = html2plaintext(self.env.ref("base.user_root").signature or "").strip()
        self.assertTrue(signature)
        self.assertNotIn(signature, text)
        incoming = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn(incoming.message_id, mail.references)
        self.assertIn(self.alias_a, ack.reply_to)
        self.assertIn(self.alias_a, ack.email_from, "sent from the team's alias")
        # an acknowledgement is not an answer
        self.assertFalse(ticket.first_response_date)
        ticket.with_user(self.user_a).message_post(
            body="Which client version?", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(ticket.first_response_date)

    def test_no_acknowledgement_when_team_does_not_send_it(self):
        self.team_a.send_acknowledgement = False
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
        self.assertFalse(self.acks(ticket))
        self.assertFalse(self._new_mails.filtered(lambda m: m.model == "helpdesk.ticket" and m.res_id == ticket.id))

    def test_unknown_sender_kept_on_ticket_when_team_creates_no_contacts(self):
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(self.eml("html_only.eml", subject="Printer prints blank pages", to=self.alias_b))
        ticket = self.new_tickets(before)
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_name, "Dan Newcomer")
        self.assertEqual(ticket.partner_email, "dan.newcomer@globex.example.org")
        self.assertFalse(self.env["res.partner"].search([("email_normalized", "=", "dan.newcomer@globex.example.org")]))
        # HTML only: content kept, scripts and handlers gone
        self.assertIn("<strong>shared printer</strong>", ticket.description)
        self.assertNotIn("script", ticket.description)
        self.assertNotIn("onclick", ticket.description)
        # the acknowledgement goes to the address itself
        ack = self.acks(ticket)
        self.assertEqual(len(ack), 1)
        self.assertFalse(ack.partner_ids)
        mail = self._new_mails.filtered(lambda m: m.mail_message_id == ack)
        self.assertEqual(mail.email_to, "dan.newcomer@globex.example.org")
        self.assertNotIn("pid=", ack.body)

    def test_unknown_sender_becomes_contact_when_team_creates_contacts(self):
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(self.eml("html_only.eml", subject="Printer prints blank pages"))
        ticket = self.new_tickets(before)
        self.assertEqual(ticket.partner_id.email, "dan.newcomer@globex.example.org")
        self.assertEqual(ticket.partner_id.name, "Dan Newcomer")
        self.assertEqual(ticket.message_ids.filtered(lambda m: m.message_type == "email").author_id, ticket.partner_id)
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)

    def test_cc_not_followers_when_team_disallows_it(self):
        self.team_a.email_cc_as_followers = False
        with self.mock_mail_gateway():
            ticket = self.email_ticket(cc="Dora Dev <dora@acme.example.com>")
        self.assertIn("dora@acme.example.com", ticket.email_cc, "still kept on the ticket")
        self.assertNotIn("dora@acme.example.com", ticket.message_partner_ids.mapped("email"))
        self.assertFalse(self.env["res.partner"].search([("email_normalized", "=", "dora@acme.example.com")]))

    def test_iso_8859_1_subject_and_body(self):
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(self.eml("iso_8859_1.eml"))
        ticket = self.new_tickets(before)
        self.assertEqual(ticket.name, "Imprimante en panne à l'accueil")
        self.assertEqual(ticket.partner_id.name, "René François")
        self.assertIn("« Bourrage papier »", ticket.description)
        self.assertIn("était pourtant vide", ticket.description)

    def test_windows_1252_8bit_body(self):
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(self.eml("windows_1252.eml"))
        ticket = self.new_tickets(before)
        self.assertEqual(ticket.name, "“Quote” export fails – total shows € 0")
        self.assertIn("The “Export quote” button", ticket.description)
        self.assertIn("€ 1.250,00", ticket.description)
        self.assertIn("It’s the same", ticket.description)
        self.assertEqual(ticket.partner_email, "zoe.whitaker@acme.example.com")

    def test_big_attachment_is_kept(self):
        payload = os.urandom(4 * 1024 * 1024)
        msg = EmailMessage()
        msg["From"] = "Carla Contact <carla@acme.example.com>"
        msg["To"] = self.alias_a
        msg["Subject"] = "Crash dump of the ERP client"
        msg["Message-ID"] = make_msgid(domain="acme.example.com")
        msg.set_content("The client crashed again, dump attached.")
        msg.add_attachment(payload, maintype="application", subtype="octet-stream", filename="erp-client.dmp")
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(msg.as_bytes())
        ticket = self.new_tickets(before)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "erp-client.dmp")
        self.assertEqual(attachment.file_size, len(payload))
        self.assertEqual(attachment.checksum, hashlib.sha1(payload).hexdigest())
        self.assertIn("dump attached", ticket.description)

    def test_forwarded_thread_creates_one_ticket_with_the_thread(self):
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(self.eml("forwarded.eml"))
        ticket = self.new_tickets(before)
        self.assertEqual(len(ticket), 1, "references to messages we never saw do not route anywhere")
        self.assertEqual(ticket.name, "Fwd: Badge reader at the warehouse door")
        self.assertEqual(ticket.partner_id, self.contact, "the forwarder is the requester")
        self.assertIn("Forwarded message", ticket.description)
        self.assertIn("rejects every badge", ticket.description)
        self.assertIn("original.eml", ticket.message_ids.attachment_ids.mapped("name"))

    def agent_forward(self, html_forward, plain_forward="", email_from=None):
        before = self.last_ticket_id()
        raw = self.eml(
            "agent_forwarded.eml",
            email_from=email_from or f"Ana Agent <{self.user_a.email}>",
            html_forward=html_forward,
            plain_forward=plain_forward,
        )
        with self.mock_mail_gateway():
            self.process(raw)
        ticket = self.new_tickets(before)
        self.assertEqual(len(ticket), 1)
        return ticket

    def test_email_an_agent_forwards_is_the_customer_request(self):
        self.user_a.email = "ana@desk.example.com"
        # Gmail: the sender's name in <strong>, the address in a mailto link.
        gmail = (
            '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
            '<b>From:</b> <strong class="gmail_sendername" dir="auto">Carla Contact</strong> '
            '<span dir="auto">&lt;<a href="mailto:carla@acme.example.com">carla@acme.example.com</a>&gt;</span><br>'
            "Date: Fri, 17 Oct 2025 at 08:55<br>Subject: Invoice portal shows an error<br>"
            "To: &lt;support@desk.example.com&gt;<br></div>"
        )
        ticket = self.agent_forward(gmail)
        self.assertEqual(ticket.partner_id, self.contact, "the original sender is the requester")
        email = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(email.author_id, self.user_a.partner_id, "the agent stays the author of the email")
        self.assertIn(self.contact, ticket.message_partner_ids)
        ack = self.acks(ticket)
        self.assertEqual(ack.partner_ids, self.contact, "the customer, not the agent, is acknowledged")

    def test_outlook_forward_of_an_unknown_sender_keeps_their_address(self):
        self.user_a.email = "ana@desk.example.com"
        outlook = (
            "<hr><div><b>From:</b> Zoe Newcomer &lt;zoe@newcomer.example.com&gt;<br>"
            "<b>Sent:</b> Friday, October 17, 2025 08:55<br><b>To:</b> Support<br>"
            "<b>Subject:</b> Invoice portal shows an error</div>"
        )
        plain = "________________________________\nFrom: Zoe Newcomer <zoe@newcomer.example.com>\nSent: Friday"
        before_partners = self.env["res.partner"].search_count([])
        self.team_a.email_create_partner = False
        ticket = self.agent_forward(outlook, plain_forward=plain)
        self.assertFalse(ticket.partner_id)
        self.assertEqual(ticket.partner_email, "zoe@newcomer.example.com")
        self.assertEqual(ticket.partner_name, "Zoe Newcomer")
        self.assertEqual(self.env["res.partner"].search_count([]), before_partners, "the team creates no contacts")
        # A text-only email (the gateway turns it into HTML) is read the same way.
        self.assertEqual(
            self.Ticket._forwarded_sender({"body": plaintext2html(plain)}), '"Zoe Newcomer" <zoe@newcomer.example.com>'
        )

    def test_agent_email_without_forward_or_forwarding_a_colleague_stays_theirs(self):
        self.user_a.email = "ana@desk.example.com"
        self.user_a2.email = "bob@desk.example.com"
        ticket = self.agent_forward("<p>No forward here, my own laptop is broken.</p>")
        self.assertEqual(ticket.partner_id, self.user_a.partner_id)
        internal = (
            f"---------- Forwarded message ---------<br>From: Bob &lt;{self.user_a2.email}&gt;<br>Subject: printer<br>"
        )
        ticket = self.agent_forward(internal)
        self.assertEqual(ticket.partner_id, self.user_a.partner_id, "an internal email passed on is not a customer's")
        # A customer forwarding a thread stays the requester (test above): only agents' forwards count.

    def test_message_new_does_what_mail_would(self):
        """helpdesk.ticket.message_new() creates the ticket itself with the values
        mail.thread.cc's and mail.thread's message_new() would add (_message_new_values):
        no other message_new() may sit between them, or it would be skipped."""
        mro = type(self.Ticket).__mro__
        own = next(i for i, cls in enumerate(mro) if cls.__module__.endswith("helpdesk_itil.models.helpdesk_ticket"))
        below = [cls.__module__ for cls in mro[own + 1 :] if "message_new" in vars(cls)]
        self.assertEqual(below, ["odoo.addons.mail.models.mail_thread_cc", "odoo.addons.mail.models.mail_thread"])
        values = self.Ticket._message_new_values(
            {"subject": "Printer", "email_from": "carla@acme.example.com", "cc": "Dora <dora@acme.example.com>"},
            {"name": "", "team_id": self.team_a.id},
        )
        self.assertEqual(
            values,
            {
                "email_cc": '"Dora" <dora@acme.example.com>',
                "name": "Printer",
                "team_id": self.team_a.id,
                "partner_email": "carla@acme.example.com",
            },
        )

    def test_empty_subject(self):
        msg = EmailMessage()
        msg["From"] = "carla@acme.example.com"
        msg["To"] = self.alias_a
        msg["Message-ID"] = make_msgid(domain="acme.example.com")
        msg.set_content("no subject, just this")
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(msg.as_bytes())
        self.assertEqual(self.new_tickets(before).name, "(no subject)")

    def test_same_message_twice_creates_one_ticket(self):
        raw = self.eml("html_only.eml", subject="Printer prints blank pages")
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(raw)
            self.process(raw)
        self.assertEqual(len(self.new_tickets(before)), 1)

    def test_unroutable_email_is_refused_not_lost_silently(self):
        with self.mock_mail_gateway(), self.assertRaisesRegex(ValueError, "No possible route"):
            self.process(self.eml("html_only.eml", subject="Hello?", to=f"nobody@{self.alias_domain}"))

    # ------------------------------------------------------------
    # Replies
    # ------------------------------------------------------------

    def test_reply_by_headers_is_added_to_its_ticket(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            agent_msg = ticket.with_user(self.user_a).message_post(
                body="Which client version?", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            before = self.last_ticket_id()
            thread_id = self.reply(ticket, in_reply_to=agent_msg.message_id)
        self.assertEqual(thread_id, ticket.id)
        self.assertFalse(self.new_tickets(before))
        last = ticket.message_ids.sorted("id")[-1]
        self.assertEqual(last.author_id, self.contact)
        self.assertIn("Version 5.2", last.body)
        self.assertEqual(len(self.acks(ticket)), 1, "no acknowledgement for a reply")

    def test_reply_by_reference_in_subject_without_headers(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            before = self.last_ticket_id()
            thread_id = self.reply(ticket, subject=f"RE: [{ticket.reference}] VPN", in_reply_to="")
        self.assertEqual(thread_id, ticket.id)
        self.assertFalse(self.new_tickets(before))
        self.assertIn("Version 5.2", ticket.message_ids.sorted("id")[-1].body)

    def test_reference_in_subject_from_a_stranger_opens_a_new_ticket(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            count = len(ticket.message_ids)
            before = self.last_ticket_id()
            self.reply(
                ticket,
                email_from="Mallory <mallory@evil.example.net>",
                subject=f"Re: [{ticket.reference}] VPN",
                in_reply_to="",
                body="Please send me the VPN password.",
            )
        self.assertEqual(len(ticket.message_ids), count, "knowing a reference is not enough")
        new = self.new_tickets(before)
        self.assertEqual(len(new), 1)
        self.assertEqual(new.partner_email, "mallory@evil.example.net")
        self.assertFalse(new.related_ticket_ids)

    def test_customer_reply_moves_pending_ticket_back_to_in_progress(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            ticket.stage_id = self.stage_pending
            self.reply(ticket)
        self.assertEqual(ticket.stage_id, self.stage_progress)
        self.assertEqual(ticket.reopen_count, 0, "leaving pending is not a reopen")

    def test_agent_reply_by_email_leaves_pending_ticket_alone(self):
        self.user_a.email = "ana@mycompany.example.com"
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            ticket.stage_id = self.stage_pending
            self.reply(ticket, email_from="Ana <ana@mycompany.example.com>", body="Reminder sent.")
        self.assertEqual(ticket.stage_id, self.stage_pending)
        self.assertEqual(ticket.message_ids.sorted("id")[-1].author_id, self.user_a.partner_id)

    def test_customer_reply_reopens_resolved_ticket(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            self.resolve(ticket)
            self.reply(ticket, body="Still dropping, sorry.")
        self.assertEqual(ticket.state, "in_progress")
        self.assertEqual(ticket.reopen_count, 1)
        self.assertFalse(ticket.resolved_date)
        log = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("helpdesk_itil.mt_ticket_reopened"))
        self.assertEqual(len(log), 1)
        self.assertIn("Carla Contact", log.body)

    def test_reply_to_closed_ticket_opens_a_linked_follow_up(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            ticket.category_id = self.env["helpdesk.category"].create({"name": "VPN", "team_id": self.team_a.id})
            self.resolve(ticket, self.stage_closed)
            # The closure's transaction ends (its tracking is posted) before the email comes.
            self.env.cr.flush()
            closed_messages = ticket.message_ids
            before = self.last_ticket_id()
            thread_id = self.reply(ticket, subject="Re: VPN drops again", body="It started again today.")
        follow_up = self.new_tickets(before)
        self.assertEqual(len(follow_up), 1)
        self.assertEqual(thread_id, follow_up.id)
        self.assertEqual(follow_up.name, "Re: VPN drops again")
        self.assertEqual(follow_up.team_id, self.team_a)
        self.assertEqual(follow_up.category_id, ticket.category_id)
        self.assertEqual(follow_up.partner_id, self.contact)
        self.assertEqual(follow_up.stage_id, self.stage_new)
        self.assertIn("It started again", follow_up.description)
        # linked both ways, the closed ticket stays closed and untouched but for a note
        self.assertEqual(follow_up.related_ticket_ids, ticket)
        self.assertEqual(ticket.related_ticket_ids, follow_up)
        link = follow_up.link_ids
        self.assertEqual((link.ticket_id, link.link_type, link.target_id), (follow_up, "follow_up_of", ticket))
        self.assertEqual(ticket.state, "closed")
        self.assertEqual(ticket.reopen_count, 0)
        added = ticket.message_ids - closed_messages
        self.assertEqual(len(added), 1)
        self.assertEqual(added.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn(follow_up.reference, added.body)
        self.assertIn("It started again", follow_up.message_ids.filtered(lambda m: m.message_type == "email").body)
        self.assertEqual(len(self.acks(follow_up)), 1)

    def test_reply_to_cancelled_ticket_by_reference_opens_a_follow_up(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            ticket.stage_id = self.stage_cancelled
            before = self.last_ticket_id()
            self.reply(ticket, subject=f"Re: {ticket.reference} VPN", in_reply_to="")
        self.assertEqual(self.new_tickets(before).related_ticket_ids, ticket)

    def test_agent_reply_to_closed_ticket_stays_on_it(self):
        self.user_a.email = "ana@mycompany.example.com"
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            self.resolve(ticket, self.stage_closed)
            before = self.last_ticket_id()
            thread_id = self.reply(
                ticket, email_from="ana@mycompany.example.com", body="For the record: fixed upstream."
            )
        self.assertEqual(thread_id, ticket.id)
        self.assertFalse(self.new_tickets(before))
        self.assertEqual(ticket.state, "closed")

    # ------------------------------------------------------------
    # Loop protection
    # ------------------------------------------------------------

    def test_auto_reply_creates_ticket_without_acknowledgement(self):
        msg = self.eml("auto_reply.eml", subject="Your invoice", in_reply_to="<unknown@elsewhere.example.com>")
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            self.process(msg)
        ticket = self.new_tickets(before)
        self.assertEqual(len(ticket), 1, "nothing sent to the desk is lost")
        self.assertFalse(self.acks(ticket))
        self.assertFalse(self._new_mails.filtered(lambda m: m.res_id == ticket.id and m.model == "helpdesk.ticket"))

    def test_auto_reply_to_acknowledgement_changes_nothing(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket(cc="Dora Dev <dora@acme.example.com>")
            ticket.stage_id = self.stage_pending
            ack = self.acks(ticket)
            before = self.last_ticket_id()
            mails_before = self._new_mails
            self.process(self.eml("auto_reply.eml", subject=ack.subject, in_reply_to=ack.message_id))
        self.assertFalse(self.new_tickets(before))
        self.assertEqual(ticket.stage_id, self.stage_pending, "an out-of-office is not the customer coming back")
        auto_reply = ticket.message_ids.sorted("id")[-1]
        self.assertIn("out of the office", auto_reply.body)
        self.assertEqual(auto_reply.subtype_id, self.env.ref("mail.mt_note"), "logged as a note for the agents")
        self.assertEqual(len(self.acks(ticket)), 1)
        self.assertEqual(self._new_mails, mails_before, "nothing sent back, not even to the CC'd follower")

    def test_auto_reply_to_closed_ticket_does_not_open_a_follow_up(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            self.resolve(ticket, self.stage_closed)
            before = self.last_ticket_id()
            self.process(self.eml("auto_reply.eml", subject=ticket.name, in_reply_to=self.acks(ticket).message_id))
        self.assertFalse(self.new_tickets(before))
        self.assertFalse(ticket.related_ticket_ids)

    def test_bounce_of_acknowledgement_is_not_a_ticket(self):
        with self.mock_mail_gateway():
            ticket = self.email_ticket()
            ack = self.acks(ticket)
            messages = ticket.message_ids
            before = self.last_ticket_id()
            result = self.process(
                self.eml(
                    "bounce.eml",
                    to=f"{self.alias_bounce}@{self.alias_domain}",
                    bounced_email="carla@acme.example.com",
                    bounced_subject=ack.subject,
                    bounced_msgid=ack.message_id,
                )
            )
        self.assertFalse(result)
        self.assertFalse(self.new_tickets(before))
        self.assertEqual(ticket.message_ids, messages)
        self.assertEqual(self.contact.message_bounce, 1)

    def test_odoo_loop_detection_stops_a_flood(self):
        self.env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 3)
        before = self.last_ticket_id()
        with self.mock_mail_gateway():
            for i in range(5):
                self.process(self.eml("html_only.eml", subject=f"Alert {i}"))
        self.assertEqual(len(self.new_tickets(before)), 3)
        bounce = self._new_mails.filtered(
            lambda m: "dan.newcomer@globex.example.org" in (m.email_to or "") and not m.model
        )
        self.assertTrue(bounce, "the sender is told once the limit is reached")

    # ------------------------------------------------------------
    # Related tickets, reply-to, bad input
    # ------------------------------------------------------------

    def test_related_tickets_are_symmetric(self):
        t1, t2, t3 = (self.create_ticket(name=f"T{i}") for i in range(3))
        t1.related_ticket_ids = t2 | t3
        self.assertEqual(t2.related_ticket_ids, t1)
        self.assertEqual(t3.related_ticket_ids, t1)
        t3.related_ticket_ids = [(3, t1.id)]
        self.assertEqual(t1.related_ticket_ids, t2)
        t4 = self.create_ticket(name="T4", related_ticket_ids=[(4, t2.id)])
        self.assertEqual(t2.related_ticket_ids, t1 | t4)
        # links of a closed ticket stay writable for its team
        self.resolve(t1, self.stage_closed)
        t1.with_user(self.user_a).related_ticket_ids = [(4, t3.id)]
        self.assertIn(t1, t3.related_ticket_ids)
        with self.assertRaisesRegex(ValidationError, "related to itself"):
            t2.related_ticket_ids = [(4, t2.id)]

    def test_cannot_link_a_ticket_one_cannot_see(self):
        mine = self.create_ticket(name="Mine")
        foreign = self.create_ticket(name="Foreign", team_id=self.team_b.id)
        with self.assertRaises(AccessError):
            mine.with_user(self.user_a).related_ticket_ids = [(4, foreign.id)]

    def test_reply_to_is_the_team_alias(self):
        ticket = self.create_ticket()
        self.assertIn(self.alias_a, ticket._notify_get_reply_to()[ticket.id])
        self.assertEqual(
            self.team_a.alias_defaults, str({"team_id": self.team_a.id}), "new tickets by email land in the team"
        )
        self.assertEqual(self.team_a.alias_model_id.model, "helpdesk.ticket")
        self.assertEqual(self.team_a.alias_contact, "everyone")

    def test_acknowledgement_on_creation_by_channel(self):
        with self.mock_mail_gateway():
            portal = self.create_ticket(name="From the portal", channel="portal", partner_id=self.contact.id)
            phone = self.create_ticket(name="By phone", channel="phone", partner_id=self.contact.id)
            nobody = self.create_ticket(name="Web form, no address", channel="web_form", partner_name="Anon")
        self.assertEqual(len(self.acks(portal)), 1)
        self.assertFalse(self.acks(phone))
        self.assertFalse(self.acks(nobody))
