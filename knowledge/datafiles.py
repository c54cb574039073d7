"""Reading and checking every data file; a broken entry raises DataFileError naming file, entry and problem.

Each file is described by pydantic models (entry_files.py: entries and sources;
content_files.py: treatment, survival, recurrence; staging.py: the staging rules, read by
staging_files.py). What no single model can see is checked here, as the short list in
read_data: ids used once across files, the sources and groups an entry names, and stage
maps that cover every stage of every staging system.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.content_files import DEFAULT_SITE, RecurrenceFile, SurvivalFile, TreatmentFile
from knowledge.entry_files import AreaFileModel, SourceFileModel
from knowledge.staging import RuleBook
from knowledge.staging_files import read_rulebook
from knowledge.yaml_files import DataFileError, parse

# KNOWLEDGE_DATA_DIR points at another copy of the data (the benchmark's larger knowledge base).
DATA_DIR = Path(os.environ.get("KNOWLEDGE_DATA_DIR") or Path(__file__).resolve().parent / "data")
STAGING_DIR = "staging"
ENTRIES_DIR = "entries"
SOURCES_DIR = "sources"

REQUIRED_MESSAGES = {
    "survival": {"intro", "figure", "figure_match", "stage_one_group", "stage_two_groups",
                 "no_stage", "caveat", "gist_figures"},
    "recurrence": {"caveat"},
    "treatment": {"unknown_stage"},
}
REQUIRED_TREATMENT_GROUPS = ("overview", "recurrent")


@dataclass
class EntryData:
    """A checked content entry, ready to become a row."""

    kind: str
    id: str
    text: str
    sources: list
    title: str | None = None
    years: str | None = None
    attrs: dict = field(default_factory=dict)


@dataclass
class DataSet:
    """Everything in the data folder, checked."""

    sources: list
    entries: list
    stage_maps: list
    messages: dict
    rulebook: RuleBook


def fingerprint(data_dir: Path = DATA_DIR) -> str:
    """Return a hash of every data file's name and content."""
    digest = hashlib.sha256()
    for path in sorted(Path(data_dir).rglob("*.yml")):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def rulebook(data_dir: Path = DATA_DIR) -> RuleBook:
    """Return the checked staging rules of a data folder, read again only when a staging file changed."""
    return read_rulebook(Path(data_dir) / STAGING_DIR)


def read_data(data_dir: Path = DATA_DIR) -> DataSet:
    """Return the checked content of every data file, or raise DataFileError."""
    data_dir = Path(data_dir)
    sources = _read_sources([data_dir / "sources.yml", *sorted((data_dir / SOURCES_DIR).glob("*.yml"))])
    book = rulebook(data_dir)
    data = DataSet([source.dict() for source in sources], [], [], {}, book)
    known = {source.id for source in sources}
    for system in book.systems.values():
        _check_known(data_dir / STAGING_DIR / f"{system.id}.yml", system.id, "sources", system.sources, known)
    _read_entry_files(data, sorted((data_dir / ENTRIES_DIR).glob("*.yml")), known)
    _read_treatment(data, data_dir / "treatment.yml", known)
    _read_survival(data, data_dir / "survival.yml", known)
    _read_recurrence(data, data_dir / "recurrence.yml", known)
    return data


def _read_sources(paths) -> list:
    """Return every source, each id defined once; a numbered reference must name a source citing it."""
    sources, where = [], {}
    for path in paths:
        for source in parse(path, SourceFileModel).sources:
            if source.id in where:
                raise DataFileError(path, source.id, f"this source id is already defined (in {where[source.id].name})")
            where[source.id] = path
            sources.append(source)
    by_id = {source.id: source for source in sources}
    for source in sources:
        if source.part_of is None:
            continue
        parent = by_id.get(source.part_of)
        if parent is None:
            raise DataFileError(where[source.id], source.id, f"'part_of' names unknown source {source.part_of!r}")
        if "{references}" not in (parent.references_citation or ""):
            raise DataFileError(where[parent.id], parent.id, "its references are cited: give 'references_citation' "
                                                             "with a {references} placeholder")
    return sources


def _read_entry_files(data: DataSet, paths, known: set) -> None:
    """Add the question-and-answer entries, one file per area."""
    seen_ids, seen_areas = set(), set()
    for path in paths:
        area = parse(path, AreaFileModel)
        if area.area in seen_areas:
            raise DataFileError(path, area.area, "another file already holds this area")
        seen_areas.add(area.area)
        for entry in area.entries:
            if entry.id in seen_ids:
                raise DataFileError(path, entry.id, "id is used by another entry")
            seen_ids.add(entry.id)
            unknown = [s for s in entry.sources if s not in known]
            if unknown:
                raise DataFileError(path, entry.id, f"unknown source(s): {', '.join(unknown)}")
            data.entries.append(EntryData(
                kind="entry", id=entry.id, title=entry.question, text=entry.answer, sources=entry.sources,
                attrs={"area": area.area, "area_title": area.title, "examples": entry.examples,
                       "reviewed": entry.reviewed.isoformat(), "covered": entry.covered, "safety": area.safety,
                       "names": entry.names, "names_outrank_covered": entry.names_outrank_covered,
                       "personalises": entry.personalises}))
    if not seen_ids:
        raise DataFileError(ENTRIES_DIR, "(folder)", "no entry files found")


def _read_treatment(data: DataSet, path: Path, known: set) -> None:
    """Add treatment.yml: a text per group and site, notes per site, the stage map and messages."""
    content = parse(path, TreatmentFile)
    _check_unique_ids(path, [*content.entries, *content.site_notes])
    groups: dict = {}
    for item in content.entries:
        _add_text(data, path, "treatment", item, known, title=item.title, group=item.group, sites=item.sites)
        groups.setdefault(item.group, []).extend(item.sites)
    for group, sites in groups.items():
        if DEFAULT_SITE not in sites:
            raise DataFileError(path, group, "each group needs one entry with sites: [default]")
    for group in REQUIRED_TREATMENT_GROUPS:
        if group not in groups:
            raise DataFileError(path, group, f"a '{group}' entry is required")
    for note in content.site_notes:
        _add_text(data, path, "treatment_note", note, known, sites=note.sites)
    _add_stage_map(data, path, "treatment", content.stage_groups,
                   lambda target: None if target in groups else f"unknown treatment group {target!r}")
    _add_messages(data, path, "treatment", content.messages)


def _read_survival(data: DataSet, path: Path, known: set) -> None:
    """Add survival.yml: SEER groups, figure tables, notes per site, the stage map and messages."""
    content = parse(path, SurvivalFile)
    group_ids = [group.id for group in content.groups]
    _check_unique_ids(path, content.groups)
    _check_unique_ids(path, [*content.tables, *content.site_notes])
    for group in content.groups:
        data.messages[f"survival.group.{group.id}"] = group.label
    for table in content.tables:
        if list(table.figures) != group_ids:
            raise DataFileError(path, table.id, f"'figures' must give {', '.join(group_ids)} in that order")
        _add_text(data, path, "survival", table, known, title=table.title, years=table.years,
                  figures=table.figures, attribution=table.attribution, measure=table.measure, sites=table.sites)
    if not any(DEFAULT_SITE in table.sites for table in content.tables):
        raise DataFileError(path, "tables", "one table needs sites: [default]")
    for note in content.site_notes:
        try:
            note.text.format(**{table.id: "" for table in content.tables})
        except (KeyError, IndexError, ValueError) as error:
            raise DataFileError(path, note.id, f"text may only use {{table id}} placeholders: {error}") from None
        _add_text(data, path, "survival_note", note, known, sites=note.sites)
    _add_stage_map(data, path, "survival", content.stage_groups, lambda target: None if target and set(
        target) <= set(group_ids) else f"must list SEER groups from {', '.join(group_ids)}")
    _add_messages(data, path, "survival", content.messages)


def _read_recurrence(data: DataSet, path: Path, known: set) -> None:
    """Add recurrence.yml: a text per site and messages."""
    content = parse(path, RecurrenceFile)
    _check_unique_ids(path, content.entries)
    for item in content.entries:
        _add_text(data, path, "recurrence", item, known, title=item.title, years=item.years, sites=item.sites)
    if not any(DEFAULT_SITE in item.sites for item in content.entries):
        raise DataFileError(path, "entries", "one entry needs sites: [default]")
    _add_messages(data, path, "recurrence", content.messages)


def _add_text(data: DataSet, path: Path, kind: str, item, known: set, title=None, years=None, **attrs) -> None:
    """Add one text of a content file, after checking the sources it names."""
    _check_known(path, item.id, "sources", item.sources, known)
    data.entries.append(EntryData(kind=kind, id=item.id, text=item.text, sources=list(item.sources),
                                  title=title, years=years, attrs=attrs))


def _add_stage_map(data: DataSet, path: Path, purpose: str, mapping: dict, problem_of_target) -> None:
    """Add a stage -> target map, which must cover every stage of every staging system."""
    for system_id, system in data.rulebook.systems.items():
        where = f"stage_groups.{system_id}"
        stages = mapping.get(system_id)
        if stages is None:
            raise DataFileError(path, where, "missing for this staging system")
        for stage in system.stages:
            if stage not in stages:
                raise DataFileError(path, where, f"stage {stage} is not mapped")
        for stage, target in stages.items():
            if stage not in system.stages:
                raise DataFileError(path, where, f"{stage} is not a stage of {system_id}")
            problem = problem_of_target(target)
            if problem:
                raise DataFileError(path, f"{where}.{stage}", problem)
            data.stage_maps.append((purpose, system_id, stage, target))


def _add_messages(data: DataSet, path: Path, prefix: str, messages: dict) -> None:
    """Add a file's message templates as prefix.<id>, after checking the required ones are there."""
    missing = REQUIRED_MESSAGES[prefix] - set(messages)
    if missing:
        raise DataFileError(path, "messages", f"missing templates: {', '.join(sorted(missing))}")
    data.messages.update({f"{prefix}.{key}": text for key, text in messages.items()})


def _check_unique_ids(path: Path, items) -> None:
    """Raise when two items of one file share an id."""
    seen = set()
    for item in items:
        if item.id in seen:
            raise DataFileError(path, item.id, "id is used twice")
        seen.add(item.id)


def _check_known(path: Path, entry_id: str, key: str, names, known: set) -> None:
    """Raise when a list names something that is not defined."""
    for name in names:
        if name not in known:
            raise DataFileError(path, entry_id, f"'{key}' names unknown {name!r}")
