"""What makes a Spanish translation complete and faithful; plain Python (no Odoo import), so
that `scripts/i18n_check.py` applies the same rules as the tests."""

import re
from collections import Counter

# What a translation must carry over unchanged, each compared as a multiset.
PLACEHOLDER_PATTERNS = {
    "named %-placeholder": re.compile(r"%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[sdfir]"),
    # No space flag: "% de" is Spanish, not a placeholder.
    "%-placeholder": re.compile(r"%(?!\()[-#0+]*\d*(?:\.\d+)?[sdfir%]"),
    "{{ }} expression": re.compile(r"\{\{.*?\}\}", re.S),
    "{} placeholder": re.compile(r"(?<!\{)\{[\w.]*\}(?!\})"),
    "markup (tags, t-out, t-if)": re.compile(r"<[^>]+>"),
    "HTML entity": re.compile(r"&\w+;"),
}

# Attributes Odoo translates (odoo.tools.translate.TRANSLATED_ATTRS): their text may change.
TRANSLATED_ATTRIBUTE = re.compile(
    r"\s(?:t-attf-)?(?:string|add-label|help|sum|avg|confirm|placeholder|alt|title|aria-label|aria-keyshortcuts"
    r"|aria-placeholder|aria-roledescription|aria-valuetext|value_label|data-tooltip|label|confirm-label"
    r"|cancel-label)=(\"[^\"]*\"|'[^']*')"
)

# Terms written the same in Spanish. Odoo's export leaves the msgstr of such a data or view
# term empty (a translation equal to its source is not written), so they are named here.
SAME_IN_SPANISH = {
    "API",
    "Alias",
    "CSAT",
    "Color",
    "Error",
    "Grafana",
    "Helpdesk",
    "ID",
    "MTTR (h)",
    "Macro",
    "Macros",
    "Manual",
    "Message-Id",
    "Neutral",
    "Neutral (%)",
    "No",
    "OLA",
    "Panel",
    "Pipeline",
    "Pipelines",
    "Portal",
    "Prometheus Alertmanager",
    "Qweb",
    "SLA",
    "SLA / OLA",
    "Ticket",
    "Tickets",
    "Token",
    "Total",
    "VIP",
}


def _normalise(text):
    # Spacing inside a tag or an expression does not change what it does, nor does the text
    # of a translated attribute.
    return re.sub(r"\s+", "", TRANSLATED_ATTRIBUTE.sub("", text))


def placeholder_problems(source, translation):
    """Human-readable differences between the placeholders and markup of `source` and `translation`."""
    problems = []
    for kind, pattern in PLACEHOLDER_PATTERNS.items():
        expected = Counter(_normalise(match) for match in pattern.findall(source))
        found = Counter(_normalise(match) for match in pattern.findall(translation))
        if expected != found:
            missing, extra = expected - found, found - expected
            problems.append(f"{kind}: missing {sorted(missing)}, extra {sorted(extra)}")
    return problems


def visible_text(term):
    """What a reader sees of `term`: without placeholders, markup and URLs."""
    text = term
    for pattern in PLACEHOLDER_PATTERNS.values():
        text = pattern.sub(" ", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _has_words(text):
    # Acronyms (SLA, CSAT, API) read the same in Spanish.
    return any(not word.isupper() or len(word) > 4 for word in re.findall(r"[^\W\d_]{2,}", text))


def needs_translation(term):
    """False for a term that reads the same in Spanish: a known word, or nothing but
    placeholders, markup, URLs, acronyms and symbols. A translated attribute (title,
    aria-label, placeholder) with words needs a translation even when the rest does not."""
    attributes = [match.group(1)[1:-1] for match in TRANSLATED_ATTRIBUTE.finditer(term)]
    if any(_has_words(visible_text(value)) and not _same_in_spanish(value) for value in attributes):
        return True
    text = visible_text(term)
    return _has_words(text) and not _same_in_spanish(text)


def _same_in_spanish(text):
    return text.strip(" ()[]:.,;%").casefold() in _SAME_FOLDED


_SAME_FOLDED = {term.casefold() for term in SAME_IN_SPANISH}
