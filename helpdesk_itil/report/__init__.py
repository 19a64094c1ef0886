from . import helpdesk_report_mixin
from . import helpdesk_ticket_analysis
from . import helpdesk_sla_analysis
from . import helpdesk_sla_attainment
from . import helpdesk_ticket_backlog
from . import helpdesk_ticket_activity
from . import helpdesk_rating_analysis
from . import helpdesk_uptime_analysis
