{
    "name": "Helpdesk ITIL - Live Chat",
    "version": "19.0.1.1.0",
    "category": "Services/Helpdesk",
    "summary": "Tickets from live chat: a chatbot step and the /ticket command",
    "author": "helpdesk_itil developers",
    "website": "https://github.com/helpdesk-itil/helpdesk_itil",
    "license": "LGPL-3",
    "maintainers": ["helpdesk-itil"],
    "development_status": "Beta",
    "depends": ["helpdesk_itil", "im_livechat"],
    "data": [
        "views/chatbot_script_views.xml",
        "views/chatbot_script_step_views.xml",
        "views/im_livechat_channel_views.xml",
        "views/helpdesk_ticket_views.xml",
    ],
    "demo": [
        "demo/chatbot_script_demo.xml",
        "demo/chatbot_script_step_demo.xml",
        "demo/im_livechat_channel_demo.xml",
        "demo/im_livechat_channel_rule_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "helpdesk_itil_livechat/static/src/core/**/*",
        ],
        "web.assets_tests": [
            "helpdesk_itil_livechat/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
    "installable": True,
}
