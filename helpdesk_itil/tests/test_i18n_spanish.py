from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

from .common import HelpdeskHttpCommon
from .common_i18n import SpanishCatalogueChecks
from .i18n_rules import placeholder_problems


@tagged("post_install", "-at_install")
class TestSpanishCatalogue(SpanishCatalogueChecks, TransactionCase):
    MODULE = "helpdesk_itil"


class TestPlaceholderCheck(BaseCase):
    """The gate itself: it must see a lost placeholder or tag, and accept a faithful translation."""

    def test_faithful_translations_pass(self):
        merged = placeholder_problems("Ticket %(reference)s was merged", "El ticket %(reference)s se fusionó")
        self.assertEqual(merged, [])
        self.assertEqual(placeholder_problems("%s of %s", "%s de %s"), [])
        self.assertEqual(
            placeholder_problems(
                'Hello <t t-out="object.name"/>, see <a href="/my">your tickets</a>.',
                'Hola <t t-out="object.name"/>, consulte <a href="/my">sus tickets</a>.',
            ),
            [],
        )
        self.assertEqual(placeholder_problems("{{ object.reference }} resolved", "{{object.reference}} resuelto"), [])

    def test_lost_or_altered_placeholders_fail(self):
        self.assertTrue(placeholder_problems("Ticket %(reference)s was merged", "El ticket se fusionó"))
        self.assertTrue(placeholder_problems("Ticket %(reference)s", "Ticket %(referencia)s"))
        self.assertTrue(placeholder_problems("%s of %s", "%s de"))
        self.assertTrue(placeholder_problems("{{ object.reference }} resolved", "resuelto"))
        self.assertTrue(placeholder_problems('Hello <t t-out="object.name"/>', "Hola"))
        self.assertTrue(placeholder_problems('<a href="/my">tickets</a>', '<a href="/mis">tickets</a>'))
        self.assertTrue(placeholder_problems("Sales &amp; Service", "Ventas y servicio"))


@tagged("post_install", "-at_install")
class TestSpanishUsers(HelpdeskHttpCommon):
    """A customer and an agent whose language is Spanish read our Spanish strings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_ES")
        # What `--load-language=es_ES` does at install: data and view terms into the database
        # (code terms are read from the .po files directly).
        cls.env["ir.module.module"]._load_module_terms(["helpdesk_itil"], ["es_ES"], overwrite=True)
        cls.env["helpdesk.team"].search([]).send_acknowledgement = True
        cls.customer_es = new_test_user(
            cls.env, login="cliente_es", password="cliente_es", groups="base.group_portal", name="Lucía Cliente"
        )
        cls.customer_es.partner_id.write({"email": "lucia@cliente.example.com", "lang": "es_ES"})
        cls.agent_es = new_test_user(
            cls.env, login="agente_es", groups="helpdesk_itil.group_helpdesk_user", name="Javier Agente", lang="es_ES"
        )
        cls.team_a.member_ids += cls.agent_es

    def test_backend_labels_choices_and_errors_are_spanish_for_a_spanish_agent(self):
        Ticket = self.env["helpdesk.ticket"].with_user(self.agent_es).with_context(lang="es_ES")
        fields = Ticket.fields_get(["name", "priority", "state"], ["string", "selection"])
        self.assertEqual(fields["name"]["string"], "Asunto")
        self.assertEqual(fields["priority"]["string"], "Prioridad")
        self.assertIn(("resolved", "Resuelto"), fields["state"]["selection"])
        arch = Ticket.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('string="Asignarme"', arch)
        self.assertIn('string="Resolución"', arch)
        stage = self.env.ref("helpdesk_itil.stage_in_progress").with_context(lang="es_ES")
        self.assertNotEqual(stage.name, stage.with_context(lang="en_US").name, "data names are translated too")
        category = self.env["helpdesk.category"].create({"name": "Impresoras"})
        with self.assertRaisesRegex(ValidationError, "no es una clave válida"):
            self.env["helpdesk.category.field"].with_user(self.manager).with_context(lang="es_ES").create(
                {"category_id": category.id, "name": "Bad Key", "label": "Modelo"}
            )

    def test_portal_pages_are_spanish_for_a_spanish_customer(self):
        ticket = self.create_ticket(
            name="Portátil sin red", partner_id=self.customer_es.partner_id.id, user_id=self.user_a.id
        )
        self.resolve(ticket)
        self.authenticate("cliente_es", "cliente_es")
        page = self.url_open(f"/my/tickets/{ticket.id}").text
        self.assertIn("¿Se ha resuelto su problema?", page)
        self.assertNotIn("Is your problem solved?", page)
        listing = self.url_open("/my/tickets").text
        self.assertIn("Portátil sin red", listing)
        self.assertIn("Asunto", listing)

    def test_spanish_portal_tour_and_spanish_acknowledgement(self):
        ticket = self.create_ticket(
            name="Tour: el escáner no envía correos", partner_id=self.customer_es.partner_id.id, user_id=self.user_a.id
        )
        self.team_a.use_rating = True
        self.resolve(ticket)

        self.start_tour("/my/tickets/new?category_id=0", "helpdesk_itil_portal_spanish_tour", login="cliente_es")

        submitted = self.env["helpdesk.ticket"].search([("name", "=", "La impresora del almacén no imprime")])
        self.assertEqual(submitted.partner_id, self.customer_es.partner_id)
        self.assertEqual(submitted.urgency, "medium")
        acknowledgement = submitted.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(len(acknowledgement), 1)
        self.assertIn("Hemos recibido su solicitud", acknowledgement.body)
        self.assertNotIn("We received your request", acknowledgement.body)
        self.assertEqual(ticket.state, "closed")
        self.assertEqual(ticket.rating_ids.filtered("consumed").rating, 5)
