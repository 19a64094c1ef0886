from . import helpdesk_ticket
from . import crm_lead
