"""Builds the project's spaCy pipeline and extracts tumor facts from a message."""
from functools import lru_cache
from typing import Dict, List

import spacy
from spacy.language import Language

import bot.nlu.quantities  # noqa: F401  registers lms_quantities
from bot.nlu.patterns_loader import span_ruler_patterns
from bot.nlu.tokenizer import customize_tokenizer
from bot.nlu.facts_component import SPANS_KEY


def build_nlp() -> Language:
    """Return blank English with the number tagger, the rule spans and the tumor-facts component."""
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    nlp.add_pipe("lms_quantities")
    ruler = nlp.add_pipe("span_ruler", name="lms_rules", config={
        "spans_key": SPANS_KEY, "spans_filter": None, "annotate_ents": False,
        "phrase_matcher_attr": "LOWER", "validate": True})
    ruler.add_patterns(span_ruler_patterns())
    nlp.add_pipe("lms_tumor_facts")
    return nlp


@lru_cache(maxsize=1)
def shared_nlp() -> Language:
    """Return one pipeline built on first use and reused afterwards."""
    return build_nlp()


def extract_facts(text: str) -> List[Dict]:
    """Return the tumor facts in a message: dicts with entity, value, start, end and text."""
    return shared_nlp()(text)._.facts
