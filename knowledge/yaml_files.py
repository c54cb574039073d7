"""Reading one YAML data file into its pydantic model; a problem raises DataFileError naming file, entry and problem."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError


class DataFileError(ValueError):
    """A data file that cannot be loaded; the message names the file, the entry and the problem."""

    def __init__(self, path, entry_id, problem: str):
        self.path = str(path)
        self.entry_id = entry_id
        self.problem = problem
        super().__init__(f"{self.path}: entry {entry_id!r}: {problem}")


def load_yaml(path: Path) -> dict:
    """Return a YAML file's top-level mapping."""
    try:
        with open(path, encoding="utf-8") as f:
            content = yaml.safe_load(f)
    except FileNotFoundError:
        raise DataFileError(path, "(file)", "file is missing") from None
    except yaml.YAMLError as error:
        raise DataFileError(path, "(file)", f"not valid YAML: {error}") from None
    if not isinstance(content, dict):
        raise DataFileError(path, "(file)", "the file must hold a mapping of named sections")
    return content


def parse(path: Path, model, content: dict | None = None):
    """Return a data file read into its pydantic model; a problem raises DataFileError naming the entry."""
    content = load_yaml(path) if content is None else content
    try:
        return model.parse_obj(content)
    except ValidationError as error:
        first = error.errors()[0]
        entry_id, field = locate(first["loc"], content)
        problem = first["msg"] if field in ("", "__root__") else f"'{field}' {first['msg']}"
        raise DataFileError(path, entry_id, problem) from None


def locate(location, content) -> tuple:
    """Return (entry, field) for a pydantic error location, in the data file's terms.

    An item of a list with an id is named by its id ("iib", "what_is_lms"); one with a code
    by the path to it and its code ("facts.size_cm.T2"); anything else by its keys.
    """
    whole = tuple(location[-1:]) == ("__root__",)  # a problem of the item itself, not of one field
    entry, field, node = [], [], content
    for part in location[:-1] if whole else location:
        node = _child(node, part)
        if isinstance(part, int) and isinstance(node, dict) and node.get("id"):
            entry, field = [str(node["id"])], []
        elif isinstance(part, int) and isinstance(node, dict) and node.get("code"):
            entry, field = entry + field[:-1] + [str(node["code"])], []
        else:
            field.append(f"item {part + 1}" if isinstance(part, int) else str(part))
    if whole:
        entry, field = entry + field, []
    elif not entry:
        entry, field = field[:-1] or field, field[-1:]
    return ".".join(entry) or "(file)", ".".join(field)


def _child(node, part):
    """Return node[part], or None when the content has no such part."""
    try:
        return node[part]
    except (KeyError, IndexError, TypeError):
        return None
