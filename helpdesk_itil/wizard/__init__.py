from . import helpdesk_alert_source_token
