from . import ticket_form
