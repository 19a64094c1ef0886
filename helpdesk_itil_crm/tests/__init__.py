from . import test_ticket_opportunity
