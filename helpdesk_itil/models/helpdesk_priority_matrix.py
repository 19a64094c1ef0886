from odoo import api, fields, models, tools

IMPACTS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
URGENCIES = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
# P1 is the most urgent; ordering by the key puts the most urgent first.
PRIORITIES = [("1", "P1 Critical"), ("2", "P2 High"), ("3", "P3 Medium"), ("4", "P4 Low")]
URGENT_PRIORITIES = ("1", "2")
# Workload of an open ticket by priority (P1 = 4 … P4 = 1): the reports' weighted load, and
# the one scale for assignment capacity.
PRIORITY_WEIGHTS = {"1": 4, "2": 3, "3": 2, "4": 1}
# Used when neither the company nor the global matrix has a cell (e.g. a cell deleted).
DEFAULT_MATRIX = {
    ("high", "high"): "1",
    ("high", "medium"): "2",
    ("high", "low"): "3",
    ("medium", "high"): "2",
    ("medium", "medium"): "3",
    ("medium", "low"): "4",
    ("low", "high"): "3",
    ("low", "medium"): "4",
    ("low", "low"): "4",
}


class HelpdeskPriorityMatrix(models.Model):
    """One cell of the ITIL impact × urgency matrix.

    Cells without company are the default for every company; a company may override
    any cell with its own record.
    """

    _name = "helpdesk.priority.matrix"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Priority Matrix Cell"
    _order = "company_id, impact, urgency"

    company_id = fields.Many2one(
        "res.company",
        help="Leave empty for the default matrix; set a company to override a cell for it.",
    )
    impact = fields.Selection(IMPACTS, required=True)
    urgency = fields.Selection(URGENCIES, required=True)
    priority = fields.Selection(PRIORITIES, required=True)

    # COALESCE so that the default matrix (no company) is unique too.
    _cell_uniq = models.UniqueIndex(
        "(COALESCE(company_id, 0), impact, urgency)",
        "This impact and urgency already have a priority for this company.",
    )

    @api.depends("impact", "urgency", "company_id")
    def _compute_display_name(self):
        impacts, urgencies = dict(IMPACTS), dict(URGENCIES)
        for cell in self:
            cell.display_name = self.env._(
                "Impact %(impact)s × Urgency %(urgency)s",
                impact=impacts.get(cell.impact, ""),
                urgency=urgencies.get(cell.urgency, ""),
            )

    @api.model
    @tools.ormcache()
    def _get_cells(self):
        """Every cell as (company id or 0, impact, urgency, priority); cached for the
        registry because each new ticket needs it and the matrix rarely changes."""
        cells = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([], ["company_id", "impact", "urgency", "priority"])
        )
        return tuple((c.company_id.id or 0, c.impact, c.urgency, c.priority) for c in cells)

    @api.model
    def _get_priority_map(self, companies):
        """Return {company_id: {(impact, urgency): priority}}."""
        cells = self._get_cells()
        global_map = dict(DEFAULT_MATRIX)
        global_map.update({(impact, urgency): prio for company_id, impact, urgency, prio in cells if not company_id})
        result = {}
        for company in companies:
            company_map = dict(global_map)
            company_map.update(
                {(impact, urgency): prio for company_id, impact, urgency, prio in cells if company_id == company.id}
            )
            result[company.id] = company_map
        return result
