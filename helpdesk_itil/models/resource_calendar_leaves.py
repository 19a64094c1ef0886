from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    def _helpdesk_clear_clock_cache(self):
        """Helpdesk clocks cache working intervals (resource.calendar._helpdesk_work_intervals),
        which only calendar-wide leaves and public holidays shape. An employee's time off
        (a leave of one resource) changes no clock: it must not clear every worker's cache."""
        if any(not leave.resource_id for leave in self):
            self.env.registry.clear_cache()

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._helpdesk_clear_clock_cache()
        return leaves

    def write(self, vals):
        self._helpdesk_clear_clock_cache()  # what the leave was
        result = super().write(vals)
        self._helpdesk_clear_clock_cache()  # what it is now
        return result

    def unlink(self):
        self._helpdesk_clear_clock_cache()
        return super().unlink()
