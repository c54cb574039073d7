"""The treatment, survival and recurrence files (knowledge/data/*.yml), described as pydantic models.

Each file holds texts in the project's own words, each with its sources and the sites it is
written for ("default" for every other site, "unknown" when the site is not known), a stage
map (stage_groups: where each stage of each staging system leads) and message templates.
What a model cannot see alone (sources, staging systems, groups named elsewhere) is checked
in knowledge/datafiles.py.
"""
from __future__ import annotations

from typing import Dict, List, Union

from pydantic import BaseModel, Extra, StrictFloat, StrictInt, conlist, validator

from knowledge.facts import SITES
from knowledge.staging import UNKNOWN_SITE
from knowledge.yaml_files import Id, Text

MAX_TEXT_CHARS = 1000
DEFAULT_SITE = "default"
SITE_NAMES = (*SITES, UNKNOWN_SITE, DEFAULT_SITE)


class TextModel(BaseModel, extra=Extra.forbid):
    """A text for a chat bubble, with its sources and the sites it is written for."""

    id: Id
    text: Text
    sources: List[Id]
    sites: List[str]

    @validator("text")
    def _fits_a_chat_bubble(cls, value):
        """A text is read in one chat bubble."""
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(f"is {len(value)} characters; keep it under {MAX_TEXT_CHARS} for a chat bubble")
        return value

    @validator("sources")
    def _at_least_one_source(cls, value):
        """Every text rests on at least one source."""
        if not value:
            raise ValueError("give at least one source")
        return value

    @validator("sites")
    def _known_sites(cls, value):
        """Sites are those of knowledge/facts.py, "unknown" or "default"."""
        unknown = [site for site in value if site not in SITE_NAMES]
        if unknown:
            raise ValueError(f"names unknown {unknown[0]!r}; use {', '.join(SITE_NAMES)}")
        return value


class SiteText(TextModel):
    """A text shown for the sites it names."""

    @validator("sites")
    def _names_a_site(cls, value):
        """A text without sites would never be shown."""
        if not value:
            raise ValueError("must name at least one site")
        return value


class SiteNote(SiteText):
    """A sentence added to the answers for the sites it names."""


class TreatmentText(SiteText):
    """The treatment options of one group (a stage group, overview or recurrent) for its sites."""

    group: Id
    title: Text


class TreatmentFile(BaseModel, extra=Extra.forbid):
    """treatment.yml."""

    stage_groups: Dict[str, Dict[str, Id]]
    entries: conlist(TreatmentText, min_items=1)
    site_notes: List[SiteNote] = []
    messages: Dict[str, Text]


class SurvivalGroup(BaseModel, extra=Extra.forbid):
    """A SEER group: how far the cancer had spread when it was found."""

    id: Id
    label: Text


class SurvivalTable(TextModel):
    """5-year survival figures per SEER group, for the sites it names (none: quoted by notes only)."""

    title: Text
    years: Text
    measure: Text
    attribution: Text
    figures: Dict[str, Union[StrictInt, StrictFloat]]  # as written: 60 stays 60
    sites: List[str] = []

    @validator("figures", pre=True)
    def _percentages(cls, value):
        """Each figure is a percentage."""
        for group, percent in (value or {}).items():
            if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
                raise ValueError(f"figure for {group} must be a percentage")
        return value


class SurvivalFile(BaseModel, extra=Extra.forbid):
    """survival.yml."""

    groups: conlist(SurvivalGroup, min_items=1)
    tables: conlist(SurvivalTable, min_items=1)
    stage_groups: Dict[str, Dict[str, List[Id]]]
    site_notes: List[SiteNote] = []
    messages: Dict[str, Text]


class RecurrenceText(SiteText):
    """How often LMS comes back, for the sites it names."""

    title: Text
    years: Text


class RecurrenceFile(BaseModel, extra=Extra.forbid):
    """recurrence.yml."""

    entries: conlist(RecurrenceText, min_items=1)
    messages: Dict[str, Text]
