from odoo import api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketConversionMixin(models.AbstractModel):
    """Shared by the wizards that make a document (quotation, task, repair…) from a ticket.

    The ticket needs a customer and the user the right to create the document, both checked
    before anything is created. When the ticket already has such documents the wizard says
    so and creates another one only once “Create another one” is ticked.
    """

    _name = "helpdesk.ticket.conversion.mixin"
    _description = "Ticket Conversion Wizard"
    # Set by each wizard: the model it creates, the group needed to create it (besides the
    # model's access rights), the document's field pointing to the ticket.
    _conversion_model = None
    _conversion_group = None
    _conversion_ticket_field = "helpdesk_ticket_id"

    ticket_id = fields.Many2one("helpdesk.ticket", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="ticket_id.partner_id", string="Customer")
    company_id = fields.Many2one(related="ticket_id.company_id")
    existing_document_count = fields.Integer(compute="_compute_existing_documents")
    existing_document_names = fields.Char(compute="_compute_existing_documents")
    create_another = fields.Boolean(
        string="Create another one",
        help="The ticket already has such a document: tick to create a second one anyway.",
    )

    @api.depends("ticket_id")
    def _compute_existing_documents(self):
        for wizard in self:
            documents = wizard._get_existing_documents()
            wizard.existing_document_count = len(documents)
            wizard.existing_document_names = ", ".join(documents.mapped("display_name"))

    def _get_existing_documents(self):
        """Documents of this kind already linked to the ticket, also those the user cannot
        open: the warning is about duplicates, not about access."""
        self.ensure_one()
        if not self.ticket_id:
            return self.env[self._conversion_model]
        return (
            self.env[self._conversion_model]
            .sudo()
            .search([(self._conversion_ticket_field, "=", self.ticket_id.id)], order="id")
        )

    def _get_document_description(self):
        """How the messages name the document made, e.g. "a quotation"."""
        return self.env[self._conversion_model]._description

    def _check_conversion(self):
        """Everything that must hold before the document is created."""
        self.ensure_one()
        document = self._get_document_description()
        self.ticket_id._check_convertible(document)
        self.ticket_id._check_conversion_rights(self._conversion_group, self._conversion_model, document)
        existing = self._get_existing_documents()
        if existing and not self.create_another:
            raise UserError(
                self.env._(
                    "%(ticket)s already has %(documents)s. Tick “Create another one” to create %(document)s anyway.",
                    ticket=self.ticket_id.reference,
                    documents=", ".join(existing.mapped("display_name")),
                    document=self._get_document_description(),
                )
            )

    def _post_conversion_note(self, document):
        self.ticket_id.message_post(
            body=self.env._(
                "%(document)s created from this ticket by %(user)s.",
                document=document._get_html_link(),
                user=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _action_open_document(self, document, xmlid, form_view):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update({"views": [(self.env.ref(form_view).id, "form")], "res_id": document.id, "context": {}})
        return action
