"""Ticket text, read without a database: the normalised subject that similar tickets are
compared on, the fingerprint of a description that tells two equal bodies apart from
two short ones, and keyword matching without case or accents (triage)."""

import functools
import hashlib
import re
import unicodedata

from odoo.tools import html2plaintext, is_html_empty

# Reply and forward markers that mail clients put before a subject: English (Re, Fw, Fwd),
# German (AW, WG), Spanish (RE, RV), French (TR), Portuguese (RES, ENC), Dutch and
# Scandinavian (Antw, SV, VS). Outlook and Thunderbird number them ("Re[2]:", "RE(3):");
# some clients put a space before the colon or use the full-width one.
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|rv|tr|res|enc|antw|sv|vs)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    # A bracketed tag: "[HD-000123]", "[EXTERNAL]", "[users-list]".
    r"|\[[^\]\n]{0,40}\])",
    re.IGNORECASE,
)
# A ticket reference in brackets anywhere in the subject: "VPN drops [HD-000123]".
BRACKETED_REFERENCE = re.compile(r"\[\s*[A-Z][A-Z0-9]*-\d{3,}\s*\]", re.IGNORECASE)
WHITESPACE = re.compile(r"\s+")
WORD = re.compile(r"\w+")

# Shorter descriptions ("see subject", "help!", an empty signature) say nothing about
# whether two tickets are the same request: they get no fingerprint.
BODY_MIN_LENGTH = 40


def normalize_subject(subject):
    """The subject two tickets about the same request share: without reply and forward
    markers or bracketed tags in front ("Re: Fwd: [HD-000123] VPN drops"), without ticket
    references in brackets, lower-cased, whitespace collapsed. "" when nothing is left."""
    text = BRACKETED_REFERENCE.sub(" ", subject or "")
    while True:
        stripped = SUBJECT_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return WHITESPACE.sub(" ", text).strip().lower()


def normalize_body(text):
    """The words of a description as plain text, lower-cased, one space apart: markup
    (``*bold*``), punctuation and line breaks do not make two bodies different."""
    return " ".join(WORD.findall((text or "").lower()))


def body_hash(text):
    """Fingerprint of a description given as plain text: the SHA-256 of its normalised
    words, "" when they are shorter than ``BODY_MIN_LENGTH`` characters."""
    normalized = normalize_body(text)
    if len(normalized) < BODY_MIN_LENGTH:
        return ""
    return hashlib.sha256(normalized.encode()).hexdigest()


def plain_text(html):
    """A description (HTML) as plain text, "" when empty. A new ticket's description is
    read by triage, its fingerprint and the known errors: converted once for the three."""
    return _plain_text(str(html or ""))


# A few entries: the three reads of one ticket's description follow each other, and a
# pasted log can make a description large.
@functools.lru_cache(maxsize=16)
def _plain_text(html):
    return "" if is_html_empty(html) else html2plaintext(html)


def description_hash(html):
    """``body_hash`` of a ticket's description (HTML)."""
    return body_hash(plain_text(html))


def fold_text(text):
    """Text compared without case or accents: "CAÍDO" and "caido" are the same word to a
    keyword list typed by a person."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def split_keywords(keywords):
    """A comma- or newline-separated keyword list, folded, without blanks or repeats."""
    found = []
    for keyword in re.split(r"[,\n;]", keywords or ""):
        keyword = WHITESPACE.sub(" ", fold_text(keyword)).strip()
        if keyword and keyword not in found:
            found.append(keyword)
    return found


def find_keyword(text, keywords):
    """The first of ``keywords`` (folded, see ``split_keywords``) that ``text`` contains as
    whole words ("down" in "the server is down", not in "download"); "" when none does."""
    folded = WHITESPACE.sub(" ", fold_text(text))
    for keyword in keywords:
        if re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", folded):
            return keyword
    return ""
