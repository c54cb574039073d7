"""Reads "I don't know the size / the grade" as an unknown value for that fact."""
from typing import Dict, List

from spacy.tokens import Span
from spacy.util import filter_spans

from bot.nlu.fact_record import make_fact
from bot.nlu.patterns_loader import load_yaml

UNKNOWN = "unknown"


def read_unknowns(spans: List[Span], known: List[Dict]) -> List[Dict]:
    """Return facts with the value "unknown" for each fact the patient says they do not have.

    `known` are the facts read from the same message: a real value there wins.
    """
    doubts = set(load_yaml("unknown.yml")["doubt_words"])
    given = {fact["entity"] for fact in known if fact["value"] != UNKNOWN}
    facts = []
    for span in filter_spans([s for s in spans if s.label_ == "UNKNOWN_FACT"]):
        if span.id_ not in given and any(token.lower_ in doubts for token in span):
            facts.append(make_fact(span.id_, UNKNOWN, span))
    return facts
