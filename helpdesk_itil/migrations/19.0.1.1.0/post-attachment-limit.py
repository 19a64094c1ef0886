"""One attachment limit: `helpdesk_itil.attachment_max_mb` replaces the portal's and the web
forms' parameters. A database keeps the limit it had: the portal's value if set (it is the
one customers met most), else the forms'."""

from odoo import SUPERUSER_ID, api

NEW_PARAM = "helpdesk_itil.attachment_max_mb"
OLD_PARAMS = ("helpdesk_itil.portal_attachment_max_mb", "helpdesk_itil.form_attachment_max_mb")


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Param = env["ir.config_parameter"]
    old_values = [Param.get_param(key) for key in OLD_PARAMS]
    value = next((value for value in old_values if value), None)
    # A value set on the new parameter already (by hand, before the upgrade) wins.
    if value and not Param.get_param(NEW_PARAM):
        Param.set_param(NEW_PARAM, value)
    for key in OLD_PARAMS:
        Param.set_param(key, False)  # set_param(False) deletes the parameter
