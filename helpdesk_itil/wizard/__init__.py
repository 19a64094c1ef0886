from . import helpdesk_ticket_escalate
from . import helpdesk_ticket_close
from . import helpdesk_alert_source_token
from . import helpdesk_ticket_conversion_mixin
from . import helpdesk_ticket_sale_wizard
from . import helpdesk_ticket_sale_wizard_line
from . import helpdesk_ticket_task_wizard
from . import helpdesk_ticket_credit_note_wizard
