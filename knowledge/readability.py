"""Reading level of a patient-facing text: the Flesch-Kincaid grade, with medical names treated as plain words.

Names such as "leiomyosarcoma" or "doxorubicin" cannot be replaced by simpler words, so the
words listed in knowledge/data/medical_terms.yml count as two-syllable words; everything else
is measured as written. `python -m knowledge.readability FILE...` prints the grade of every entry.
"""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import yaml

TERMS_FILE = Path(__file__).resolve().parent / "data" / "medical_terms.yml"
MAX_GRADE = 9.0

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# A sentence ends at . ! ? or ; or a colon before a new clause (lists read as separate sentences).
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)")


@lru_cache(maxsize=1)
def medical_terms() -> frozenset:
    """Return the lower-case medical names that count as two-syllable words."""
    with open(TERMS_FILE, encoding="utf-8") as f:
        return frozenset(term.lower() for term in yaml.safe_load(f)["terms"])


def syllables(word: str) -> int:
    """Return an estimate of a word's syllables (vowel groups, less a silent final e)."""
    word = word.lower().strip("'-")
    if word in medical_terms() or word.rstrip("s") in medical_terms():
        return 2
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def grade(text: str) -> float:
    """Return the Flesch-Kincaid grade level of a text."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    total_syllables = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * total_syllables / len(words) - 15.59


def main(paths: list) -> int:
    """Print each entry's grade from entry files; return 1 when any is above MAX_GRADE."""
    worst = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            content = yaml.safe_load(f)
        for entry in content.get("entries", []):
            level = grade(entry["answer"])
            words = len(_WORD.findall(entry["answer"]))
            flag = "  <-- too hard" if level > MAX_GRADE else ""
            flag += "  <-- too long" if words > 130 else ""
            print(f"{level:5.1f} {words:4d}w  {entry['id']}{flag}")
            worst = max(worst, 1 if flag else 0)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
