"""Chooses the retrieval threshold (min_score in knowledge/data/retrieval.yml) on the calibration questions.

    python -m bot.nlu.calibrate            # print the table and the threshold it would choose
    python -m bot.nlu.calibrate --write    # also write it to knowledge/data/retrieval.yml

The calibration questions (knowledge/data/calibration_questions.yml, by two writers) are
written apart from the training examples and from the held-out test set; the held-out set is
never used here, so the rates it reports stay honest. The rule says what a mistake costs: a
fluent answer to another question is the worst failure, so one wrong answer costs as much as
WRONG_COST questions left unanswered ("no vetted answer, here is where to look"). The chosen
threshold gives the most right answers minus WRONG_COST times the wrong ones. Scored like the
evaluation: the trained model's intents and facts, then the answer policy (with
--retrieval-only, the retrieval alone).
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

from bot.nlu.evaluate_questions import MODEL, load_questions, parse_all, plan_all, safety_entries, score
from knowledge.retrieval import SETTINGS_FILE

CALIBRATION = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "calibration_questions.yml"
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 17)]
WRONG_COST = 5


def choose(table: list) -> float:
    """Return the threshold the rule picks from (threshold, rates, counts) rows: most right answers net of wrong ones.

    Ties go to the higher threshold (fewer answers to other questions).
    """
    return max(table, key=lambda row: (row[2].right - WRONG_COST * (row[2].wrong_on_answerable + row[2].wrong_on_decline),
                                       row[0]))[0]


def main(argv=None) -> int:
    """Print the table and the chosen threshold; with --write, store it."""
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the chosen threshold to retrieval.yml")
    parser.add_argument("--model", default=str(MODEL), help="trained model (default: models/lms-assistant.tar.gz)")
    parser.add_argument("--retrieval-only", action="store_true", help="calibrate the retrieval alone, without the model")
    args = parser.parse_args(argv)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    logging.disable(logging.WARNING)
    questions = load_questions(CALIBRATION)
    texts = [q["text"] for q in questions]
    if not args.retrieval_only and not Path(args.model).exists():
        print(f"No trained model at {args.model}: run 'make train' first, or use --retrieval-only.", file=sys.stderr)
        return 2
    print(f"Calibrating on {CALIBRATION.name} ({len(questions)} questions) ...", flush=True)
    parses = None if args.retrieval_only else parse_all(args.model, texts)
    safety = safety_entries()
    table = []
    print("threshold  right entry  wrong entry  correct decline")
    for threshold in THRESHOLDS:
        scores = score(questions, plan_all(texts, parses, min_score=threshold), safety)
        rates = scores.rates()
        table.append((threshold, rates, scores))
        print(f"  {threshold:5.2f}     {rates['right_entry']:6.1%}      {rates['wrong_entry']:6.1%}       "
              f"{rates['correct_decline']:6.1%}")
    chosen = choose(table)
    print(f"Chosen min_score: {chosen:.2f}")
    if args.write:
        text = SETTINGS_FILE.read_text(encoding="utf-8")
        SETTINGS_FILE.write_text(re.sub(r"(?m)^min_score: .*$", f"min_score: {chosen:.2f}", text), encoding="utf-8")
        print(f"Wrote it to {SETTINGS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
