"""Smoke check of `make dist-check`, run by the Python of the throw-away virtualenv in which
Odoo and the built wheels are installed:

    python dist_smoke.py ODOO_CONF DB ADDON...

The addons must be installed in DB and imported from that virtualenv's site-packages (not
from the repository); a ticket goes through the core's path (reference, stage, SLA, chatter)
and each bridge's field is there. Nothing is committed. Exits non-zero on any failure.
"""

import sys
import sysconfig
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

BRIDGE_FIELDS = {
    "helpdesk_itil_crm": ("crm.lead", "helpdesk_ticket_id"),
    "helpdesk_itil_livechat": ("im_livechat.channel", "helpdesk_team_id"),
    "helpdesk_itil_repair": ("repair.order", "helpdesk_ticket_id"),
}


def check(condition, message):
    if not condition:
        raise SystemExit(f"dist smoke check FAILED: {message}")
    print(f"ok: {message}")


def main(conf, db, addons):
    config.parse_config(["-c", conf, "-d", db, "--no-http"])
    odoo.modules.module.initialize_sys_path()
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    for addon in addons:
        path = Path(odoo.modules.module.get_module_path(addon)).resolve()
        check(path.is_relative_to(site_packages), f"{addon} is loaded from the virtualenv ({path})")
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        modules = env["ir.module.module"].search([("name", "in", addons)])
        states = {module.name: module.state for module in modules}
        check(states == dict.fromkeys(addons, "installed"), f"installed: {sorted(states.items())}")
        team = env["helpdesk.team"].create({"name": "Wheel Smoke Team"})
        partner = env["res.partner"].create({"name": "Wheel Smoke Customer", "email": "smoke@example.com"})
        ticket = env["helpdesk.ticket"].create(
            {"name": "Printer on fire", "partner_id": partner.id, "description": "<p>It smokes.</p>"}
        )
        check(ticket.reference and ticket.reference.startswith("HD-"), f"ticket created: {ticket.reference}")
        check(ticket.team_id == team and ticket.state == "new", f"team {ticket.team_id.name}, state {ticket.state}")
        check(ticket.priority in ("1", "2", "3", "4"), f"priority from the matrix: P{ticket.priority}")
        ticket.message_post(body="Smoke test note", message_type="comment", subtype_xmlid="mail.mt_note")
        check(len(ticket.message_ids) >= 2, f"chatter: {len(ticket.message_ids)} messages")
        in_progress = ticket.team_id._get_stage_for_state("in_progress")
        ticket.write({"stage_id": in_progress.id, "user_id": SUPERUSER_ID})
        check(ticket.state == "in_progress", "ticket moved to in progress")
        found = env["helpdesk.ticket"].search([("reference", "=", ticket.reference)])
        check(found == ticket, "ticket found by its reference")
        for addon, (model, field) in BRIDGE_FIELDS.items():
            if addon in addons:
                check(field in env[model]._fields, f"{addon}: {model}.{field}")
        cr.rollback()
    print("dist smoke check passed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
