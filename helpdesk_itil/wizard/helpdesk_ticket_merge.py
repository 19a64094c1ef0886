from odoo import Command, api, fields, models


class HelpdeskTicketMerge(models.TransientModel):
    """Merge tickets into one of them (by default the oldest). The checks are the ticket's
    (``helpdesk.ticket._merge_check``), the moves and their audit helpdesk.ticket.merge.log's."""

    _name = "helpdesk.ticket.merge"
    _description = "Merge Helpdesk Tickets"

    ticket_ids = fields.Many2many("helpdesk.ticket", string="Tickets", required=True)
    destination_id = fields.Many2one(
        "helpdesk.ticket",
        string="Merge Into",
        compute="_compute_destination_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        domain="[('id', 'in', ticket_ids)]",
        help="The ticket that goes on; the others are closed as its duplicates.",
    )
    source_ids = fields.Many2many("helpdesk.ticket", string="Tickets Merged", compute="_compute_source_ids")
    other_customers = fields.Boolean(compute="_compute_other_customers")
    destination_done = fields.Boolean(compute="_compute_destination_done")
    confirm_other_customers = fields.Boolean(
        string="Merge tickets of different customers",
        help="The tickets are from different customers: a helpdesk manager confirms the merge. Their portal "
        "users do not follow the destination.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "ticket_ids" in fields_list
            and not values.get("ticket_ids")
            and context.get("active_model") == "helpdesk.ticket"
        ):
            values["ticket_ids"] = [Command.set(context.get("active_ids") or [])]
        return values

    @api.depends("ticket_ids")
    def _compute_destination_id(self):
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            if wizard.destination_id._origin not in tickets:
                wizard.destination_id = tickets.sorted(lambda t: (t.create_date, t.id))[:1]

    @api.depends("ticket_ids", "destination_id")
    def _compute_source_ids(self):
        for wizard in self:
            wizard.source_ids = wizard.ticket_ids._origin - wizard.destination_id._origin

    @api.depends("ticket_ids")
    def _compute_other_customers(self):
        for wizard in self:
            wizard.other_customers = len({ticket._merge_customer_key() for ticket in wizard.ticket_ids}) > 1

    @api.depends("destination_id")
    def _compute_destination_done(self):
        for wizard in self:
            wizard.destination_done = wizard.destination_id.state in ("resolved", "closed", "cancelled")

    def action_merge(self):
        self.ensure_one()
        destination = self.destination_id
        other_customers = destination._merge_check(self.source_ids, self.confirm_other_customers)
        self.env["helpdesk.ticket.merge.log"]._merge(destination, self.source_ids, other_customers)
        return destination._action_view_ticket()
