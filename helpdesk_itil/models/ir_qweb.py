from lxml import etree

from odoo import models, tools

from .mail_template import REUSE_COMPILED_TEMPLATE


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        # Odoo keeps the compiled code of views, not of a source given as an element (a mail
        # template's body), which it compiles into Python at every render (~5 ms). For the
        # renders that ask, the code is kept by source and by the context keys the
        # compilation reads (mail adds the restricted mode's to them: a restricted render
        # never reuses an unrestricted one).
        if (
            isinstance(template, etree._Element)
            and self.env.context.get(REUSE_COMPILED_TEMPLATE)
            and "xml" not in tools.config["dev_mode"]
        ):
            return self._compile_source_cached(
                template,
                etree.tostring(template),
                tuple(self.env.context.get(key) or False for key in self._get_template_cache_keys()),
            )
        return super()._compile(template)

    @tools.ormcache("source", "cache_key", cache="templates")
    def _compile_source_cached(self, template, source, cache_key):
        return super()._compile(template)
