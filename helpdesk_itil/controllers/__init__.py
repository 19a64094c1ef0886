from . import knowledge
from . import ticket_form
from . import portal
from . import alert
