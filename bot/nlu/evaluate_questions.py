"""Scores how the bot answers questions it never saw: right entry, wrong entry, honest decline, form started.

    python -m bot.nlu.evaluate_questions                         # the trained model, the held-out set
    python -m bot.nlu.evaluate_questions --questions FILE        # another question set
    python -m bot.nlu.evaluate_questions --retrieval-only        # without the Rasa model (seconds)
    python -m bot.nlu.evaluate_questions --questions FILE --half dev   # one fixed half of a set

Each question is parsed by the trained model (intent and tumour facts), then planned by the
same answer policy the bot's action uses (knowledge.answering.plan_question). A question set
lists each question with what should happen: the id of the entry that answers it, or
`decline` when the knowledge base does not cover it (an honest "no vetted answer", or an entry
marked `covered: false`, counts as a correct decline).

- right entry: the expected entry was given (for staging, treatment, survival and recurrence,
  the general answer to that question).
- wrong entry: a covered entry other than the expected one was given, or any covered entry
  for a question that should be declined. This is the number to drive to zero.
- missed: the bot declined although an entry answers it (safe, but unhelpful).
- form on a general question: the tumour questions started instead of an answer.

The report gives each rate with the project's target and the regression guard `make test`
enforces (TARGETS and FLOORS below); the exit code is 1 when a guard fails.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = ROOT / "tests" / "nlu" / "held_out_questions.yml"
MODEL = ROOT / "models" / "lms-assistant.tar.gz"
DECLINE = "decline"
# Replies that answer no question with an entry: the out-of-scope reply, the rephrase request,
# and "that is one for your care team".
DECLINING_INTENTS = ("intent:out_of_scope", "intent:nlu_fallback", "intent:ask_medical_advice")
SAFETY_INTENTS = ("intent:urgent_symptom", "intent:crisis")
# The targets of the project (issue "answer the question that was asked").
TARGETS = {"right_entry": 0.90, "wrong_entry": 0.02, "correct_decline": 0.90, "form_on_general": 0.0}
# What `make test` enforces today: a regression guard a little below the figures measured on
# 2026-12-01 (docs/nlu_results.md), until the targets above are reached. Raise them as the
# figures improve; never lower them to let a change through.
FLOORS = {"right_entry": 0.80, "wrong_entry": 0.045, "correct_decline": 0.92, "form_on_general": 0.01}


@dataclass
class Scores:
    """Counts over one question set, and the questions that went wrong."""

    answerable: int = 0
    right: int = 0
    wrong_on_answerable: int = 0
    missed: int = 0
    to_decline: int = 0
    declined: int = 0
    wrong_on_decline: int = 0
    form_started: int = 0
    # Declines that offered the nearest entries as choices (knowledge/answering.suggestions): with
    # the expected one among them for a missed question, or only others (a harmless wrong guess:
    # nothing is answered).
    missed_offered_right: int = 0
    declined_offered_other: int = 0
    mistakes: list = field(default_factory=list)

    @property
    def total(self) -> int:
        """Return the number of questions."""
        return self.answerable + self.to_decline

    def rates(self) -> dict:
        """Return the four headline rates."""
        return {
            "right_entry": self.right / max(1, self.answerable),
            "wrong_entry": (self.wrong_on_answerable + self.wrong_on_decline) / max(1, self.total),
            "correct_decline": self.declined / max(1, self.to_decline),
            "form_on_general": self.form_started / max(1, self.total),
        }


def load_questions(path: Path = HELD_OUT) -> list:
    """Return the question set: dicts with text and expect (an entry id or "decline")."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)["questions"]


def half_of(text: str) -> str:
    """Return the fixed half a question belongs to, "dev" or "score", from a hash of its text.

    The calibration set is split this way so that mistakes can be read on the dev half while
    the score half only reports figures: a change that helps only the dev half does not generalise.
    """
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "score"


def outcome(plan) -> str:
    """Return what the bot gave: an entry id, "decline", or "form"."""
    from knowledge import answering
    if plan.action == answering.PERSONALISE:
        return "form"
    if plan.action == answering.DECLINE or (plan.entry is not None and not plan.entry.covered):
        return DECLINE
    return plan.entry.id


def is_entry(outcome: str) -> bool:
    """Return whether an outcome is a covered entry given as the answer."""
    return outcome not in (DECLINE, "form") and not outcome.startswith("intent:")


def score(questions: list, outcomes: list, safety_entries: frozenset = frozenset(), offered: list | None = None) -> Scores:
    """Return the scores of the outcomes against the expected answers.

    An urgent-symptom or crisis question is answered right by the bot's safety reply
    (intent urgent_symptom or crisis) when its expected entry is in a safety area.
    offered: for each question, the entries a decline offered as choices (ids; empty or None when none).
    """
    scores = Scores()
    for question, got, choice in zip(questions, outcomes, offered or [None] * len(outcomes)):
        expected = question["expect"]
        if got == DECLINE and choice:
            if expected in choice:
                scores.missed_offered_right += 1
            else:
                scores.declined_offered_other += 1
        if got == "form":
            scores.form_started += 1
        if got in DECLINING_INTENTS:
            got = DECLINE
        if expected == DECLINE:
            scores.to_decline += 1
            if not is_entry(got) and got != "form":
                scores.declined += 1
            else:
                scores.wrong_on_decline += is_entry(got)
                scores.mistakes.append((question["text"], expected, got))
            continue
        scores.answerable += 1
        if got == expected or (expected in safety_entries and got in SAFETY_INTENTS):
            scores.right += 1
            continue
        if got == DECLINE:
            scores.missed += 1
        elif is_entry(got):
            scores.wrong_on_answerable += 1
        scores.mistakes.append((question["text"], expected, got))
    return scores


def safety_entries() -> frozenset:
    """Return the ids of the entries in safety areas (urgent symptoms, crisis)."""
    from knowledge import query
    return frozenset(e.id for e in query.entries() if e.safety)


def plan_all(texts: list, parses: list | None, min_score: float | None = None, offered: list | None = None) -> list:
    """Return the outcome for each question, from the model's parses or from retrieval alone.

    offered: a list that receives, for each question, the ids of the entries a decline offered as
    choices (empty when nothing was offered).
    """
    from actions.answer_question import TUMOR_QUESTION_OF_INTENT
    from knowledge import answering, query

    outcomes = []
    for i, text in enumerate(texts):
        asked, facts, stated = None, {}, None
        if parses is not None:
            parse = parses[i]
            intent = parse["intent"]["name"]
            if intent not in TUMOR_QUESTION_OF_INTENT and intent != "ask_general":
                # Not recognised as a question at all (greeting, facts, safety): no entry given.
                outcomes.append(f"intent:{intent}")
                if offered is not None:
                    offered.append(())
                continue
            asked = TUMOR_QUESTION_OF_INTENT.get(intent)
            for entity in parse.get("entities", []):
                if entity["entity"] in answering.PERSONAL_FACTS or entity["entity"] == "site":
                    try:
                        facts[entity["entity"]] = query.normalize_fact(entity["entity"], entity["value"])
                    except query.InvalidFact:
                        pass
                if entity["entity"] == "stated_stage":
                    stated = entity["value"]
        plan = answering.plan_question(text, asked, facts, stated, min_score=min_score)
        outcomes.append(outcome(plan))
        if offered is not None:
            offered.append(tuple(e.id for e in plan.suggestions) if plan.action == answering.DECLINE else ())
    return outcomes


def parse_all(model: str, texts: list) -> list:
    """Return the trained model's parse of each text (Rasa's per-message debug log silenced)."""
    import structlog

    from bot.nlu.evaluate import parse_all as parse_with_model

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return parse_with_model(model, texts)


def evaluate(path: Path = HELD_OUT, model: str | None = str(MODEL), half: str | None = None) -> Scores:
    """Return the scores of the bot on a question set (retrieval alone when model is None), or on one half of it."""
    questions = [q for q in load_questions(path) if half is None or half_of(q["text"]) == half]
    texts = [q["text"] for q in questions]
    parses = parse_all(model, texts) if model else None
    offered: list = []
    outcomes = plan_all(texts, parses, offered=offered)
    return score(questions, outcomes, safety_entries(), offered)


def report(scores: Scores, title: str) -> str:
    """Return the scores as a readable report, wrong answers first."""
    rates = scores.rates()
    lines = [
        f"{title}: {scores.total} questions ({scores.answerable} answerable, {scores.to_decline} to decline)",
        f"  wrong entry (another question's answer):  {rates['wrong_entry']:6.1%}  "
        f"({scores.wrong_on_answerable + scores.wrong_on_decline})   "
        f"target <= {TARGETS['wrong_entry']:.0%}, guard <= {FLOORS['wrong_entry']:.0%}",
        f"  right entry:                              {rates['right_entry']:6.1%}  "
        f"({scores.right}/{scores.answerable})   target >= {TARGETS['right_entry']:.0%}, guard >= {FLOORS['right_entry']:.0%}",
        f"  correct decline:                          {rates['correct_decline']:6.1%}  "
        f"({scores.declined}/{scores.to_decline})   "
        f"target >= {TARGETS['correct_decline']:.0%}, guard >= {FLOORS['correct_decline']:.0%}",
        f"  missed (declined though covered):         {scores.missed / max(1, scores.answerable):6.1%}  ({scores.missed})",
        f"    of which the decline offered the right entry among its choices: {scores.missed_offered_right}",
        f"  declines whose choices were all other entries (nothing answered): {scores.declined_offered_other}",
        f"  form started on a general question:       {rates['form_on_general']:6.1%}  ({scores.form_started})   "
        f"target {TARGETS['form_on_general']:.0%}, guard <= {FLOORS['form_on_general']:.0%}",
    ]
    if scores.mistakes:
        lines.append("  mistakes (question | expected | given):")
        lines += [f"    {text!r} | {expected} | {got}" for text, expected, got in scores.mistakes]
    return "\n".join(lines)


def meets_floors(scores: Scores, floors: dict = FLOORS) -> list:
    """Return the floors that are not met (empty when all hold)."""
    rates = scores.rates()
    failed = []
    for name, floor in floors.items():
        ok = rates[name] <= floor if name in ("wrong_entry", "form_on_general") else rates[name] >= floor
        if not ok:
            failed.append(f"{name} {rates[name]:.1%} (floor {floor:.0%})")
    return failed


def main(argv=None) -> int:
    """Print the report; exit 1 when a floor is not met."""
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate_questions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=HELD_OUT, help="question set (default: the held-out set)")
    parser.add_argument("--model", default=str(MODEL), help="trained model (default: models/lms-assistant.tar.gz)")
    parser.add_argument("--retrieval-only", action="store_true", help="score the retrieval alone, without the model")
    parser.add_argument("--half", choices=["dev", "score"],
                        help="score one fixed half of the set (split by a hash of each question's text)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    logging.disable(logging.WARNING)
    model = None if args.retrieval_only else args.model
    if model and not Path(model).exists():
        print(f"No trained model at {model}: run 'make train' first, or use --retrieval-only.", file=sys.stderr)
        return 2
    name = args.questions.name + (f" ({args.half} half)" if args.half else "")
    print(f"Scoring {name} {'with retrieval only' if model is None else 'with ' + model} ...", flush=True)
    scores = evaluate(args.questions, model, args.half)
    print(report(scores, name))
    missed_targets = meets_floors(scores, TARGETS)
    if missed_targets:
        print("Targets not reached yet: " + "; ".join(missed_targets))
    failed = meets_floors(scores)
    if failed:
        print("Regression guard FAILED: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
