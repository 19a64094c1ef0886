from . import alert_payload
