from odoo import fields, models


class HelpdeskClosureCode(models.Model):
    _name = "helpdesk.closure.code"
    _description = "Helpdesk Closure Code"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical key used by automatic transitions.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_system = fields.Boolean(
        string="Set Automatically",
        help="Codes set by automatic transitions (no customer response, monitoring "
        "recovery, duplicate…). Agents can still pick them.",
    )
    description = fields.Text(translate=True)

    _code_uniq = models.Constraint("unique (code)", "A closure code with this key already exists.")
