from odoo import models


class ResourceCalendar(models.Model):
    # Working hours shape the SLA clocks, whose working intervals are cached for the registry
    # (helpdesk.ticket.sla._get_work_intervals).
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "helpdesk.cached.config.mixin"]
