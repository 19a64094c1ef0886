from odoo import models


class ResourceCalendarLeaves(models.Model):
    # Public holidays and leaves shape the SLA clocks, whose working intervals are cached for the registry
    # (helpdesk.ticket.sla._get_work_intervals).
    _name = "resource.calendar.leaves"
    _inherit = ["resource.calendar.leaves", "helpdesk.cached.config.mixin"]
