from . import helpdesk_ticket_escalate
