from odoo import api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketAnswer(models.Model):
    """The answer to one intake question of the ticket's category
    (helpdesk.category.field), stored as a value: shown on the ticket's *Intake* tab,
    searchable from the ticket list. Every channel fills them through one helper,
    helpdesk.category._intake_answer_rows; a ticket gets an empty line for each question
    nobody answered yet (_sync_tickets), which the agent fills in or asks the customer for."""

    _name = "helpdesk.ticket.answer"
    _description = "Helpdesk Ticket Intake Answer"
    _order = "ticket_id, sequence, id"
    _rec_name = "label"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, index=True, ondelete="cascade")
    field_id = fields.Many2one(
        "helpdesk.category.field",
        string="Question",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The category's question this answers.",
    )
    sequence = fields.Integer(default=10)
    # Copied from the question and kept when the question is deleted (history).
    name = fields.Char(
        string="Key", compute="_compute_from_question", store=True, readonly=False, required=True, precompute=True
    )
    label = fields.Char(
        string="Question Text", compute="_compute_from_question", store=True, readonly=False, precompute=True
    )
    required = fields.Boolean(compute="_compute_from_question", store=True, readonly=False, precompute=True)
    value = fields.Text(string="Answer")

    @api.depends("field_id.name", "field_id.label", "field_id.required")
    def _compute_from_question(self):
        for answer in self:
            if answer.field_id:
                answer.name = answer.field_id.name
                answer.label = answer.field_id.label
                answer.required = answer.field_id.required

    @api.model_create_multi
    def create(self, vals_list):
        answers = super().create(vals_list)
        answers._check_editable()
        return answers

    def write(self, vals):
        self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self._check_editable()

    def _check_editable(self):
        """People change the answers of the tickets they may write, not of closed tickets
        (their content is read-only for all but helpdesk managers)."""
        if self.env.su:
            return
        self.ticket_id.check_access("write")
        if self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            return
        closed = self.ticket_id.filtered("is_closed")
        if closed:
            raise UserError(
                self.env._(
                    "%(tickets)s is closed: its intake answers are read-only. Ask a helpdesk manager to reopen it.",
                    tickets=", ".join(closed.mapped("reference")),
                )
            )

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _lines_to_update(self, lines, category):
        """For a ticket whose lines are `lines` and whose category is now `category`:
        (lines to drop, values of lines to add). Empty answers to another category's
        questions go; answers given (history) and the questions already there stay; the
        category's other questions get an empty line."""
        stale = lines.filtered(lambda a: not (a.value or "").strip() and a.field_id.category_id != category)
        known = (lines - stale).field_id
        rows, _errors = category._intake_answer_rows({}, check_required=False)
        return stale, [row for row in rows if row["field_id"] not in known.ids]

    @api.model
    def _sync_tickets(self, tickets, new=False):
        """Give `tickets` a line for each question of their category (see _lines_to_update).
        `new`: tickets just created, whose only lines are the answers given with them."""
        if not tickets:
            return
        tickets = tickets.sudo()
        if new:
            asking = self.env["helpdesk.category.field"]._get_category_ids_with_fields()
            tickets = tickets.filtered(lambda ticket: ticket.category_id.id in asking)
            if not tickets:
                return
        lines = self.sudo().search([("ticket_id", "in", tickets.ids)])
        if not lines and not tickets.category_id.intake_field_ids:
            return
        lines_by_ticket = lines.grouped("ticket_id")
        stale, to_create = self.sudo(), []
        for ticket in tickets:
            drop, rows = self._lines_to_update(lines_by_ticket.get(ticket, self.sudo()), ticket.category_id)
            stale |= drop
            to_create += [dict(row, ticket_id=ticket.id) for row in rows]
        stale.unlink()
        self.sudo().create(to_create)
