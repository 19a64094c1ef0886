from odoo import models


class ResourceCalendarAttendance(models.Model):
    # Attendances shape the SLA clocks, whose working intervals are cached for the registry
    # (resource.calendar._helpdesk_work_intervals).
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "helpdesk.cached.config.mixin"]
