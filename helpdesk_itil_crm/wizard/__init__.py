from . import helpdesk_ticket_lead_wizard
