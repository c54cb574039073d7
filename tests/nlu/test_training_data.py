"""The NLU training data: held-out test messages stay out of it, and every intent has examples."""
import re
from pathlib import Path

from ruamel.yaml import YAML

from bot.nlu.evaluate import load_test_set

ROOT = Path(__file__).resolve().parents[2]


def training_examples():
    """Return {intent: [example texts]} from data/nlu."""
    from bot.nlu.knowledge_questions import INTENT, OUTPUT, example_questions

    # The generated file may not exist yet: its examples come straight from the entries.
    examples = {INTENT: example_questions()}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        if path == OUTPUT:
            continue
        for item in YAML(typ="safe").load(path.read_text())["nlu"]:
            if "intent" in item:
                texts = [line[2:].strip() for line in item["examples"].strip().splitlines()]
                examples.setdefault(item["intent"], []).extend(texts)
    return examples


def normalized(text):
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def test_no_test_message_is_in_the_training_data():
    trained = {normalized(t) for texts in training_examples().values() for t in texts}
    leaked = [e["text"] for e in load_test_set() if normalized(e["text"]) in trained]
    assert leaked == []


def test_every_test_intent_is_trained_with_enough_examples():
    examples = training_examples()
    for intent in {e["intent"] for e in load_test_set()}:
        assert len(examples.get(intent, [])) >= 20, intent


def test_test_set_is_large_enough():
    assert len(load_test_set()) >= 200
