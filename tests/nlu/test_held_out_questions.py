"""The held-out question set: questions written apart from the training examples, never trained on.

The regression guard (bot/nlu/evaluate_questions.FLOORS, below the project's TARGETS until
they are reached) is checked on the trained model, with the same answer policy the bot's
action uses. `python -m bot.nlu.evaluate_questions` prints the full
report with every mistake; docs/nlu_results.md records it.
"""
from pathlib import Path

import pytest

from bot.nlu import evaluate_questions as evaluation
from bot.nlu.knowledge_questions import example_questions
from knowledge import query

QUESTIONS = evaluation.load_questions()


def test_the_held_out_set_is_big_and_covers_every_entry_and_declines():
    assert len(QUESTIONS) >= 250
    covered = {e.id for e in query.entries() if e.covered}
    expected = {q["expect"] for q in QUESTIONS}
    assert expected - covered - {evaluation.DECLINE} == set(), "unknown entry ids in the held-out set"
    assert covered - expected == set(), "every entry needs at least one held-out question"
    assert sum(q["expect"] == evaluation.DECLINE for q in QUESTIONS) >= 50


def test_no_held_out_question_is_a_training_example():
    trained = {" ".join(text.lower().split()) for text in example_questions()}
    trained |= {" ".join(text.lower().split()) for e in query.entries() for text in [e.question, *e.examples]}
    leaked = [q["text"] for q in QUESTIONS if " ".join(q["text"].lower().split()) in trained]
    assert leaked == []


def test_scoring_counts_a_wrong_entry_and_a_form_start():
    questions = [{"text": "a", "expect": "gist"}, {"text": "b", "expect": "decline"},
                 {"text": "c", "expect": "gist"}, {"text": "d", "expect": "decline"}]
    scores = evaluation.score(questions, ["what_is_lms", "decline", "form", "gist"])
    assert (scores.right, scores.wrong_on_answerable, scores.form_started) == (0, 1, 1)
    assert (scores.declined, scores.wrong_on_decline) == (1, 1)
    assert evaluation.meets_floors(scores) != [] and evaluation.meets_floors(scores, evaluation.TARGETS) != []


def test_the_guard_is_never_looser_than_it_was_set():
    # The guard may only rise towards the targets.
    assert evaluation.FLOORS["right_entry"] >= 0.80 and evaluation.FLOORS["wrong_entry"] <= 0.045
    assert evaluation.FLOORS["correct_decline"] >= 0.90 and evaluation.FLOORS["form_on_general"] <= 0.01


@pytest.mark.model
def test_the_trained_bot_meets_the_floors_on_the_held_out_questions():
    if not evaluation.MODEL.exists():
        pytest.fail(f"No trained model at {evaluation.MODEL}: run 'make train' first.")
    scores = evaluation.evaluate()
    report = evaluation.report(scores, "held-out questions")
    Path("results").mkdir(exist_ok=True)
    Path("results/held_out_questions.txt").write_text(report + "\n", encoding="utf-8")
    assert evaluation.meets_floors(scores) == [], report
