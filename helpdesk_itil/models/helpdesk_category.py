from odoo import api, fields, models


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
        help="Questions the portal and web form ask for this category; the answers are added to "
        "the ticket description.",
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
