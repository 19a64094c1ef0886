"""The helpdesk's per-ticket emails reuse the compiled code of their template's body
(models/ir_qweb.py, models/mail_template.py): each ticket still gets its own values, an
edited body is used at once, and a restricted render never reuses an unrestricted one."""

from unittest.mock import patch

from lxml import etree, html

from odoo.tests import tagged

from odoo.addons.base.models.ir_qweb import QWebError

from ..models.mail_template import REUSE_COMPILED_TEMPLATE
from .test_mail_gateway import HelpdeskMailCommon


@tagged("post_install", "-at_install")
class TestTemplateCompileCache(HelpdeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.send_acknowledgement = True

    def compiled_elements(self):
        """A patch of ir.qweb's code generation that records the elements it compiles
        (mail template bodies; views are given by id and cached by Odoo)."""
        IrQweb = type(self.env["ir.qweb"])
        generate_code = IrQweb._generate_code
        compiled = []

        def recording(qweb, template):
            if isinstance(template, etree._Element):
                compiled.append(etree.tostring(template))
            return generate_code(qweb, template)

        return patch.object(IrQweb, "_generate_code", recording, create=False), compiled

    def test_acknowledgement_reuses_compiled_body(self):
        first = self.email_ticket(subject="VPN drops every 10 minutes")
        patcher, compiled = self.compiled_elements()
        with patcher:
            second = self.email_ticket(subject="Printer on floor 2 is offline")
        self.assertEqual(compiled, [], "the second acknowledgement compiles nothing")
        first_body, second_body = str(self.acks(first).body), str(self.acks(second).body)
        # Each acknowledgement still carries its own ticket's reference and link.
        self.assertIn(second.reference, second_body)
        self.assertNotIn(first.reference, second_body)
        self.assertIn(f"access_token={second.access_token}", second_body.replace("&amp;", "&"))
        self.assertIn(first.reference, first_body)

    def test_edited_body_is_used_at_once(self):
        self.email_ticket()
        body = str(self.ack_template.body_html)
        self.ack_template.body_html = body.replace("Thank you,", "Thank you for your patience,")
        ticket = self.email_ticket(subject="Badge reader refuses my card")
        self.assertIn("Thank you for your patience,", str(self.acks(ticket).body))
        self.assertIn(ticket.reference, str(self.acks(ticket).body))

    def test_other_renders_unchanged(self):
        """Without the helpdesk's context key an element is compiled at every render, as
        Odoo does."""
        source = '<div><t t-out="object.name"/> <t t-out="1 + 1"/></div>'
        ticket = self.email_ticket()
        QWeb = self.env["ir.qweb"]
        patcher, compiled = self.compiled_elements()
        with patcher:
            for _i in range(2):
                QWeb._render(html.fragment_fromstring(source), {"object": ticket})
        self.assertEqual(len(compiled), 2)
        patcher, compiled = self.compiled_elements()
        with patcher:
            for _i in range(2):
                rendered = QWeb.with_context(**{REUSE_COMPILED_TEMPLATE: True})._render(
                    html.fragment_fromstring(source), {"object": ticket}
                )
        self.assertLessEqual(len(compiled), 1)
        self.assertEqual(str(rendered), f"<div>{ticket.name} 2</div>")

    def test_restricted_render_does_not_reuse_unrestricted_code(self):
        source = '<div><t t-out="object._get_acknowledgement_url()"/></div>'
        ticket = self.email_ticket()
        QWeb = self.env["ir.qweb"].with_context(**{REUSE_COMPILED_TEMPLATE: True})
        url = QWeb._render(html.fragment_fromstring(source), {"object": ticket})
        self.assertIn(ticket.access_token, str(url))
        restricted = QWeb.with_context(raise_on_forbidden_code_for_model="helpdesk.ticket")
        with self.assertRaises(QWebError) as caught:
            restricted._render(html.fragment_fromstring(source), {"object": ticket})
        self.assertIsInstance(caught.exception.__cause__, PermissionError)

    def test_safety_check_remembered_by_source(self):
        Template = self.env["mail.template"].with_context(**{REUSE_COMPILED_TEMPLATE: True})
        unsafe = '<div><t t-out="object._get_acknowledgement_url()"/></div>'
        safe = '<div><t t-out="object.name"/></div>'
        for _i in range(2):
            self.assertTrue(Template._has_unsafe_expression_template_qweb(unsafe, "helpdesk.ticket"))
            self.assertFalse(Template._has_unsafe_expression_template_qweb(safe, "helpdesk.ticket"))
        # The same answers as mail's own check.
        self.assertTrue(self.env["mail.template"]._has_unsafe_expression_template_qweb(unsafe, "helpdesk.ticket"))
        self.assertFalse(self.env["mail.template"]._has_unsafe_expression_template_qweb(safe, "helpdesk.ticket"))

    def test_resolution_request_reuses_compiled_body(self):
        first, second = self.email_ticket(), self.email_ticket(subject="Printer on floor 2 is offline")
        first._send_resolution_request()
        patcher, compiled = self.compiled_elements()
        with patcher:
            second._send_resolution_request()
        self.assertEqual(compiled, [])
        request = second.message_ids.filtered(lambda m: "has been resolved" in str(m.body))
        self.assertEqual(len(request), 1)
        self.assertIn(second.reference, str(request.body))
        self.assertNotIn(first.reference, str(request.body))
