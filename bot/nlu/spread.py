"""Reads lymph-node spread, distant spread and FIGO extent from spread words and their cues."""
from dataclasses import dataclass
from typing import Dict, List, Optional, Set

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.nlu.clauses import Clause, is_list_only
from bot.nlu.fact_record import make_fact

SPREAD_TERMS = ("NODES", "DISTANT", "DISTANT_WEAK", "METS", "ANYWHERE", "GENERIC_NEG", "NODES_CODE", "METS_CODE")
EXTENT_TERMS = ("EXTENT", "EXTENT_WEAK", "BEYOND_UTERUS", "EXTENT_CONFINED")
FIXED = ("NODES_CODE", "METS_CODE", "EXTENT_CONFINED")  # value given by the pattern id
STRONG = ("NODES", "DISTANT", "EXTENT", "BEYOND_UTERUS")  # involved when any positive word is near
WEAK = ("DISTANT_WEAK", "EXTENT_WEAK")  # involved only after a spread word
GENERIC = "GENERIC"  # a bare "spread"/"scans" when no place is named


@dataclass
class Cues:
    """The cue words found in one clause."""

    uncertain: bool
    hedged: bool
    pre_negations: List[int]
    post_negations: List[int]
    positive: bool
    spreading: bool
    also: bool

    @property
    def any(self) -> bool:
        """Return whether the clause has any cue at all."""
        return bool(self.uncertain or self.hedged or self.pre_negations or self.post_negations or self.positive
                    or self.spreading)


def _cues(spans: List[Span]) -> Cues:
    labels = {span.label_ for span in spans}
    return Cues(
        uncertain="UNCERTAIN" in labels,
        hedged="HEDGE" in labels,
        pre_negations=[s.start for s in spans if s.label_ == "NEG_PRE"],
        post_negations=[s.start for s in spans if s.label_ == "NEG_POST"],
        positive=bool(labels & {"POS", "SPREAD", "METS", "SPOTS"}),
        spreading=bool(labels & {"SPREAD", "METS", "SPOTS"}),
        also="ALSO" in labels,
    )


def _kind(term: Span) -> str:
    return term.label_ if term.label_ not in ("SPREAD", "SCANS") else GENERIC


def _own_polarity(term: Span, cues: Cues, clause: Clause) -> Optional[str]:
    """Return yes/no/unknown from the cues of the term's own clause, or None if they do not say."""
    kind = _kind(term)
    if kind in FIXED:
        return None if cues.uncertain else term.id_
    if clause.is_general_question:
        return None
    if cues.uncertain or cues.hedged:
        return "unknown"
    negated = any(start < term.start for start in cues.pre_negations) or any(
        start >= term.end for start in cues.post_negations)
    if kind == GENERIC:  # "the ct didn't show any spread": any negation in the clause
        negated = negated or bool(cues.pre_negations or cues.post_negations)
    if negated:
        return "no"
    if kind == "GENERIC_NEG":
        return "no"
    if kind == "METS" or (kind == "EXTENT" and term.id_.startswith("abdominal_")):
        return "yes"
    if kind in WEAK:
        return "yes" if cues.spreading or cues.also else None
    if kind in STRONG:
        return "yes" if cues.positive or cues.also else None
    return None


def _agreed(polarities: List[Optional[str]]) -> Optional[str]:
    known = {p for p in polarities if p in ("yes", "no", "unknown")}
    return known.pop() if len(known) == 1 else None


def _facts_for(term: Span, polarity: str) -> List[dict]:
    """Return the facts that one term with its polarity stands for."""
    kind = _kind(term)
    if kind in ("NODES", "NODES_CODE"):
        return [make_fact("nodes", polarity, term)]
    if kind in ("METS", "METS_CODE"):
        return [make_fact("metastasis", polarity, term)]
    if kind in ("DISTANT", "DISTANT_WEAK"):
        extra = [make_fact("extent", "distant", term)] if polarity == "yes" else []
        return [make_fact("metastasis", polarity, term)] + extra
    if kind in ("ANYWHERE", "GENERIC", "GENERIC_NEG"):
        if polarity == "yes":
            return []
        return [make_fact("nodes", polarity, term), make_fact("metastasis", polarity, term)]
    if kind == "EXTENT_CONFINED":
        return [make_fact("extent", "uterus", term)]
    if kind == "BEYOND_UTERUS":
        return [make_fact("extent", "uterus", term)] if polarity == "no" else []
    if polarity != "yes":
        return []
    if kind == "EXTENT_WEAK":
        return [make_fact("extent", "bladder_or_rectum", term)]
    facts = [make_fact("extent", term.id_, term)]
    if term.id_ == "regional_nodes":
        facts.append(make_fact("nodes", "yes", term))
    return facts


def read_spread(doc: Doc, spans: List[Span], clauses: List[Clause]) -> Dict[str, object]:
    """Return {"facts": [...], "reported": token indices of spread words that carry a fact}."""
    terms = filter_spans([s for s in spans if s.label_ in SPREAD_TERMS])
    terms += filter_spans([s for s in spans if s.label_ in EXTENT_TERMS])
    covered: Set[int] = {i for term in terms for i in range(term.start, term.end)}
    per_clause, cues = [], []
    for clause in clauses:
        inside = [s for s in spans if clause.contains(s)]
        clause_terms = [t for t in terms if clause.contains(t)]
        if not clause_terms:
            clause_terms = [s for s in inside if s.label_ in ("SPREAD", "SCANS")][:1]
        per_clause.append(clause_terms)
        cues.append(_cues(inside))
    own = [[_own_polarity(t, c, cl) for t in ts] for ts, c, cl in zip(per_clause, cues, clauses)]

    facts, reported = [], set()
    previous: Optional[str] = None
    for k, clause in enumerate(clauses):
        polarities = list(own[k])
        for n, term in enumerate(per_clause[k]):
            if polarities[n] is not None or clause.is_general_question or _kind(term) in FIXED:
                continue
            if cues[k].also:
                polarities[n] = previous or "yes"
            elif not cues[k].any:
                polarities[n] = _inherited(doc, k, clauses, per_clause, own, previous, covered, term)
        if is_list_only(doc, clause, covered) and _agreed(polarities):
            polarities = [p if p is not None else _agreed(polarities) for p in polarities]
        for term, polarity in zip(per_clause[k], polarities):
            if polarity is None:
                continue
            if _kind(term) not in ("EXTENT_CONFINED", "BEYOND_UTERUS"):
                reported.update(range(term.start, term.end))
            facts.extend(_facts_for(term, polarity))
        previous = _agreed(polarities) if per_clause[k] else None
    return {"facts": facts, "reported": reported}


def _inherited(doc, k, clauses, per_clause, own, previous, covered, term) -> Optional[str]:
    """Return the polarity a cue-less clause takes from its neighbours ("nodes, lungs all clear")."""
    if k + 1 < len(clauses) and per_clause[k + 1]:
        nxt = clauses[k + 1]
        first_word = next((t for t in doc[nxt.start:nxt.end] if not t.is_punct and t.lower_ not in
                           ("and", "or", "the", "my", "her", "his", "both")), None)
        if first_word is not None and first_word.i in covered and _agreed(own[k + 1]):
            return _agreed(own[k + 1])
    if previous is not None:
        return previous
    if _kind(term) in STRONG and is_list_only(doc, clauses[k], covered):
        return "yes"
    return None
