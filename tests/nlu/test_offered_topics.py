"""A decline that offers the nearest topic (knowledge/answering.suggestions) offers something that works.

The offer's button sends the entry's own question as plain text; through the trained model and
the answer policy, that question must come back to the entry it names.
"""
import pytest

from bot.nlu import evaluate_questions as evaluation
from knowledge import answering, query


@pytest.mark.model
def test_pressing_an_offered_topic_answers_that_topic():
    if not evaluation.MODEL.exists():
        pytest.fail(f"No trained model at {evaluation.MODEL}: run 'make train' first.")
    entries = list(filter(answering.can_be_offered, query.entries()))
    texts = [e.question for e in entries]
    outcomes = evaluation.plan_all(texts, evaluation.parse_all(str(evaluation.MODEL), texts))
    wrong = [(e.id, got) for e, got in zip(entries, outcomes) if got != e.id]
    assert wrong == []
