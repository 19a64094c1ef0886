from odoo import models, tools

# Context key of the renders that may reuse what an earlier render of the same source
# computed: the safety check of the body here, its compiled code in ir.qweb. Set by the
# helpdesk's per-ticket emails (the acknowledgement of every new email, the resolution
# request), whose body is the same for thousands of tickets.
REUSE_COMPILED_TEMPLATE = "helpdesk_reuse_compiled_template"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _has_unsafe_expression_template_qweb(self, source, model, fname=None):
        # mail compiles the body once to tell whether it needs the QWeb engine, then again
        # to render it; the answer depends on the source and the model only.
        if self.env.context.get(REUSE_COMPILED_TEMPLATE):
            return self._has_unsafe_expression_template_qweb_cached(source, model, fname)
        return super()._has_unsafe_expression_template_qweb(source, model, fname=fname)

    @tools.ormcache("source", "model", "fname", cache="templates")
    def _has_unsafe_expression_template_qweb_cached(self, source, model, fname):
        return super()._has_unsafe_expression_template_qweb(source, model, fname=fname)
