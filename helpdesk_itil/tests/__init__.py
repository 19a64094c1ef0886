from . import test_ticket_lifecycle
from . import test_ticket_priority
from . import test_ticket_assignment
from . import test_ticket_input
from . import test_ticket_security
from . import test_ticket_views
from . import test_alert_endpoint
from . import test_pipeline_endpoint
