from odoo.tests import TransactionCase, tagged

from odoo.addons.helpdesk_itil.models.helpdesk_ticket import ATTACHMENT_MAX_MB_DEFAULT

from .common_migration import load_migration

PARAM = "helpdesk_itil.attachment_max_mb"
PORTAL_PARAM = "helpdesk_itil.portal_attachment_max_mb"
FORM_PARAM = "helpdesk_itil.form_attachment_max_mb"


@tagged("post_install", "-at_install")
class TestAttachmentLimit(TransactionCase):
    """One limit for what customers upload (portal conversation and web forms): the system
    parameter helpdesk_itil.attachment_max_mb, read by helpdesk.ticket._attachment_max_mb."""

    def setUp(self):
        super().setUp()
        self.Param = self.env["ir.config_parameter"].sudo()
        self.Ticket = self.env["helpdesk.ticket"]
        for key in (PARAM, PORTAL_PARAM, FORM_PARAM):
            self.Param.set_param(key, False)

    def test_default_and_value(self):
        self.assertEqual(ATTACHMENT_MAX_MB_DEFAULT, 10)
        self.assertEqual(self.Ticket._attachment_max_mb(), 10)
        self.Param.set_param(PARAM, "25")
        self.assertEqual(self.Ticket._attachment_max_mb(), 25)
        self.Param.set_param(PARAM, " 0.5 ")
        self.assertEqual(self.Ticket._attachment_max_mb(), 0.5)

    def test_bad_values_fall_back_to_the_default_with_a_warning(self):
        for value in ("ten", "0", "-3", "inf", "nan", "10MB"):
            self.Param.set_param(PARAM, value)
            with self.assertLogs("odoo.addons.helpdesk_itil.models.helpdesk_ticket", "WARNING") as logs:
                self.assertEqual(self.Ticket._attachment_max_mb(), 10, value)
            self.assertIn(f"Ignoring {PARAM}={value!r}", logs.output[0])

    def test_migration_keeps_the_portal_value_else_the_form_value(self):
        migration = load_migration("19.0.1.1.0", "post-attachment-limit")
        self.Param.set_param(PORTAL_PARAM, "3")
        self.Param.set_param(FORM_PARAM, "7")
        migration.migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self.Param.get_param(PARAM), "3")
        self.assertFalse(self.Param.get_param(PORTAL_PARAM))
        self.assertFalse(self.Param.search_count([("key", "in", (PORTAL_PARAM, FORM_PARAM))]))
        self.assertEqual(self.Ticket._attachment_max_mb(), 3)

        self.Param.set_param(PARAM, False)
        self.Param.set_param(FORM_PARAM, "7")
        migration.migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self.Param.get_param(PARAM), "7")
        self.assertFalse(self.Param.get_param(FORM_PARAM))

    def test_migration_without_old_values_sets_nothing(self):
        load_migration("19.0.1.1.0", "post-attachment-limit").migrate(self.env.cr, "19.0.1.0.0")
        self.assertFalse(self.Param.get_param(PARAM))
        self.assertEqual(self.Ticket._attachment_max_mb(), 10)

    def test_migration_keeps_a_new_value_set_by_hand(self):
        self.Param.set_param(PARAM, "12")
        self.Param.set_param(PORTAL_PARAM, "3")
        load_migration("19.0.1.1.0", "post-attachment-limit").migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self.Param.get_param(PARAM), "12")
        self.assertFalse(self.Param.get_param(PORTAL_PARAM))
