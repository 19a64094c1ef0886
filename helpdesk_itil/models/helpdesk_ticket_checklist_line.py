from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_datetime

# What only helpdesk managers change on a step copied from the category's checklist:
# otherwise a person could make a required step optional (or delete it) and resolve without it.
TEMPLATE_FIELDS = {"ticket_id", "template_id", "name", "required"}


class HelpdeskTicketChecklistLine(models.Model):
    """A resolution step on a ticket: copied from its category's checklist
    (helpdesk.category.checklist) or added by an agent. Ticking stamps who and when; a
    required step must be ticked before a person resolves the ticket
    (helpdesk.ticket._check_resolution_requirements)."""

    _name = "helpdesk.ticket.checklist.line"
    _description = "Helpdesk Ticket Checklist Step"
    _order = "ticket_id, sequence, id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, index=True, ondelete="cascade")
    template_id = fields.Many2one(
        "helpdesk.category.checklist",
        string="Category Step",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The step of the category's checklist this one was copied from.",
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True)
    description = fields.Char(string="Help Text")
    required = fields.Boolean(help="The ticket cannot be resolved by a person until this step is ticked.")
    done = fields.Boolean()
    done_uid = fields.Many2one("res.users", string="Done By", readonly=True)
    done_date = fields.Datetime(string="Done On", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.update(done_uid=vals.get("done") and self.env.uid, done_date=vals.get("done") and now)
        lines = super().create(vals_list)
        lines._check_editable()
        lines.filtered("done")._log_ticks()
        return lines

    def write(self, vals):
        self._check_editable(vals)
        if "done" not in vals:
            return super().write(vals)
        changed = self.filtered(lambda line: line.done != bool(vals["done"]))
        result = super().write(vals)
        # Who and when: stamped on the lines whose tick changed, cleared by an untick.
        now = fields.Datetime.now()
        super(HelpdeskTicketChecklistLine, changed).write(
            {"done_uid": vals["done"] and self.env.uid, "done_date": vals["done"] and now}
        )
        changed._log_ticks()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_category_steps(self):
        self._check_editable({"template_id": False})

    def _check_editable(self, vals=None):
        """People tick the steps of the tickets they may write, not of closed tickets
        (their resolution is read-only) and only managers change the category's steps."""
        if self.env.su:
            return
        self.ticket_id.check_access("write")
        if self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            return
        closed = self.ticket_id.filtered("is_closed")
        if closed:
            raise UserError(
                self.env._(
                    "%(tickets)s is closed: its checklist is read-only. Ask a helpdesk manager to reopen it.",
                    tickets=", ".join(closed.mapped("reference")),
                )
            )
        if vals is not None and TEMPLATE_FIELDS.intersection(vals):
            from_category = self.filtered("template_id")
            if from_category:
                raise UserError(
                    self.env._(
                        "“%(steps)s” comes from the category's checklist: only a helpdesk manager can change "
                        "or remove it. Tick it when it is done.",
                        steps="”, “".join(from_category.mapped("name")),
                    )
                )

    def _log_ticks(self):
        """History: one note per ticket naming the steps ticked or unticked, and by whom."""
        for ticket, lines in self.grouped("ticket_id").items():
            items = Markup().join(
                Markup("<li>%s</li>")
                % (
                    self.env._("✓ %(step)s", step=line.name)
                    if line.done
                    else self.env._("✗ %(step)s (unticked)", step=line.name)
                )
                for line in lines
            )
            ticket.sudo()._message_log(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (self.env._("Checklist updated by %(user)s:", user=self.env.user.name), items)
            )

    @api.model
    def _sync_tickets(self, tickets, new=False):
        """Give `tickets` the checklist of the category they have now: the category's steps
        not on the ticket yet are added (same step or same name); unticked steps copied
        from another category go; ticked steps (history) and steps added by hand stay.
        `new`: tickets just created without lines (nothing to look up on them)."""
        tickets = tickets.sudo()
        Step = self.env["helpdesk.category.checklist"].sudo()
        with_steps = Step._get_category_ids_with_steps()
        category_ids = [category.id for category in tickets.category_id if category.id in with_steps]
        steps = Step.search([("category_id", "in", category_ids)]) if category_ids else Step
        lines = self.sudo() if new else self.sudo().search([("ticket_id", "in", tickets.ids)])
        if not steps and not lines:
            return
        steps_by_category = steps.grouped("category_id")
        lines_by_ticket = lines.grouped("ticket_id")
        to_create, stale = [], self.sudo()
        for ticket in tickets:
            existing = lines_by_ticket.get(ticket, self.sudo())
            left = existing.filtered(
                lambda line, ticket=ticket: (
                    line.template_id and not line.done and line.template_id.category_id != ticket.category_id
                )
            )
            kept = existing - left
            known_names = {name.strip().lower() for name in kept.mapped("name")}
            for step in steps_by_category.get(ticket.category_id, ()):
                if step in kept.template_id or step.name.strip().lower() in known_names:
                    continue
                to_create.append(
                    {
                        "ticket_id": ticket.id,
                        "template_id": step.id,
                        "sequence": step.sequence,
                        "name": step.name,
                        "description": step.description,
                        "required": step.required,
                    }
                )
            stale |= left
        stale.unlink()
        self.sudo().create(to_create)

    @api.model
    def _check_resolvable(self, tickets, commands=None):
        """A person resolving `tickets` (not resolved yet) must have ticked their required
        steps: a UserError naming the missing ones. `commands`: the checklist_line_ids
        commands written in the same save (steps ticked with the stage change)."""
        ticked, removed = {}, set()
        for command in commands or ():
            if command[0] == 1 and "done" in command[2]:
                ticked[command[1]] = bool(command[2]["done"])
            elif command[0] in (2, 3):
                removed.add(command[1])
        missing = defaultdict(list)
        for line in self.sudo().search([("ticket_id", "in", tickets.ids), ("required", "=", True)]):
            if line.id not in removed and not ticked.get(line.id, line.done):
                missing[line.ticket_id].append(line.name)
        if missing:
            raise UserError(
                "\n".join(
                    self.env._(
                        "To resolve %(ticket)s, tick the required checklist steps: %(steps)s.",
                        ticket=ticket.reference or ticket.name,
                        steps=", ".join(f"“{name}”" for name in names),
                    )
                    for ticket, names in missing.items()
                )
            )

    @api.model
    def _note_resolution(self, tickets, by_system):
        """Once `tickets` are resolved: their checklist as it was, in the history — the
        ticked steps with who and when; for a system resolution (a timer, monitoring, a
        merge…) the required steps it skipped."""
        lines = self.sudo().search([("ticket_id", "in", tickets.ids)])
        for ticket, ticket_lines in lines.grouped("ticket_id").items():
            items = []
            for line in ticket_lines:
                if line.done:
                    text = self.env._(
                        "✓ %(step)s — %(user)s, %(date)s",
                        step=line.name,
                        user=line.done_uid.name or "-",
                        date=format_datetime(self.env, line.done_date, dt_format="short"),
                    )
                elif line.required and by_system:
                    text = self.env._("✗ %(step)s — required, skipped by a system resolution", step=line.name)
                else:
                    text = self.env._("✗ %(step)s — not done", step=line.name)
                items.append(Markup("<li>%s</li>") % text)
            title = self.env._("Checklist at resolution (%(progress)s):", progress=ticket.checklist_progress)
            ticket._message_log(body=Markup("<p>%s</p><ul>%s</ul>") % (title, Markup().join(items)))
