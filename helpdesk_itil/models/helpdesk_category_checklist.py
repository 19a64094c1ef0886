from odoo import api, fields, models, tools


class HelpdeskCategoryChecklist(models.Model):
    """A step of a category's resolution checklist: copied onto the category's tickets
    (helpdesk.ticket.checklist.line), where a required one must be ticked before a person
    resolves the ticket."""

    _name = "helpdesk.category.checklist"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Resolution Checklist Step"
    _order = "category_id, sequence, id"

    category_id = fields.Many2one("helpdesk.category", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True, translate=True)
    required = fields.Boolean(help="The ticket cannot be resolved by a person until this step is ticked.")
    description = fields.Char(string="Help Text", translate=True, help="How to do the step, shown on the ticket.")
    active = fields.Boolean(default=True)

    @api.model
    @tools.ormcache()
    def _get_category_ids_with_steps(self):
        """Categories that have active steps: every new ticket asks, most categories have
        none; cached for the registry (cleared when a step changes; a deleted category's id
        may linger, which only costs a search)."""
        return frozenset(category.id for [category] in self.sudo()._read_group([], ["category_id"]))
