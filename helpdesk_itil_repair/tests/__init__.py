from . import test_ticket_repair
