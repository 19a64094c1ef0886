{
    "name": "Helpdesk ITIL - CRM",
    "version": "19.0.1.0.0",
    "category": "Services/Helpdesk",
    "summary": "Create CRM opportunities from helpdesk tickets for sales follow-up",
    "author": "helpdesk_itil developers",
    "website": "https://github.com/helpdesk-itil/helpdesk_itil",
    "license": "LGPL-3",
    "maintainers": ["helpdesk-itil"],
    "development_status": "Beta",
    "depends": ["helpdesk_itil", "crm"],
    "data": [
        "security/ir.model.access.csv",
        "views/helpdesk_ticket_views.xml",
        "views/crm_lead_views.xml",
        "wizard/helpdesk_ticket_lead_wizard_views.xml",
    ],
    "demo": [
        "demo/helpdesk_itil_crm_demo.xml",
    ],
    "auto_install": True,
    "installable": True,
}
