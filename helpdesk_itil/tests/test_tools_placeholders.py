from markupsafe import Markup

from odoo.tests import BaseCase

from ..tools.placeholders import PLACEHOLDERS, render_placeholders

VALUES = {
    "reference": "HD-000042",
    "customer_name": "Carla <Contact>",
    "agent_name": "Ana",
    "agent_signature": "Ana, Team A",
    "sla_deadline": "",
    "portal_url": "https://example.com/my/tickets/42",
    "team": "Team A",
}


class TestRenderPlaceholders(BaseCase):
    def test_every_placeholder_is_rendered(self):
        text = " | ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS if name != "sla_deadline")
        rendered = render_placeholders(text, VALUES)
        self.assertEqual(
            rendered.text,
            "HD-000042 | Carla <Contact> | Ana | Ana, Team A | https://example.com/my/tickets/42 | Team A",
        )
        self.assertEqual(rendered.unknown, [])
        self.assertEqual(rendered.empty, [])

    def test_spaces_inside_the_braces(self):
        self.assertEqual(render_placeholders("Ref {{ reference }}.", VALUES).text, "Ref HD-000042.")

    def test_unknown_placeholders_stay_as_typed_and_are_listed_once(self):
        text = "Hi {{ customer }}, {{partner_id.password}} {{ object.x }} {{reference}} {{ customer }} {{}}"
        rendered = render_placeholders(text, VALUES)
        self.assertEqual(
            rendered.text, "Hi {{ customer }}, {{partner_id.password}} {{ object.x }} HD-000042 {{ customer }} {{}}"
        )
        self.assertEqual(rendered.unknown, ["{{ customer }}", "{{partner_id.password}}", "{{ object.x }}", "{{}}"])

    def test_nothing_is_evaluated_or_looked_up(self):
        # Values handed in under other names are never reached: only the whitelist is read.
        values = dict(VALUES, password="s3cret", object="OBJ", __class__="CLS")
        for text in (
            "{{password}}",
            "{{ object }}",
            "{{__class__}}",
            "{{reference.__class__}}",
            "{{ reference|upper }}",
            "{{ 7*7 }}",
            "{% if reference %}x{% endif %}",
            "${reference}",
            "{reference}",
        ):
            with self.subTest(text=text):
                rendered = render_placeholders(text, values)
                self.assertEqual(rendered.text, text)
                self.assertNotIn("s3cret", rendered.text)

    def test_nested_braces_render_the_inner_placeholder_only(self):
        self.assertEqual(render_placeholders("{{{{reference}}}}", VALUES).text, "{{HD-000042}}")
        rendered = render_placeholders("{{ {{customer_name}} }}", VALUES)
        self.assertEqual(rendered.text, "{{ Carla <Contact> }}")
        self.assertEqual(rendered.unknown, [])

    def test_values_are_not_rendered_again(self):
        # A customer named "{{agent_signature}}" stays that name: one pass, no recursion.
        values = dict(VALUES, customer_name="{{agent_signature}} {{password}}")
        rendered = render_placeholders("Hello {{customer_name}}", values)
        self.assertEqual(rendered.text, "Hello {{agent_signature}} {{password}}")
        self.assertEqual(rendered.unknown, [])

    def test_empty_values_are_reported(self):
        rendered = render_placeholders("By {{sla_deadline}} ({{ sla_deadline }})", VALUES)
        self.assertEqual(rendered.text, "By  ()")
        self.assertEqual(rendered.empty, ["sla_deadline"])

    def test_html_escapes_plain_values_and_keeps_markup(self):
        values = dict(VALUES, agent_signature=Markup("<p>Ana</p>"))
        rendered = render_placeholders(Markup("<p>Hi {{customer_name}}</p>{{agent_signature}}"), values, html=True)
        self.assertIsInstance(rendered.text, Markup)
        self.assertEqual(str(rendered.text), "<p>Hi Carla &lt;Contact&gt;</p><p>Ana</p>")

    def test_no_text(self):
        self.assertEqual(render_placeholders(False, VALUES).text, "")
        self.assertEqual(render_placeholders(None, VALUES, html=True).text, Markup(""))
