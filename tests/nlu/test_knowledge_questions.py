"""The ask_general training examples are generated from the knowledge entries, not written twice."""
import yaml

from bot.nlu.knowledge_questions import EXAMPLES_PER_ENTRY, INTENT, example_questions, nlu_yaml
from knowledge import query


def test_every_general_entry_trains_the_intent_with_its_question():
    examples = {text.lower() for text in example_questions()}
    for entry in query.entries():
        if entry.safety or entry.personalises:
            continue
        assert " ".join(entry.question.lower().split()) in examples, entry.id


def test_safety_and_tumour_question_entries_do_not_train_ask_general():
    examples = {text.lower() for text in example_questions()}
    for entry in query.entries():
        if entry.safety or entry.personalises:
            assert entry.question.lower() not in examples, entry.id


def test_each_entry_gives_at_most_its_question_and_a_spread_of_examples():
    general = [e for e in query.entries() if not e.safety and not e.personalises]
    assert len(example_questions()) <= len(general) * (EXAMPLES_PER_ENTRY + 1)


def test_the_generated_file_is_rasa_training_data_for_one_intent(tmp_path):
    content = yaml.safe_load(nlu_yaml(["what is lms", "is lms hereditary"]))
    assert content["nlu"][0]["intent"] == INTENT
    assert content["nlu"][0]["examples"].splitlines() == ["- what is lms", "- is lms hereditary"]
