"""Text similarity in SQL, the one home of how the helpdesk compares texts: similar tickets
(``helpdesk.ticket._find_similar_tickets``, duplicates) and knowledge articles
(``helpdesk.article._find_articles``) both call ``find_similar``.

With PostgreSQL's pg_trgm (``registry.has_trigram``, as Odoo checks it): trigram
similarity through the column's trigram index, the threshold set for one query only.
Without it: containment (``ilike``, with ``%`` and ``_`` taken literally), scored so that
what the trigram search puts first the fallback puts first too.

Two measures:

- ``similarity``: two whole texts (a subject against a subject): 1 for equal texts.
- ``word``: a search or a subject against an article title, either possibly the longer:
  the greater of pg_trgm's ``word_similarity()`` both ways, 1 when the words of one appear
  as they are in the other.
- ``within``: one way only, how well the first text appears somewhere in the second (a known
  error's title or symptom in a ticket's text): pg_trgm's ``word_similarity()``, 1 when the
  second contains the words of the first.
"""

import re
from contextlib import contextmanager

from odoo.fields import Domain
from odoo.modules.db import FunctionStatus
from odoo.tools import SQL

WORD = re.compile(r"\w+")
# pg_trgm's settings behind `%` and `%>` (see trigram_threshold).
THRESHOLD_SETTINGS = {"similarity": "pg_trgm.similarity_threshold", "word": "pg_trgm.word_similarity_threshold"}
DEFAULT_THRESHOLDS = {"similarity": "0.3", "word": "0.6"}
# With the word measure, the least trigram similarity for the index to propose a title
# that a long subject contains (see find_similar).
WORD_PREFILTER_SIMILARITY = 0.3


def _ilike_contains(haystack, needle):
    """SQL: `haystack` contains `needle` (two SQL expressions), wildcards taken literally."""
    return SQL(
        r"%s ILIKE '%%' || regexp_replace(%s, '([\\%%_])', '\\\1', 'g') || '%%'",
        haystack,
        needle,
    )


def _word_share(words, text):
    """SQL: the share (0–1) of the words of `words` that `text` contains (split in SQL so
    that either may be a column or a value)."""
    return SQL(
        """COALESCE((SELECT avg(CASE WHEN %(contains)s THEN 1.0 ELSE 0.0 END)::float8
                       FROM regexp_split_to_table(lower(%(words)s), '\\W+') AS w(word)
                      WHERE w.word <> ''), 0.0::float8)""",
        contains=_ilike_contains(text, SQL("w.word")),
        words=words,
    )


def trigram_text_sql(registry, expression):
    """`expression` as Odoo's trigram indexes hold it: through ``unaccent`` when Odoo builds
    them with it (an immutable unaccent)."""
    if registry.has_unaccent == FunctionStatus.INDEXABLE:
        return registry.unaccent(expression)
    return expression


def similarity_sql(registry, left, right, measure="similarity"):
    """SQL of the similarity (0–1, a float) of `left` and `right` (SQL expressions).

    ``similarity``: pg_trgm's ``similarity()``; without the extension, 1 for equal texts,
    the length ratio when one contains the other, else 0.
    ``word``: the greater of pg_trgm's ``word_similarity()`` both ways; without the
    extension, the greater of the shares of each text's words that the other contains (1
    when one contains all the words of the other).
    ``within``: `left` somewhere in `right`: pg_trgm's ``word_similarity(left, right)``;
    without the extension, the share of the words of `left` that `right` contains.
    Not for ``find_similar`` (no index operator finds it): for a few rows a domain narrows.
    """
    if registry.has_trigram:
        left, right = trigram_text_sql(registry, left), trigram_text_sql(registry, right)
        if measure == "word":
            return SQL("GREATEST(word_similarity(%s, %s), word_similarity(%s, %s))::float8", left, right, right, left)
        if measure == "within":
            return SQL("word_similarity(%s, %s)::float8", left, right)
        return SQL("similarity(%s, %s)::float8", left, right)
    if measure == "word":
        return SQL("GREATEST(%s, %s)", _word_share(left, right), _word_share(right, left))
    if measure == "within":
        return _word_share(left, right)
    return SQL(
        """CASE WHEN %(left)s = %(right)s THEN 1.0::float8
                 WHEN %(left_in_right)s OR %(right_in_left)s
                 THEN LEAST(length(%(left)s), length(%(right)s))::float8
                      / GREATEST(length(%(left)s), length(%(right)s), 1)
                 ELSE 0.0::float8 END""",
        left=left,
        right=right,
        left_in_right=_ilike_contains(right, left),
        right_in_left=_ilike_contains(left, right),
    )


@contextmanager
def trigram_threshold(env, threshold, measure="similarity"):
    """Within this block, pg_trgm's ``%`` (``similarity``) or ``%>`` (``word``) means a
    similarity of at least `threshold`; with ``word``, ``%`` means at least the lower of
    `threshold` and WORD_PREFILTER_SIMILARITY (``SET LOCAL``, set back afterwards: the
    rest of the transaction is not affected). Nothing to do without pg_trgm."""
    if not env.registry.has_trigram:
        yield
        return
    threshold = min(max(threshold, 0.0), 1.0)
    values = {THRESHOLD_SETTINGS[measure]: threshold}
    if measure == "word":
        values[THRESHOLD_SETTINGS["similarity"]] = min(threshold, WORD_PREFILTER_SIMILARITY)
    previous = {}
    for setting, value in values.items():
        [(previous[setting], _set)] = env.execute_query(
            SQL("SELECT current_setting(%s, true), set_config(%s, %s, true)", setting, setting, str(value))
        )
    try:
        yield
    finally:
        for setting, value in previous.items():
            default = DEFAULT_THRESHOLDS["word" if setting == THRESHOLD_SETTINGS["word"] else "similarity"]
            env.execute_query(SQL("SELECT set_config(%s, %s, true)", setting, value or default))


def find_similar(
    model, column, text, domain=None, limit=10, threshold=0.3, measure="similarity", tiebreak=None, indexed=True
):
    """Records of `model` whose `column` (a stored, trigram-indexed char field holding
    normalised text) resembles `text` (normalised the same way), the most similar first.

    The current user's record rules apply (``model._search``). With pg_trgm the trigram
    index narrows the rows (``%`` or ``%>``, the threshold set for this query only) and the
    exact similarity decides; without it, see ``similarity_sql``.

    :param tiebreak: SQL ordering equal scores (default: newest id first)
    :param indexed: through the trigram index (default); False when `domain` already narrows
        the rows to a few thousand (e.g. the latest ones): the score is then computed on
        those only, a cost that does not grow with the table
    :return: list of (record, similarity) pairs, similarity 0–1
    """
    if not text:
        return []
    query = similar_query(model, column, text, domain, limit, threshold, measure, tiebreak, indexed)
    if indexed:
        with trigram_threshold(model.env, threshold, measure):
            rows = model.env.execute_query(query)
    else:
        # No `%` operator in the query: pg_trgm's threshold settings play no part.
        rows = model.env.execute_query(query)
    return [(model.browse(record_id), similarity) for record_id, similarity in rows]


def similar_query(
    model, column, text, domain=None, limit=10, threshold=0.3, measure="similarity", tiebreak=None, indexed=True
):
    """The SQL of ``find_similar`` (id, similarity), for benchmarks' query plans; run it
    inside ``trigram_threshold``."""
    registry = model.env.registry
    query = model._search(Domain(domain or Domain.TRUE) & Domain(column, "!=", False))
    column_sql = SQL.identifier(query.table, column)
    value = SQL("%s", text)
    if measure == "word":
        score = similarity_sql(registry, value, column_sql, measure)
    else:
        score = similarity_sql(registry, column_sql, value, measure)
    if registry.has_trigram and indexed:
        # The indexed column on the left of the operator lets PostgreSQL use its trigram
        # index; the score is the exact test.
        indexed, typed = trigram_text_sql(registry, column_sql), trigram_text_sql(registry, value)
        if measure == "word":
            # Either way round: a short search inside a long title (`%>`), or a title
            # inside a long subject. pg_trgm's index cannot find the latter by word
            # similarity (`<%` needs the column on the right): the index finds the
            # candidates by plain similarity (`%`, at least WORD_PREFILTER_SIMILARITY),
            # the score decides.
            match = SQL("(%s %%> %s OR %s %% %s)", indexed, typed, indexed, typed)
        else:
            match = SQL("%s %% %s", indexed, typed)
        query.add_where(SQL("%s AND %s >= %s", match, score, threshold))
    else:
        query.add_where(SQL("%s >= %s", score, threshold))
    query.order = SQL("%s DESC, %s", score, tiebreak or SQL("%s DESC", SQL.identifier(query.table, "id")))
    query.limit = limit
    return query.select(SQL.identifier(query.table, "id"), score)


def query_words(text):
    """The words of a search as typed, lower-cased, one space apart ("" when none)."""
    return " ".join(WORD.findall((text or "").lower()))
