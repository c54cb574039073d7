"""The calibration questions that choose the retrieval threshold: apart from training and from the held-out set."""

from bot.nlu import calibrate
from bot.nlu import evaluate_questions as evaluation
from bot.nlu.evaluate_questions import Scores
from bot.nlu.knowledge_questions import example_questions
from knowledge import query

QUESTIONS = evaluation.load_questions(calibrate.CALIBRATION)


def _same(text):
    return " ".join(text.lower().split())


def test_calibration_questions_name_real_entries_and_include_declines():
    ids = {e.id for e in query.entries()}
    assert {q["expect"] for q in QUESTIONS} - ids - {evaluation.DECLINE} == set()
    assert sum(q["expect"] == evaluation.DECLINE for q in QUESTIONS) >= 100
    assert len(QUESTIONS) >= 500


def test_no_calibration_question_is_trained_on_or_in_the_held_out_set():
    trained = {_same(t) for t in example_questions()}
    trained |= {_same(t) for e in query.entries() for t in [e.question, *e.examples]}
    held_out = {_same(q["text"]) for q in evaluation.load_questions()}
    assert [q["text"] for q in QUESTIONS if _same(q["text"]) in trained] == []
    assert [q["text"] for q in QUESTIONS if _same(q["text"]) in held_out] == []


def _row(threshold, right, wrong):
    return threshold, {}, Scores(right=right, wrong_on_answerable=wrong)


def test_the_rule_counts_one_wrong_answer_as_several_missed_ones():
    # 0.4 answers 10 more questions right but 3 more wrong: with a wrong answer costing 5, 0.6 wins.
    assert calibrate.choose([_row(0.4, 90, 4), _row(0.6, 80, 1)]) == 0.6
    # 12 more right for 2 more wrong is worth it.
    assert calibrate.choose([_row(0.4, 92, 3), _row(0.6, 80, 1)]) == 0.4
    # A tie goes to the higher threshold.
    assert calibrate.choose([_row(0.4, 85, 1), _row(0.6, 85, 1)]) == 0.6


def test_the_calibration_set_splits_into_two_fixed_halves_that_both_have_declines():
    halves = {evaluation.half_of(q["text"]) for q in QUESTIONS}
    assert halves == {"dev", "score"}
    for half in halves:
        part = [q for q in QUESTIONS if evaluation.half_of(q["text"]) == half]
        assert 0.4 * len(QUESTIONS) < len(part) < 0.6 * len(QUESTIONS)
        assert sum(q["expect"] == evaluation.DECLINE for q in part) >= 40
    # The split depends only on the text, so it never changes between runs or machines.
    texts = ("what is lms", "what is sarcoma", "is lms rare", "how is lms treated")
    assert [evaluation.half_of(t) for t in texts] == ["dev", "score", "dev", "score"]
