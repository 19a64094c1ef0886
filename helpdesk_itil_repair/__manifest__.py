{
    "name": "Helpdesk ITIL - Repairs",
    "version": "19.0.1.0.0",
    "category": "Services/Helpdesk",
    "summary": "Turn helpdesk tickets into repair (service) orders and follow their state on the ticket",
    "author": "helpdesk_itil developers",
    "website": "https://github.com/helpdesk-itil/helpdesk_itil",
    "license": "LGPL-3",
    "depends": ["helpdesk_itil", "repair"],
    "data": [
        "security/ir.model.access.csv",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_team_views.xml",
        "views/repair_order_views.xml",
        "wizard/helpdesk_ticket_repair_wizard_views.xml",
    ],
    "demo": [
        "demo/helpdesk_itil_repair_demo.xml",
    ],
    "auto_install": True,
    "installable": True,
}
