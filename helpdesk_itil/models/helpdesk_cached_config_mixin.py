from odoo import api, models


class HelpdeskCachedConfigMixin(models.AbstractModel):
    """Records that helpdesk figures cache for the registry (``tools.ormcache``): the
    priority matrix, escalation rules, working hours and their attendances (calendar-wide
    leaves clear it themselves, see resource_calendar_leaves.py). Any change clears the
    registry's cache, so the next ticket sees it at once (other workers on their next
    request, through Odoo's registry signalling)."""

    _name = "helpdesk.cached.config.mixin"
    _description = "Helpdesk Cached Configuration"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
