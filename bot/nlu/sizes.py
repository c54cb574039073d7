"""Reads tumor sizes (in cm) and bare numbers from the spans of patterns/size.yml."""
from typing import Dict, List, Optional, Set

from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from bot.nlu.fact_record import is_denied, make_fact
from bot.nlu.patterns_loader import load_yaml

# spans whose numbers are not bare numbers
CONSUMING_LABELS = ("SIZE", "NUMBER_RANGE", "GRADE", "STAGE", "EXTENT", "NODES_CODE", "METS_CODE")


def _cm_values(span: Span) -> List[float]:
    """Return each number of the span in cm, using the first unit at or after it."""
    values = []
    for token in span:
        if not token._.is_number:
            continue
        unit = next((t for t in span[token.i - span.start:] if t._.is_unit), None)
        factor = unit._.cm_per_unit if unit is not None else 1.0
        values.append(round(token._.number * factor, 2))
    return values


def read_sizes(spans: List[Span]) -> List[Dict]:
    """Return size_cm facts (and size_uncertain for ranges and bounds) and range numbers."""
    facts = []
    taken = {i for s in spans if s.label_ in ("GRADE", "STAGE", "EXTENT") for i in range(s.start, s.end)}
    for span in filter_spans([s for s in spans if s.label_ in ("SIZE", "NUMBER_RANGE")]):
        values = _cm_values(span)
        if not values or is_denied(span):
            continue
        if span.label_ == "NUMBER_RANGE" and any(i in taken for i in range(span.start, span.end)):
            continue
        if span.label_ == "NUMBER_RANGE":
            facts.append(make_fact("number", max(values), span))
            continue
        kind = span.id_
        if kind == "range" and span[0].lower_ == "from":  # "grew from 5 to 7 cm"
            facts.append(make_fact("size_cm", values[-1], span))
            continue
        facts.append(make_fact("size_cm", max(values) if kind != "bound" else values[0], span))
        if kind in ("range", "bound"):
            facts.append(make_fact("size_uncertain", True, span))
    return facts


def _is_age(token: Token, rules: dict) -> bool:
    """Return whether a number is someone's age ("I'm 54", "my mom is 70", "aged 60")."""
    doc, i = token.doc, token.i
    before = [t.lower_ for t in doc[max(0, i - 2):i]]
    if before and before[-1] in rules["age_words"]:
        return True
    return len(before) == 2 and before[1] in rules["age_verbs"] and before[0] in rules["age_subjects"]


def _bare_value(token: Token, rules: dict) -> Optional[float]:
    """Return the number if it stands alone (not an age, year, percentage or duration)."""
    doc, i = token.doc, token.i
    value = token._.number
    if token.text.isdigit() and len(token.text) == 4 and 1900 <= value <= 2100:
        return None
    if i + 1 < len(doc):
        nxt = doc[i + 1]
        if nxt.lower_ not in rules["bare_number_next_words"] and nxt.text not in rules["bare_number_next_punct"]:
            return None
    if i > 0 and doc[i - 1].lower_ in rules["bare_number_prev_words"]:
        return None
    return None if _is_age(token, rules) else value


def read_numbers(doc: Doc, spans: List[Span]) -> List[Dict]:
    """Return `number` facts for numbers that are not part of a size, grade, stage, age or date."""
    rules = load_yaml("quantities.yml")
    consumed: Set[int] = {i for s in spans if s.label_ in CONSUMING_LABELS for i in range(s.start, s.end)}
    facts = []
    for token in doc:
        if token._.is_number and token.i not in consumed and not is_denied(doc[token.i:token.i + 1]):
            value = _bare_value(token, rules)
            if value is not None:
                facts.append(make_fact("number", value, doc[token.i:token.i + 1]))
    return facts
