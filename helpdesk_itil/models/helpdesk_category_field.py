import re

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

# Longest answer per question type, on every channel.
ANSWER_MAX_LENGTH = {"char": 500, "selection": 500, "text": 20000}
FIELD_TYPES = [("char", "Short Text"), ("text", "Long Text"), ("selection", "Choice")]


class HelpdeskCategoryField(models.Model):
    """A question asked for tickets of one category on every channel; the answers are
    helpdesk.ticket.answer lines on the ticket."""

    _name = "helpdesk.category.field"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Intake Field"
    _order = "sequence, id"

    category_id = fields.Many2one("helpdesk.category", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(
        string="Key",
        required=True,
        help="Technical key of the answer in the form, lowercase letters, digits and underscores, "
        "e.g. steps_to_reproduce.",
    )
    label = fields.Char(required=True, translate=True, help="Question shown to the customer.")
    field_type = fields.Selection(FIELD_TYPES, string="Type", required=True, default="char")
    selection_options = fields.Text(string="Choices", translate=True, help="One choice per line (for Choice fields).")
    required = fields.Boolean(
        help="The portal and web form and the API refuse a ticket without an answer; the email "
        "acknowledgement asks the customer for it."
    )
    help = fields.Char(string="Help Text", translate=True, help="Hint shown under the field.")

    _category_name_uniq = models.Constraint(
        "unique (category_id, name)", "An intake field key must be unique within its category."
    )

    @api.constrains("name", "field_type", "selection_options")
    def _check_definition(self):
        for field in self:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", field.name or ""):
                raise ValidationError(
                    self.env._(
                        "“%(key)s” is not a valid key: use lowercase letters, digits and underscores, "
                        "starting with a letter.",
                        key=field.name,
                    )
                )
            if field.field_type == "selection" and not field._get_options():
                raise ValidationError(
                    self.env._("The choice field “%(label)s” needs at least one choice.", label=field.label)
                )

    @api.model
    @tools.ormcache()
    def _get_category_ids_with_fields(self):
        """Categories that ask questions: every new ticket of a category asks, most have none;
        cached for the registry (cleared when a question changes)."""
        return frozenset(category.id for [category] in self.sudo()._read_group([], ["category_id"]))

    def _get_options(self):
        self.ensure_one()
        return [line.strip() for line in (self.selection_options or "").splitlines() if line.strip()]
