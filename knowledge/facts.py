"""The facts vocabulary shared with the NLU and the actions (docs/architecture.md).

Raw values come in from slots, JSON cases or the command line; canonical values come out,
or InvalidCase with a reason a person understands.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

SITES = ("trunk_extremity", "retroperitoneum", "uterus", "head_neck", "gi_tract", "other")
GRADES = ("1", "2", "3", "X", "high", "low")
EXTENTS = (
    "uterus", "adnexa", "pelvic_tissue", "abdominal_one_site", "abdominal_multiple_sites",
    "regional_nodes", "bladder_or_rectum", "distant",
)
# The facts of one tumour, under one name each in the NLU entities, the slots and the engine:
# the site, then the facts that describe the tumour itself (the ones the form asks about).
FACT_NAMES = ("size_cm", "grade", "nodes", "metastasis", "extent")
TUMOUR_FACTS = ("site", *FACT_NAMES)
# A staging case: the staging system and the tumour facts (the command line's and JSON's fields).
CASE_FIELDS = ("system", *TUMOUR_FACTS)
MAX_SIZE_CM = 300.0

_YES = {"yes", "true", "y"}
_NO = {"no", "false", "n"}
_UNKNOWN = {"unknown", "none", "null", ""}
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


class InvalidCase(ValueError):
    """A staging case that cannot be read; the message says why, in plain words."""


@dataclass(frozen=True)
class Case:
    """Canonical facts: strings from the vocabulary, a size in cm, or None when unknown."""

    system: str | None = None
    site: str | None = None
    size_cm: float | None = None
    grade: str | None = None
    nodes: str | None = None
    metastasis: str | None = None
    extent: str | None = None

    def value(self, fact: str):
        """Return the canonical value of one fact (None when unknown)."""
        return getattr(self, fact)

    def with_system(self, system: str) -> "Case":
        """Return the same facts under another staging system."""
        return replace(self, system=system)

    def with_size(self, size_cm: float) -> "Case":
        """Return the same facts with another size."""
        return replace(self, size_cm=size_cm)


def check_case(system=None, site=None, size_cm=None, grade=None, nodes=None,
               metastasis=None, extent=None) -> Case:
    """Return the canonical Case for raw facts, or raise InvalidCase."""
    return Case(
        system=check_system(system),
        site=check_site(site),
        size_cm=check_size(size_cm),
        grade=check_grade(grade),
        nodes=check_yes_no(nodes, "nodes"),
        metastasis=check_yes_no(metastasis, "metastasis"),
        extent=check_extent(extent),
    )


def check_system(system) -> str | None:
    """Return the system id in lower case (existence is checked against the rule data)."""
    if system is None:
        return None
    if not isinstance(system, str) or not system.strip():
        raise InvalidCase("system must be a name such as ajcc7, ajcc8 or figo2009")
    return system.strip().lower()


def check_site(site) -> str | None:
    """Return the canonical site name."""
    if site is None:
        return None
    if isinstance(site, str):
        name = site.strip().lower()
        if name in _UNKNOWN:
            return None
        if name in SITES:
            return name
    known = ", ".join(SITES)
    raise InvalidCase(f"unknown site {site!r}; use one of: {known}")


def check_size(size_cm) -> float | None:
    """Return the size in cm as a float; it must be a number above 0 and at most 300."""
    if size_cm is None:
        return None
    if isinstance(size_cm, bool) or not isinstance(size_cm, (int, float)) or not math.isfinite(size_cm):
        raise InvalidCase(f"size_cm must be a number of centimetres, not {size_cm!r}")
    if size_cm <= 0:
        raise InvalidCase(f"size_cm must be more than 0 cm, not {size_cm!r}")
    if size_cm > MAX_SIZE_CM:
        raise InvalidCase(f"size_cm {size_cm!r} is not a believable tumor size (over {MAX_SIZE_CM:g} cm); please check the units")
    return float(size_cm)


def check_grade(grade) -> str | None:
    """Return "1", "2", "3", "X", "high" or "low" for a grade given as number or text."""
    if grade is None:
        return None
    if isinstance(grade, int) and not isinstance(grade, bool):
        text = str(grade)
    elif isinstance(grade, str):
        text = grade.strip()
        if text.lower() in _UNKNOWN:
            return None
        text = text.upper() if text.lower() == "x" else text.lower()
    else:
        text = None
    if text in GRADES:
        return text
    raise InvalidCase(f"grade must be 1, 2, 3 or X (or high/low), not {grade!r}")


def check_yes_no(value, fact: str) -> str | None:
    """Return "yes", "no" or None for true/false/null or the slot strings yes/no/unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _YES:
            return "yes"
        if text in _NO:
            return "no"
        if text in _UNKNOWN:
            return None
    raise InvalidCase(f"{fact} must be true, false or null (yes/no/unknown), not {value!r}")


def check_extent(extent) -> str | None:
    """Return the FIGO extent name, checked against the vocabulary."""
    if extent is None:
        return None
    if isinstance(extent, str):
        name = extent.strip().lower()
        if name in _UNKNOWN:
            return None
        if name in EXTENTS:
            return name
    raise InvalidCase(f"unknown extent {extent!r}; use one of: {', '.join(EXTENTS)}")


def check_stage(stage) -> str | None:
    """Return a stage name in Roman numerals ("2b" and "Stage IIB" both give "IIB")."""
    if stage is None:
        return None
    if not isinstance(stage, str):
        raise InvalidCase(f"stage must be text such as IIB, not {stage!r}")
    text = re.sub(r"^\s*stage\s*", "", stage.strip(), flags=re.IGNORECASE).replace(" ", "").upper()
    if text[:1] in _ROMAN:
        text = _ROMAN[text[:1]] + text[1:]
    if text == "RECURRENT" or re.fullmatch(r"(IV|I{1,3})[A-C]?", text):
        return text.lower() if text == "RECURRENT" else text
    raise InvalidCase(f"{stage!r} is not a stage name such as IA, IIB, III or IV")
