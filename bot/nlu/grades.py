"""Reads the tumor grade from the spans of patterns/grade.yml."""
from typing import Dict, List

from spacy.tokens import Span
from spacy.util import filter_spans

from bot.nlu.fact_record import is_denied, make_fact


def read_grades(spans: List[Span]) -> List[Dict]:
    """Return grade facts; "high"/"low" are dropped when a number grade is also given."""
    grades = [s for s in filter_spans([s for s in spans if s.label_ == "GRADE"]) if not is_denied(s)]
    if any(s.id_ in ("1", "2", "3") for s in grades):
        grades = [s for s in grades if s.id_ not in ("high", "low")]
    return [make_fact("grade", s.id_, s) for s in grades]
