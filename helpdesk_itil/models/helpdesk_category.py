from odoo import api, fields, models

from .helpdesk_category_field import ANSWER_MAX_LENGTH


class HelpdeskCategory(models.Model):
    _name = "helpdesk.category"
    _description = "Helpdesk Category"
    _parent_name = "parent_id"
    _parent_store = True
    _rec_name = "complete_name"
    _order = "complete_name"

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute="_compute_complete_name", recursive=True, store=True, index="trigram")
    parent_id = fields.Many2one("helpdesk.category", string="Parent Category", index=True, ondelete="cascade")
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("helpdesk.category", "parent_id", string="Sub-categories")
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", help="Leave empty to share the category between companies.")
    team_id = fields.Many2one(
        "helpdesk.team",
        string="Default Team",
        help="Tickets filed in this category go to this team unless a team is set. "
        "Sub-categories without a team use their parent's.",
    )
    description_template = fields.Html(
        help="Pre-fills the description of new tickets in this category, "
        "e.g. steps to reproduce and environment for bugs.",
    )
    intake_field_ids = fields.One2many(
        "helpdesk.category.field",
        "category_id",
        string="Intake Fields",
        copy=True,
        help="Questions asked for this category on every channel (portal and web form, backend form, "
        "email acknowledgement, chatbot, API); the answers are stored on the ticket.",
    )
    checklist_ids = fields.One2many(
        "helpdesk.category.checklist",
        "category_id",
        string="Resolution Checklist",
        copy=True,
        groups="helpdesk_itil.group_helpdesk_user",
        help="Steps copied onto the category's tickets; the required ones must be ticked before a person "
        "resolves the ticket.",
    )
    ticket_count = fields.Integer(compute="_compute_ticket_count")

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for category in self:
            if category.parent_id:
                category.complete_name = f"{category.parent_id.complete_name} / {category.name}"
            else:
                category.complete_name = category.name

    def _compute_ticket_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group([("category_id", "in", self.ids)], ["category_id"], ["__count"])
        )
        for category in self:
            category.ticket_count = counts.get(category, 0)

    def _get_default_team(self):
        """The category's team, else the nearest ancestor's."""
        self.ensure_one()
        category = self
        while category and not category.team_id:
            category = category.parent_id
        return category.team_id

    def _intake_answer_rows(self, answers, check_required=True):
        """The one check of intake answers, for every channel (portal and web form, API,
        chatbot, backend form): `answers` maps question keys to values.

        Returns (rows, errors): `rows` the values of helpdesk.ticket.answer lines, one per
        question of this category (0 or 1 record) in order, empty when not answered;
        `errors` a message per offending key: unknown question, missing required answer
        (with `check_required`), value not among the choices, too long, not a text."""
        fields_by_key = {field.name: field for field in self.intake_field_ids}
        rows, errors = [], {}
        for key in answers:
            if key not in fields_by_key:
                errors[key] = self.env._(
                    "“%(key)s” is not a question of the category %(category)s; its questions are: %(keys)s.",
                    key=key,
                    category=self.complete_name or self.env._("(none)"),
                    keys=", ".join(fields_by_key) or self.env._("none"),
                )
        for key, field in fields_by_key.items():
            value = answers.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            elif value not in (None, False) and not isinstance(value, str):
                errors[key] = self.env._("Give the answer as text.")
                continue
            value = (value or "").strip()
            if not value:
                if field.required and check_required:
                    errors[key] = self.env._("This field is required.")
            elif field.field_type == "selection" and value not in field._get_options():
                errors[key] = self.env._("Choose one of the proposed values.")
            elif len(value) > ANSWER_MAX_LENGTH[field.field_type]:
                errors[key] = self.env._(
                    "Too long (%(max)s characters at most).", max=ANSWER_MAX_LENGTH[field.field_type]
                )
            rows.append(
                {
                    "field_id": field.id,
                    "sequence": field.sequence,
                    "name": field.name,
                    "label": field.label,
                    "required": field.required,
                    "value": value or False,
                }
            )
        return rows, errors

    def _intake_error_message(self, errors):
        """`errors` of _intake_answer_rows in one message (API, mail, ORM callers)."""
        labels = {field.name: field.label for field in self.intake_field_ids}
        return self.env._(
            "Intake answers refused: %(errors)s",
            errors="; ".join(f"“{labels.get(key, key)}” ({key}): {message}" for key, message in errors.items()),
        )
