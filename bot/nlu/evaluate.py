"""Trains the NLU on data/nlu into a temporary folder and scores it on the held-out test set.

    python -m bot.nlu.evaluate                    # train, then score intents and entities
    python -m bot.nlu.evaluate --model m.tar.gz   # score an existing model
    python -m bot.nlu.evaluate --entities-only    # score the spaCy extractor alone (seconds)

Intents: macro-F1 over the intents of the test set (a prediction outside them, such as
nlu_fallback, counts as a miss). Entities: per message, the set of (entity, normalized value)
pairs extracted is compared with the annotated set; offsets are not compared. A pair in both
is a true positive, only extracted a false positive, only annotated a false negative.
Values are normalized as: numbers rounded to 2 decimals, booleans and text lowercased.
"""
import argparse
import asyncio
import functools
import logging
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from ruamel.yaml import YAML

from knowledge.facts import TUMOUR_FACTS

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests" / "nlu" / "test_set.yml"
# The tumour facts, plus what only the extractor gives (a range, a bare number, a stage the team gave).
ENTITIES = (*TUMOUR_FACTS, "size_uncertain", "number", "stated_stage")
TARGETS = {"intent_macro_f1": 0.95, "size_cm": 0.95, "grade": 0.95, "nodes": 0.95, "metastasis": 0.95}

Pair = Tuple[str, str]


def load_test_set(path: Path = TEST_SET) -> List[Dict]:
    """Return the examples of the test set: dicts with text, intent and entities."""
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))["examples"]


def normalize(value) -> str:
    """Return a value in the form used for comparison ("6.0" -> "6.0", True -> "true")."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{round(float(value), 2)}"
    try:
        return f"{round(float(value), 2)}"
    except (TypeError, ValueError):
        return str(value).lower()


def expected_pairs(example: Dict) -> Set[Pair]:
    """Return the annotated (entity, value) pairs of one example."""
    pairs = set()
    for entity, value in (example.get("entities") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.add((entity, normalize(item)))
    return pairs


def extracted_pairs(entities: Iterable[Dict]) -> Set[Pair]:
    """Return the (entity, value) pairs of extracted entity dicts."""
    return {(e["entity"], normalize(e["value"])) for e in entities}


def entity_scores(gold: List[Set[Pair]], predicted: List[Set[Pair]]) -> Dict[str, Dict[str, float]]:
    """Return precision, recall, F1 and counts per entity name."""
    counts = defaultdict(Counter)
    for expected, found in zip(gold, predicted):
        for entity, _ in expected & found:
            counts[entity]["tp"] += 1
        for entity, _ in found - expected:
            counts[entity]["fp"] += 1
        for entity, _ in expected - found:
            counts[entity]["fn"] += 1
    scores = {}
    for entity in ENTITIES:
        tp, fp, fn = (counts[entity][k] for k in ("tp", "fp", "fn"))
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        scores[entity] = {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp,
                          "fn": fn, "support": tp + fn}
    return scores


def intent_scores(gold: List[str], predicted: List[str]) -> Tuple[float, Dict[str, float], Counter]:
    """Return macro-F1 over the gold intents, F1 per intent, and the confusion pairs."""
    per_intent = {}
    for intent in sorted(set(gold)):
        tp = sum(g == p == intent for g, p in zip(gold, predicted))
        fp = sum(p == intent and g != intent for g, p in zip(gold, predicted))
        fn = sum(g == intent and p != intent for g, p in zip(gold, predicted))
        per_intent[intent] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return sum(per_intent.values()) / len(per_intent), per_intent, confusions


def train_model(config: str, out_dir: str) -> str:
    """Train the NLU on data/nlu with the given config and return the model path."""
    from rasa.model_training import train_nlu

    return train_nlu(config=config, nlu_data=str(ROOT / "data" / "nlu"), output=out_dir,
                     fixed_model_name="nlu-evaluation")


@functools.lru_cache(maxsize=1)
def loaded_model(model_path: str):
    """Returns the trained model loaded once per process (loading takes most of a minute)."""
    from rasa.core.agent import Agent

    return Agent.load(model_path)


def parse_all(model_path: str, texts: List[str]) -> List[Dict]:
    """Return Rasa's parse result for each text."""
    agent = loaded_model(model_path)

    async def run():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def report(examples: List[Dict], parses: List[Dict], intents: bool, show_errors: bool) -> bool:
    """Print the scores and return whether every target was met."""
    gold_pairs = [expected_pairs(e) for e in examples]
    found_pairs = [extracted_pairs(p.get("entities", [])) for p in parses]
    met = True
    print(f"test set: {TEST_SET.relative_to(ROOT)} ({len(examples)} messages)")
    if intents:
        gold = [e["intent"] for e in examples]
        predicted = [(p.get("intent") or {}).get("name") or "None" for p in parses]
        macro, per_intent, confusions = intent_scores(gold, predicted)
        accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
        met &= macro >= TARGETS["intent_macro_f1"]
        print(f"\nintent macro-F1: {macro:.3f}  (accuracy {accuracy:.3f}, {len(per_intent)} intents)")
        weak = {i: f for i, f in per_intent.items() if f < 1.0}
        print("intents below F1 1.0: " + (", ".join(f"{i} {f:.2f}" for i, f in sorted(weak.items())) or "none"))
        print("confusion pairs (expected -> predicted: count):")
        for (g, p), n in confusions.most_common():
            print(f"  {g} -> {p}: {n}")
        if show_errors:
            for e, p, g_, p_ in zip(examples, parses, gold, predicted):
                if g_ != p_:
                    confidence = (p.get("intent") or {}).get("confidence", 0)
                    print(f"    [{g_} -> {p_} {confidence:.2f}] {e['text']}")
    scores = entity_scores(gold_pairs, found_pairs)
    print("\nentity        F1     precision recall  support (tp/fp/fn)")
    for entity, s in scores.items():
        target = TARGETS.get(entity)
        met &= target is None or s["f1"] >= target
        print(f"  {entity:12} {s['f1']:.3f}  {s['precision']:.3f}     {s['recall']:.3f}   "
              f"{s['support']:3d}  ({s['tp']}/{s['fp']}/{s['fn']})")
    if show_errors:
        for e, g, f in zip(examples, gold_pairs, found_pairs):
            if g != f:
                print(f"    missing {sorted(g - f)} extra {sorted(f - g)}: {e['text']}")
    print("\ntargets (intent macro-F1, size_cm, grade, nodes, metastasis >= 0.95): "
          + ("met" if met else "NOT met"))
    return met


def main(argv: List[str] = None) -> int:
    """Run the evaluation; exit status 0 when the targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.yml"))
    parser.add_argument("--model", help="score this model instead of training one")
    parser.add_argument("--entities-only", action="store_true", help="score the spaCy extractor alone")
    parser.add_argument("--show-errors", action="store_true", help="list every wrong message")
    args = parser.parse_args(argv)
    examples = load_test_set()
    texts = [e["text"] for e in examples]
    if args.entities_only:
        from bot.nlu.pipeline import extract_facts

        return 0 if report(examples, [{"entities": extract_facts(t)} for t in texts], False,
                           args.show_errors) else 1
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as out_dir:
        model = args.model or train_model(args.config, out_dir)
        parses = parse_all(model, texts)
    return 0 if report(examples, parses, True, args.show_errors) else 1


if __name__ == "__main__":
    sys.exit(main())
