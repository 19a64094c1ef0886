from odoo.tests import TransactionCase, tagged

from odoo.addons.helpdesk_itil.tests.common_i18n import SpanishCatalogueChecks


@tagged("post_install", "-at_install")
class TestSpanishCatalogue(SpanishCatalogueChecks, TransactionCase):
    MODULE = "helpdesk_itil_livechat"
