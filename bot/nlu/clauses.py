"""Splits a doc into clauses, the scope of negation and uncertainty for spread words."""
from dataclasses import dataclass
from typing import List

from spacy.tokens import Doc

from bot.nlu.patterns_loader import load_yaml


@dataclass
class Clause:
    """Token range [start, end) of one statement, and whether it asks a (general) question."""

    start: int
    end: int
    is_question: bool = False
    is_general_question: bool = False

    def contains(self, span) -> bool:
        """Return whether the span starts inside this clause."""
        return self.start <= span.start < self.end


def split_clauses(doc: Doc) -> List[Clause]:
    """Return the clauses of the doc, in order, covering every token."""
    rules = load_yaml("clauses.yml")
    starts = [0]
    for token in doc[1:]:
        i = token.i
        previous = doc[i - 1]
        low = token.lower_
        next_low = doc[i + 1].lower_ if i + 1 < len(doc) else ""
        if previous.text in rules["boundary_punct"] or "\n" in previous.text:
            starts.append(i)
        elif low in rules["contrast_words"]:
            starts.append(i)
        elif low in rules["and_words"] and next_low in rules["after_and_new_clause"]:
            starts.append(i)
        elif low in rules["embedded_question_words"] and previous.lower_ not in rules["keeps_question_word_after"]:
            starts.append(i)
    ends = starts[1:] + [len(doc)]
    clauses = [Clause(start, end) for start, end in zip(starts, ends) if end > start]
    for clause in clauses:
        words = [t.lower_ for t in doc[clause.start:clause.end] if not t.is_punct or t.text == "?"]
        first = words[0] if words else ""
        if first in rules["contrast_words"] + rules["and_words"] and len(words) > 1:
            first = words[1]
        negated = len(words) > 1 and words[1] in ("n't", "not", "nt")
        clause.is_question = "?" in words or (first in rules["question_starters"] and not negated)
        clause.is_general_question = clause.is_question and (
            first in rules["polar_question_starters"]
            or any(word in rules["general_question_words"] for word in words))
    return clauses


def is_list_only(doc: Doc, clause: Clause, covered: set) -> bool:
    """Return whether every token of the clause is a term (index in covered) or a list word."""
    list_words = set(load_yaml("clauses.yml")["list_words"])
    return all(t.i in covered or t.lower_ in list_words for t in doc[clause.start:clause.end])
