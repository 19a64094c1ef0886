"""Reply placeholders: a fixed set of names replaced by values the caller computed.

Not a template engine: a placeholder is a name from PLACEHOLDERS between double braces,
nothing is evaluated, no attribute or field is looked up, and the values are substituted in
one pass (a value that itself contains "{{...}}" stays as it is). Anything else between
double braces stays as typed and is reported, so that the agent sees it before sending.
"""

import re
from typing import NamedTuple

from markupsafe import Markup, escape

# The whole vocabulary; helpdesk.ticket._placeholder_values() computes exactly these.
PLACEHOLDERS = (
    "reference",
    "customer_name",
    "agent_name",
    "agent_signature",
    "sla_deadline",
    "portal_url",
    "team",
)
# Innermost "{{...}}": no brace inside, so "{{ {{reference}} }}" renders its inner part
# and keeps the outer braces as text.
TOKEN = re.compile(r"\{\{([^{}]*)\}\}")


class Rendered(NamedTuple):
    text: str
    # Tokens left as typed ("{{ object.x }}"), in order of appearance, once each.
    unknown: list
    # Known placeholders without a value for this ticket (e.g. no SLA deadline).
    empty: list


def render_placeholders(text, values, html=False):
    """Replace the known placeholders of `text` by `values` ({name: str or Markup}).

    With `html`, `text` is HTML: plain-text values are escaped, Markup values (a signature,
    a link) are inserted as they are, and the result is Markup.
    """
    unknown, empty = [], []

    def replace(match):
        name = match.group(1).strip()
        if name not in PLACEHOLDERS:
            if match.group(0) not in unknown:
                unknown.append(match.group(0))
            return match.group(0)
        value = values.get(name) or ""
        if not value and name not in empty:
            empty.append(name)
        return str(escape(value)) if html else str(value)

    rendered = TOKEN.sub(replace, str(text or ""))
    return Rendered(Markup(rendered) if html else rendered, unknown, empty)
