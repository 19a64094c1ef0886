# Pure Python of the helpdesk (no ORM): imported by the models, unit-tested without a database.
from . import alert_payload
from . import mail_headers
from . import text
from . import placeholders
from . import intake_reply
