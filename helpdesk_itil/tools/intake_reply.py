"""Answers to intake questions in a customer's email reply.

The acknowledgement asks the customer to reply with the answers the ticket's category
still needs; a reply written as lines ``Question: answer`` (the question's text or its key,
any case) gives them back. Quoted text (lines starting with ``>``) is skipped, so the
acknowledgement quoted under the reply answers nothing; the first answer to a question wins.
"""

import re

ANSWER_LINE = re.compile(r"^\s*(?:[-*•]\s+)?(?P<question>[^:=\n]{1,200}?)\s*[:=]\s*(?P<answer>\S.*?)\s*$")


def _normalise(question):
    return " ".join(question.replace("*", " ").split()).casefold()


def answers_from_text(text, questions):
    """`questions`: {key: names of the question (its text in any language, its key)}.
    Returns {key: answer} for the lines of plain `text` that answer one of them."""
    keys_by_name = {}
    for key, names in questions.items():
        for name in (key, *names):
            if name:
                keys_by_name.setdefault(_normalise(name), key)
    answers = {}
    for line in (text or "").splitlines():
        if line.lstrip().startswith(">"):
            continue
        match = ANSWER_LINE.match(line)
        if not match:
            continue
        key = keys_by_name.get(_normalise(match["question"]))
        if key and key not in answers:
            answers[key] = match["answer"]
    return answers
