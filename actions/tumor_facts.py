"""Translates the tumor slots into the facts the knowledge base takes."""
from typing import Any, Dict, Mapping, Optional

from knowledge import query

FACT_SLOTS = ("site", "size_cm", "grade", "nodes", "metastasis", "extent")
UNKNOWN = "unknown"
_YES_NO = {"yes": True, "no": False}


def _known(value: Any) -> Any:
    return None if value in (None, UNKNOWN, "") else value


def facts_from_slots(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """Returns the tumor facts as knowledge.query takes them (None where not known)."""
    size = _known(slots.get("size_cm"))
    return {
        "site": _known(slots.get("site")),
        "size_cm": float(size) if size is not None else None,
        "grade": _known(slots.get("grade")),
        "nodes": _YES_NO.get(slots.get("nodes")),
        "metastasis": _YES_NO.get(slots.get("metastasis")),
        "extent": _known(slots.get("extent")),
    }


def system_from_slots(slots: Mapping[str, Any]) -> str:
    """Returns the staging system to use: the one the patient asked for, else the site's default."""
    requested: Optional[str] = slots.get("staging_system")
    return requested or query.default_system(_known(slots.get("site")))
