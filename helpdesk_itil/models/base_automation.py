from odoo import models, tools


class BaseAutomation(models.Model):
    """Automation rules of helpdesk models, looked up from the registry's cache.

    Odoo's automation engine searches the rules of a model on every create (and write) it
    patches: on tickets, where the helpdesk ships a rule, that is a search per ticket
    created. For helpdesk models the ids of the matching rules are cached for the registry
    instead, cleared when any rule is created, changed or deleted (the helpdesk's cached
    configuration); other models are left to Odoo."""

    _name = "base.automation"
    _inherit = ["base.automation", "helpdesk.cached.config.mixin"]

    def _get_actions(self, records, triggers):
        if not records._name.startswith("helpdesk."):
            return super()._get_actions(records, triggers)
        # As Odoo's: the rules in this environment, with the context that tracks what ran.
        if "__action_done" not in self.env.context:
            self = self.with_context(__action_done={})
        return self.browse(self._helpdesk_action_ids(records._name, tuple(sorted(triggers))))

    @tools.ormcache("model_name", "triggers")
    def _helpdesk_action_ids(self, model_name, triggers):
        domain = [("model_name", "=", model_name), ("trigger", "in", list(triggers))]
        return tuple(self.with_context(active_test=True).sudo().search(domain).ids)
