"""Decides how to answer a question: which entry, a general answer first, the tumour questions, or an honest decline.

This is the answer policy; the bot's action (actions/answer_question.py), the evaluation
(bot/nlu/evaluate_questions.py) and the tools call it, so all of them answer alike.

- A question about the person's own tumour, when they have given tumour facts (size, grade,
  spread, extent, or the site with "my"/"it"), is answered for those facts: the tumour
  questions ("personalise"). So is "what stage is my tumour?" (or a bare "what stage?"), which has no general answer.
- A general question about staging, treatment, survival or recurrence gets the general answer
  at once, for the site and the stage the person named if any, then an offer to narrow it down.
- A question about a condition the knowledge base does not cover (an entry's `names`, such as
  osteosarcoma or breast cancer) gets that entry, which says so and where to read more.
- Any other question gets the entry whose example questions it matches, if the match is
  close enough; an entry for something the assistant does not cover says so itself.
- Otherwise: no vetted answer ("decline"), never the nearest entry as an answer. When the
  nearest entries came close (`suggest_score` in knowledge/data/retrieval.yml), the decline names
  their questions and lets the person choose: they, not the router, decide which is theirs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge import query
from knowledge.facts import FACT_NAMES
from knowledge.retrieval import likely_enough, settings

ANSWER_ENTRY = "answer_entry"
ANSWER_GENERAL = "answer_general"
PERSONALISE = "personalise"
DECLINE = "decline"
# Facts that describe one person's tumour; a site alone ("uterine LMS") still asks a general question.
PERSONAL_FACTS = FACT_NAMES
# A general answer is given only when its overview entry is the router's nearest entry: when another
# entry comes first ("targeted therapy for lms?", read as a treatment question), the overview answers
# another question than the one asked. With 2 (the overview first or second), the calibration set's
# dev and score halves each had one more wrong answer and one fewer decline of a covered question.
NEAREST_FOR_GENERAL = 1
# The most entries a decline offers as choices (see suggestions).
SUGGESTIONS = 2


@dataclass(frozen=True)
class QuestionPlan:
    """How to answer one question."""

    action: str
    entry: query.KnowledgeEntry | None = None
    # The tumour question (stage, treatment, survival, recurrence) for general and personal answers.
    question: str | None = None
    score: float = 0.0
    # With a decline: the nearest entries, when they came close enough to be offered as choices
    # ("the nearest topics I have are ...") though not close enough to answer with (at most two).
    suggestions: tuple = ()

    @property
    def entry_id(self) -> str | None:
        """Return the id of the entry answered with, if any."""
        return self.entry.id if self.entry else None


def refers_to_own_tumor(text: str) -> bool:
    """Return whether the message speaks of someone's own tumour ("my", "it", "mum's")."""
    words = set(re.findall(r"[a-z']+", text.lower().replace("’", "'")))
    return bool(words & set(settings()["personal_words"]))


def points_elsewhere(text: str, asked: str, nearest: list | None = None) -> bool:
    """Return whether the router's nearest entry is not the general answer to the tumour question asked.

    "can proton beam be used instead for lms?" is a treatment question, but the router's nearest
    entry is not the treatment overview: the general answer would then answer another question
    than the one asked (is proton beam therapy used?), so nothing vetted is said rather than that.
    nearest: the router's ranking of the text (at least NEAREST_FOR_GENERAL entries), when
    the caller has it already; else the text is ranked here.
    """
    if nearest is None:
        nearest = query.question_index().rank(text, limit=NEAREST_FOR_GENERAL)
    ids = [match.entry_id for match in nearest[:NEAREST_FOR_GENERAL]]
    return bool(ids) and overview_entry(asked).id not in ids


def follows_up_on(question: str, nearest: list) -> bool:
    """Return whether a message without facts of its own can be the tumour question, by the router's nearest entry.

    The nearest entry must be the question's overview or one of its follow-up entries
    (`follow_up_entries` in knowledge/data/retrieval.yml); a message none of whose words the
    entries know ("what now?") leaves it to the intent.
    """
    if not nearest or nearest[0].score == 0:
        return True
    related = {overview_entry(question).id, *settings()["follow_up_entries"].get(question, [])}
    return nearest[0].entry_id in related


def suggestions(nearest: list) -> tuple:
    """Return the entries to offer with a decline: those whose score reaches `suggest_score` (retrieval.yml).

    At most SUGGESTIONS, best first ("trial search" and "what is a clinical trial" often share a
    question's score). Only entries that answer something are offered: not a safety entry (urgent symptoms and
    crisis have their own replies) and not one that says a condition is not covered.
    """
    offered = (query.entry(match.entry_id) for match in nearest[:SUGGESTIONS]
               if match.score >= settings()["suggest_score"])
    return tuple(entry for entry in offered if can_be_offered(entry))


def can_be_offered(entry: query.KnowledgeEntry) -> bool:
    """Return whether a decline may offer this entry: it answers something and is not a safety entry."""
    return entry.covered and not entry.safety


def overview_entry(question: str) -> query.KnowledgeEntry:
    """Return the entry that is the general answer to a tumour question."""
    return next(e for e in query.entries() if e.personalises == question)


def plan_question(text: str, asked: str | None = None, facts: dict | None = None,
                  stated_stage: str | None = None, may_personalise: bool = True,
                  min_score: float | None = None, facts_in_message: bool = True) -> QuestionPlan:
    """Return how to answer a message.

    asked: the tumour question the message was recognised as (stage, treatment, survival,
    recurrence), or None for any other question. facts: the tumour facts known so far
    (message and conversation), None where unknown. stated_stage: a stage the care team gave.
    may_personalise: False while the tumour questions are already being asked. min_score: the
    retrieval threshold, when not the calibrated one (knowledge/data/retrieval.yml).
    facts_in_message: False when the message itself gives no tumour fact (the facts are from
    earlier turns): it is then answered for the tumour only if the router agrees it asks that
    question (follows_up_on).
    """
    facts = facts or {}
    if asked is None and re.search(settings()["stage_question"], text.lower()):
        asked = "stage"
    uncovered = query.condition_gate().entry_for(text)
    if uncovered:
        return QuestionPlan(ANSWER_ENTRY, query.entry(uncovered), None, 1.0)
    # One ranking serves both the best entry and, for a tumour question, the nearest entries
    # (points_elsewhere): ranking is the costly part of a knowledge answer.
    nearest = query.question_index().rank(text, limit=max(NEAREST_FOR_GENERAL, SUGGESTIONS))
    match = likely_enough(nearest, min_score)
    entry = query.entry(match.entry_id) if match else None
    score = match.score if match else 0.0
    question = asked or (entry.personalises if entry else None)
    own = refers_to_own_tumor(text)
    # Staging facts make any tumour question personal; so does a named site with "my"/"it"; and
    # "what stage is my tumour?" has no general answer worth giving first.
    has_facts = (any(facts.get(name) is not None for name in PERSONAL_FACTS)
                 or (facts.get("site") is not None and own and question is not None
                     and follows_up_on(question, nearest))
                 or (asked == "stage" and (own or len(text.split()) <= 3)))
    # Spread, extent or a site said without "my" or "it", and no size or grade ("life expectancy
    # with LMS that has spread to the liver and lungs"), describes a kind of disease, not one
    # person's tumour: it gets the general answer or the entry it asks for, never the tumour questions.
    no_size_or_grade = facts.get("size_cm") is None and facts.get("grade") is None
    describes_kind = not own and asked != "stage" and no_size_or_grade and facts_in_message
    # A question the router is sure of that asks something more specific than the overview gets
    # that entry: "will they need to remove my kidney with the retroperitoneal tumour?" is the
    # retroperitoneal surgery entry's question, though it says "my" and names a site. Spread or
    # extent said of one's own tumour ("my lms has spread to my lungs, what are my options?")
    # still goes to the tumour questions: the words about spread pull the router elsewhere.
    only_a_site = all(facts.get(name) is None for name in PERSONAL_FACTS)
    specific = (entry is not None and not entry.personalises and asked != "stage"
                and no_size_or_grade and (not own or only_a_site))
    if (question and has_facts and may_personalise and not describes_kind and not specific
            and (facts_in_message or follows_up_on(question, nearest))):
        return QuestionPlan(PERSONALISE, overview_entry(question), question, score)
    if entry is None:
        # A stage the care team gave pulls the router towards the staging entries ("my doctor
        # said it's stage 3, what treatments are there?"): that question is still the tumour question.
        if asked and (stated_stage or not points_elsewhere(text, asked, nearest)):
            return QuestionPlan(ANSWER_GENERAL, overview_entry(asked), asked, score)
        return QuestionPlan(DECLINE, score=score, suggestions=suggestions(nearest))
    if entry.personalises or (asked and stated_stage):
        return QuestionPlan(ANSWER_GENERAL, overview_entry(question), question, score)
    return QuestionPlan(ANSWER_ENTRY, entry, None, score)


def general_answer(question: str, site=None, stated_stage=None) -> query.Answer:
    """Return the general answer to a tumour question, for a site and a stated stage when known."""
    if question == "treatment":
        system = query.default_system(site)
        stage = None
        if stated_stage:
            stage = query.treatment_stage(query.stated_stage_case(system, stated_stage)) or stated_stage
        return query.treatment_for(stage, system, site)
    if question == "survival":
        system = query.default_system(site)
        stages = query.stages_matching(system, stated_stage) if stated_stage else []
        return query.survival_for(site, stages[0] if len(stages) == 1 else None, system if stages else None)
    if question == "recurrence":
        return query.recurrence_for(site)
    entry = overview_entry("stage")
    return query.Answer(entry.answer, entry.sources)


@dataclass(frozen=True)
class StageBasis:
    """Which stage a treatment or survival answer is given for, and why."""

    result: query.StageResult
    # None, "stated_stage_used" (the care team's stage, as the facts do not settle one) or
    # "stated_stage_differs" (the facts settle another stage than the one the person was given).
    note: str | None = None
    stated: str | None = None


def stage_basis(result: query.StageResult, stated: str | None, question: str) -> StageBasis:
    """Return the stage to answer a tumour question from: the facts' stage, else the stage the person was given.

    When the facts settle a stage, the answer follows the facts and says that they differ
    from the stage given (the care team, who have the full reports, is asked which is right).
    A stage the system does not have goes through as given; the answer then says so.
    """
    if not stated or question not in ("treatment", "survival"):
        return StageBasis(result)
    told = query.stated_stage_case(result.system, stated)
    if result.stage:
        differs = result.stage not in told.possible_stages
        return StageBasis(result, "stated_stage_differs" if differs else None, stated)
    if not told.possible_stages:
        return StageBasis(query.StageResult(stated, [], told.system, ""), None, stated)
    return StageBasis(told, "stated_stage_used", stated)
