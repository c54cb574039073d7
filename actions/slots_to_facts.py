"""Translates the tumor slots into the facts the knowledge base takes."""
from typing import Any, Dict, Mapping, Optional

from knowledge import query
from knowledge.facts import TUMOUR_FACTS

FACT_SLOTS = TUMOUR_FACTS
UNKNOWN = "unknown"


def _known(name: str, value: Any) -> Any:
    """Returns the knowledge base's value for a slot, or None if unknown or not valid."""
    if value in (None, UNKNOWN, ""):
        return None
    try:
        return query.normalize_fact(name, value)
    except query.InvalidFact:
        # The form re-asks invalid values; until then they count as not known.
        return None


def facts_from_slots(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """Returns the tumor facts as knowledge.query takes them (None where not known)."""
    return {name: _known(name, slots.get(name)) for name in FACT_SLOTS}


def system_from_slots(slots: Mapping[str, Any]) -> str:
    """Returns the staging system to use: the one the patient asked for, else the site's default."""
    requested: Optional[str] = slots.get("staging_system")
    return requested or query.default_system(_known("site", slots.get("site")))
