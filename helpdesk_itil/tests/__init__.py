from . import test_ticket_lifecycle
from . import test_ticket_priority
from . import test_ticket_assignment
from . import test_ticket_input
from . import test_ticket_security
from . import test_ticket_views
from . import test_mail_gateway
from . import test_ticket_form
