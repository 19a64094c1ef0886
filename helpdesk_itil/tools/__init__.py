from . import alert_payload
from . import mail_headers
