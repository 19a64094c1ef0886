from odoo import api, models

TICKET_SEQUENCE_CODE = "helpdesk.ticket"


class IrSequence(models.Model):
    """The ticket reference sequence is looked up once per company and cached for the
    registry (``helpdesk.ticket._reference_sequence_id``): adding, changing or removing a
    sequence with its code clears that cache, so the next ticket uses the right one (other
    workers on their next request)."""

    _inherit = "ir.sequence"

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("code") == TICKET_SEQUENCE_CODE for vals in vals_list):
            self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if {"code", "company_id", "active"}.intersection(vals) and (
            vals.get("code") == TICKET_SEQUENCE_CODE
            or any(sequence.code == TICKET_SEQUENCE_CODE for sequence in self.sudo())
        ):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        if any(sequence.code == TICKET_SEQUENCE_CODE for sequence in self.sudo()):
            self.env.registry.clear_cache()
        return super().unlink()
