from . import helpdesk_ticket_escalate
from . import helpdesk_alert_source_token
