"""The fact dict every reader returns: {entity, value, start, end, text}."""
from typing import Any, Dict

from spacy.tokens import Span

DENIAL_WORDS = ("not", "n't", "nt", "never", "isnt", "wasnt")
SKIPPED_BEFORE_DENIAL = ("in", "on", "my", "the", "a", "an", "her", "his", "it", "'s", "is", "was", "at",
                         "about", "exactly", "really", "actually", "even", "from")


def make_fact(entity: str, value: Any, span: Span) -> Dict[str, Any]:
    """Return one extracted fact with character offsets into the message."""
    return {"entity": entity, "value": value, "start": span.start_char, "end": span.end_char,
            "text": span.text}


def is_denied(span: Span) -> bool:
    """Return whether the words just before a span deny it ("it's not 5 cm", "not in my leg")."""
    i = span.start - 1
    while i >= 0 and span.start - i <= 4:
        low = span.doc[i].lower_
        if low in DENIAL_WORDS:
            return True
        if low not in SKIPPED_BEFORE_DENIAL:
            return False
        i -= 1
    return False
