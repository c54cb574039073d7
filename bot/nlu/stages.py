"""Reads a stage the patient was already given ("my doctor said stage 3") from the STAGE spans."""
import re
from typing import Dict, List

from spacy.tokens import Span
from spacy.util import filter_spans

from bot.nlu.fact_record import is_denied, make_fact
from bot.nlu.patterns_loader import load_yaml

_NUMERAL = re.compile(r"^(?P<number>[1-4]|iv|i{1,3}|one|two|three|four)(?P<letter>[abc])?$")


def normalize_stage(numeral: str) -> str:
    """Return "IIIB" for "3b", "IV" for "four", or "" when the word is not a stage numeral."""
    match = _NUMERAL.match(numeral.lower())
    if not match:
        return ""
    roman = load_yaml("stage.yml")["stage_numerals"][match["number"]]
    return roman + (match["letter"] or "").upper()


def read_stages(spans: List[Span]) -> List[Dict]:
    """Return `stated_stage` facts for "stage <numeral>" spans that are not denied."""
    words = set(load_yaml("stage.yml")["stage_words"])
    facts = []
    for span in filter_spans([s for s in spans if s.label_ == "STAGE"]):
        numerals = [t for t in span if _NUMERAL.match(t.lower_)]
        if span[0].lower_ not in words or len(numerals) != 1 or numerals[0].i != span.end - 1:
            continue
        stage = normalize_stage(span[-1].lower_)
        if stage and not is_denied(span):
            facts.append(make_fact("stated_stage", stage, span))
    return facts
