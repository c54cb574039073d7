"""The general question-and-answer entries (knowledge/data/entries/*.yml), described as pydantic models.

One file per area. Each entry answers one question a patient, relative or moderator asks,
cites its sources and gives the example questions the router learns from. Adding an entry
(with its examples) needs no Python change: the question router and the exports read them here.
"""
from __future__ import annotations

import datetime
import re
from typing import List, Optional

from pydantic import BaseModel, Extra, constr, root_validator, validator

from knowledge.yaml_files import Id

MAX_ANSWER_WORDS = 130
MIN_EXAMPLES = 3
# Entries whose answer is rendered by the engine for a tumour question (treatment by stage,
# survival tables, recurrence by site, staging); their "answer" is what the FAQ shows.
TUMOR_QUESTIONS = ("stage", "treatment", "survival", "recurrence")


class EntryModel(BaseModel, extra=Extra.forbid):
    """One question with its answer, sources, review date and example questions."""

    id: Id
    question: constr(strip_whitespace=True, min_length=5)
    answer: constr(strip_whitespace=True, min_length=20)
    sources: List[Id]
    reviewed: datetime.date
    examples: List[constr(strip_whitespace=True, min_length=2)]
    # False for what the assistant does not cover: its answer says so and where to read more.
    covered: bool = True
    # For an entry that is not covered: conditions whose mention alone routes a question here
    # ("osteosarcoma", "breast cancer"), unless a covered condition is named too (see names_outrank_covered).
    names: List[constr(strip_whitespace=True, min_length=3)] = []
    # True when the names route a question here even with a covered condition named too: a dog's
    # or a cat's sarcoma is still not a person's ("my dog has a soft tissue sarcoma").
    names_outrank_covered: bool = False
    # The tumour question this entry is the general answer to; the bot then offers to make it specific.
    personalises: Optional[str] = None

    @validator("sources")
    def _at_least_one_source(cls, value):
        """Every answer rests on at least one source."""
        if not value:
            raise ValueError("give at least one source")
        return value

    @validator("answer")
    def _short_enough(cls, value):
        """An answer fits a chat bubble."""
        words = len(re.findall(r"\S+", value))
        if words > MAX_ANSWER_WORDS:
            raise ValueError(f"is {words} words; keep it under {MAX_ANSWER_WORDS}")
        return value

    @validator("examples")
    def _enough_distinct_examples(cls, value):
        """The router needs several different phrasings."""
        if len({v.lower() for v in value}) < MIN_EXAMPLES:
            raise ValueError(f"give at least {MIN_EXAMPLES} different example questions")
        return value

    @validator("names")
    def _names_only_for_what_is_not_covered(cls, value, values):
        """Only entries that decline may claim conditions."""
        if value and values.get("covered", True):
            raise ValueError("only an entry with covered: false can list names")
        return value

    @validator("names_outrank_covered")
    def _only_with_names(cls, value, values):
        """Only names can outrank the covered conditions."""
        if value and not values.get("names"):
            raise ValueError("give the names that outrank the covered conditions")
        return value

    @validator("personalises")
    def _a_tumor_question(cls, value):
        """Only the four tumour questions can be made specific."""
        if value is not None and value not in TUMOR_QUESTIONS:
            raise ValueError(f"must be one of {', '.join(TUMOR_QUESTIONS)}")
        return value


class AreaFileModel(BaseModel, extra=Extra.forbid):
    """One entry file: an area of the knowledge base and its entries."""

    area: Id
    title: constr(strip_whitespace=True, min_length=3)
    # True for urgent symptoms and crisis: such messages get the bot's safety replies (the
    # crisis and urgent_symptom intents), so their examples do not train the ask_general intent.
    safety: bool = False
    entries: List[EntryModel]


class SourceModel(BaseModel, extra=Extra.forbid):
    """A publication an entry cites."""

    id: Id
    citation: constr(strip_whitespace=True, min_length=5)
    title: constr(strip_whitespace=True, min_length=2)
    publisher: constr(strip_whitespace=True, min_length=2)
    date: str
    years: Optional[str] = None
    cites: Optional[str] = None
    part_of: Optional[str] = None
    reference: Optional[str] = None
    references_citation: Optional[str] = None

    @validator("date", "years", "reference", pre=True)
    def _as_text(cls, value):
        """Years and dates may be written as bare numbers in YAML."""
        return None if value is None else str(value)

    @root_validator(skip_on_failure=True)
    def _reference_of_a_source(cls, values):
        """A numbered reference names both the source it is part of and its number."""
        if (values["part_of"] is None) != (values["reference"] is None):
            raise ValueError("give both 'part_of' and 'reference', or neither")
        return values


class SourceFileModel(BaseModel, extra=Extra.forbid):
    """A file of sources (sources.yml, sources/*.yml)."""

    sources: List[SourceModel]
