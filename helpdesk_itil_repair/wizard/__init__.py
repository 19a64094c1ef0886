from . import helpdesk_ticket_repair_wizard
