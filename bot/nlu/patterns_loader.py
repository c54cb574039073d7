"""Loads the data files in bot/nlu/patterns/ (YAML 1.2, so "no" stays a string)."""
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

from ruamel.yaml import YAML

PATTERN_DIR = Path(__file__).parent / "patterns"
RULE_FILES = ("site.yml", "grade.yml", "stage.yml", "spread.yml", "extent.yml", "size.yml", "unknown.yml")


@lru_cache(maxsize=None)
def load_yaml(name: str) -> Dict[str, Any]:
    """Return the parsed content of one file in bot/nlu/patterns/."""
    with open(PATTERN_DIR / name, encoding="utf-8") as f:
        return YAML(typ="safe").load(f)


def _as_text(value: Any) -> Any:
    """Return the pattern with numbers turned into the strings tokens are compared to."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


def span_ruler_patterns(names=RULE_FILES) -> List[Dict[str, Any]]:
    """Return span-ruler patterns from every UPPERCASE section of the rule files."""
    patterns = []
    for name in names:
        for label, ids in load_yaml(name).items():
            if not label.isupper():
                continue
            for pattern_id, items in ids.items():
                for item in items:
                    pattern = item if isinstance(item, str) else _as_text(item)
                    patterns.append({"label": label, "id": str(pattern_id), "pattern": pattern})
    return patterns
