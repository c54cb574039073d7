"""Reads the tumor's site from the spans of patterns/site.yml."""
from typing import Dict, List, Set

from spacy.tokens import Span
from spacy.util import filter_spans

from bot.nlu.clauses import Clause
from bot.nlu.fact_record import is_denied, make_fact
from bot.nlu.patterns_loader import load_yaml

SPREAD_WORDS = ("SPREAD", "METS")
ORIGIN_PHRASES = ("BEYOND_UTERUS", "EXTENT_CONFINED")
# "no spots in the abdomen" says where it has not spread, not where it started.
NEGATIONS = ("no", "not", "n't", "nothing", "none", "without", "clear")


def _blocked(span: Span, rules: dict) -> bool:
    """Return whether the neighbouring words say this is not a body site ("chest pain")."""
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    following = " ".join(token.lower_ for token in doc[span.end:span.end + 2])
    figure_of_speech = any(following.startswith(phrase) for phrase in rules.get("not_followed_by", []))
    return after in rules["not_before"] or before in rules["not_after"] or figure_of_speech


def _after_spread_word(site: Span, spans: List[Span], clauses: List[Clause]) -> bool:
    """Return whether a spread word comes before the site in its clause ("spread to my groin")."""
    clause = next((c for c in clauses if c.contains(site)), None)
    doc = site.doc
    if clause is None or any(t.lower_ == "from" for t in doc[max(clause.start, site.start - 3):site.start]):
        return False
    return any(s.label_ in SPREAD_WORDS and clause.contains(s) and s.start < site.start for s in spans)


def _names_the_origin(site: Span, spans: List[Span]) -> bool:
    """Return whether the site is inside "outside the uterus" / "confined to the uterus"."""
    return any(s.label_ in ORIGIN_PHRASES and s.start <= site.start and site.end <= s.end for s in spans)


def read_sites(spans: List[Span], clauses: List[Clause], spread_reported: Set[int]) -> List[Dict]:
    """Return site facts, leaving out places the tumor spread to."""
    rules = load_yaml("site.yml")
    facts = []
    for span in filter_spans([s for s in spans if s.label_ == "SITE"]):
        if _blocked(span, rules) or is_denied(span):
            continue
        if any(i in spread_reported for i in range(span.start, span.end)):
            continue
        if _after_spread_word(span, spans, clauses) and not _names_the_origin(span, spans):
            continue
        facts.append(make_fact("site", span.id_, span))
    return facts


def read_unclear_sites(spans: List[Span], sites: List[Dict]) -> List[Dict]:
    """Return a site_unclear fact for a place that could be several sites ("abdomen"), when no site was read."""
    if sites:
        return []
    others = [s for s in spans if s.label_ not in ("SITE_UNCLEAR", "SITE")]
    for span in filter_spans([s for s in spans if s.label_ == "SITE_UNCLEAR"]):
        # "spread to the pelvic lymph nodes" is about spread, not about where it started.
        inside_another = any(o.start <= span.start and span.end <= o.end for o in others)
        negated = any(token.lower_ in NEGATIONS for token in span.doc)
        # "in the middle of chemo", "abdominal pain": the same neighbours as for a site say no.
        blocked = _blocked(span, load_yaml("site.yml"))
        if not inside_another and not negated and not blocked and not is_denied(span):
            return [make_fact("site_unclear", span.id_, span)]
    return []
