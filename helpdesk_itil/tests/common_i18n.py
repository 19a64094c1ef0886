"""The Spanish translation gate, shared by the four addons' tests.

The terms come from the running database with Odoo's own export reader (code, views, data,
mail templates, JS), not from the committed .pot, so that a string added without `make i18n`
fails here too.
"""

import polib

from odoo.tools import file_path
from odoo.tools.translate import TranslationModuleReader

from .i18n_rules import needs_translation, placeholder_problems


def spanish_catalogue(module):
    """{msgid: msgstr} of the module's i18n/es.po, as Odoo loads it: merged with the .pot beside
    it, so that an entry the template does not have (made obsolete) does not count."""
    catalogue = polib.pofile(file_path(f"{module}/i18n/es.po"))
    catalogue.merge(polib.pofile(file_path(f"{module}/i18n/{module}.pot")))
    return {entry.msgid: entry.msgstr for entry in catalogue if entry.msgid and not entry.obsolete}


def module_terms(env, module):
    """The module's translatable source terms, as Odoo's export finds them in this database."""
    reader = TranslationModuleReader(env.cr, [module])
    return {source for term_module, _type, _name, _res_id, source, _value, _comments in reader if term_module == module}


class SpanishCatalogueChecks:
    """Mixed into a TransactionCase of each addon, with MODULE set."""

    MODULE = None

    def test_every_term_has_a_spanish_translation(self):
        catalogue = spanish_catalogue(self.MODULE)
        terms = module_terms(self.env, self.MODULE)
        self.assertGreater(len(terms), 10, "the export found (almost) no term: the check would prove nothing")
        missing = sorted(term for term in terms if needs_translation(term) and not catalogue.get(term, "").strip())
        self.assertFalse(
            missing,
            f"{len(missing)} term(s) of {self.MODULE} have no Spanish translation: run `make i18n` "
            f"and translate them in {self.MODULE}/i18n/es.po. First ones: {missing[:10]}",
        )

    def test_translations_keep_placeholders_and_markup(self):
        broken = {}
        for source, translation in spanish_catalogue(self.MODULE).items():
            if translation and (problems := placeholder_problems(source, translation)):
                broken[source[:80]] = problems
        self.assertFalse(broken, f"translations of {self.MODULE}/i18n/es.po that break their placeholders: {broken}")
