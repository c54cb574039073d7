"""Reading and checking the YAML data files; a broken entry raises DataFileError naming file and entry."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.entry_files import AreaFileModel, SourceFileModel
from knowledge.facts import SITES
from knowledge.staging import UNKNOWN_SITE, RuleBook
from knowledge.staging_files import read_rulebook
from knowledge.yaml_files import DataFileError, load_yaml, parse

# KNOWLEDGE_DATA_DIR points at another copy of the data (the benchmark's larger knowledge base).
DATA_DIR = Path(os.environ.get("KNOWLEDGE_DATA_DIR") or Path(__file__).resolve().parent / "data")
STAGING_DIR = "staging"
ENTRIES_DIR = "entries"
SOURCES_DIR = "sources"
MAX_TEXT_CHARS = 1000
DEFAULT_SITE = "default"

REQUIRED_MESSAGES = {
    "survival": {"intro", "figure", "figure_match", "stage_one_group", "stage_two_groups",
                 "no_stage", "caveat", "gist_figures"},
    "recurrence": {"caveat"},
    "treatment": {"unknown_stage"},
}


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
    sources = _read_sources(data_dir / "sources.yml")
    sources += _read_source_files(sorted((data_dir / SOURCES_DIR).glob("*.yml")), {s["id"] for s in sources})
    known = {s["id"] for s in sources}
    reader = _Reader(known)
    book = rulebook(data_dir)
    _check_sources(data_dir / STAGING_DIR, book, known)
    reader.read_entry_files(sorted((data_dir / ENTRIES_DIR).glob("*.yml")))
    reader.read_treatment(data_dir / "treatment.yml", book)
    reader.read_survival(data_dir / "survival.yml", book)
    reader.read_recurrence(data_dir / "recurrence.yml")
    return DataSet(sources, reader.entries, reader.stage_maps, reader.messages, book)


def _section(path, content: dict, key: str, kind=list):
    """Return a required top-level section of the expected type."""
    value = content.get(key)
    if not isinstance(value, kind) or not value:
        raise DataFileError(path, key, f"section '{key}' is missing or empty")
    return value


def _text(path, entry_id, item: dict, key: str, required=True) -> str | None:
    """Return a non-empty string field of an entry."""
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, entry_id, f"'{key}' must be non-empty text")
    return value.strip()


def _id(path, item, seen: set) -> str:
    """Return an entry's id, checking it is present and unique in its list."""
    entry_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(entry_id, str) or not entry_id:
        raise DataFileError(path, "(no id)", f"every entry needs an 'id'; got {item!r}")
    if entry_id in seen:
        raise DataFileError(path, entry_id, "id is used twice")
    seen.add(entry_id)
    return entry_id


def _id_list(path, entry_id, item: dict, key: str, allowed, required=True) -> list:
    """Return a list field whose items must all be among the allowed values."""
    value = item.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise DataFileError(path, entry_id, f"'{key}' must be a non-empty list")
    for name in value:
        if name not in allowed:
            raise DataFileError(path, entry_id, f"'{key}' names unknown {name!r}")
    return list(value)


def _read_source_files(paths, known: set) -> list:
    """Return the sources of the extra source files (schema: knowledge.entry_files.SourceFileModel)."""
    rows = []
    for path in paths:
        for source in parse(path, SourceFileModel).sources:
            if source.id in known:
                raise DataFileError(path, source.id, "this source id is already defined in another file")
            known.add(source.id)
            rows.append(source.dict())
    return rows


def _read_sources(path: Path) -> list:
    """Return the checked source list."""
    sources, seen = [], set()
    for item in _section(path, load_yaml(path), "sources"):
        source_id = _id(path, item, seen)
        row = {"id": source_id}
        for key in ("citation", "title", "publisher", "date"):
            row[key] = _text(path, source_id, item, key)
        for key in ("years", "cites", "part_of", "reference", "references_citation"):
            row[key] = _text(path, source_id, item, key, required=False)
        if (row["part_of"] is None) != (row["reference"] is None):
            raise DataFileError(path, source_id, "give both 'part_of' and 'reference', or neither")
        sources.append(row)
    parents = {row["id"]: row for row in sources}
    for row in sources:
        parent = parents.get(row["part_of"]) if row["part_of"] is not None else None
        if row["part_of"] is not None and parent is None:
            raise DataFileError(path, row["id"], f"'part_of' names unknown source {row['part_of']!r}")
        if parent is not None and "{references}" not in (parent["references_citation"] or ""):
            raise DataFileError(path, parent["id"], "its references are cited: give 'references_citation' "
                                                    "with a {references} placeholder")
    return sources


class _Reader:
    """Collects checked content entries, stage maps and messages across the content files."""

    def __init__(self, known_sources: set):
        self.known_sources = known_sources
        self.entries: list = []
        self.stage_maps: list = []
        self.messages: dict = {}

    def entry(self, path, kind, item, seen, *, title=True, years=False, sites=False, **attrs) -> EntryData:
        """Return one checked entry (id, text, sources, and the optional fields asked for)."""
        entry_id = _id(path, item, seen)
        text = _text(path, entry_id, item, "text")
        if len(text) > MAX_TEXT_CHARS:
            raise DataFileError(path, entry_id, f"text is {len(text)} characters; "
                                                f"keep it under {MAX_TEXT_CHARS} for a chat bubble")
        entry = EntryData(
            kind=kind, id=entry_id, text=text,
            sources=_id_list(path, entry_id, item, "sources", self.known_sources),
            title=_text(path, entry_id, item, "title") if title else None,
            years=_text(path, entry_id, item, "years") if years else None,
            attrs=dict(attrs),
        )
        if sites:
            entry.attrs["sites"] = _id_list(path, entry_id, item, "sites", {*SITES, UNKNOWN_SITE, DEFAULT_SITE},
                                            required=sites != "optional")
        self.entries.append(entry)
        return entry

    def read_messages(self, path, content, prefix: str):
        """Store a file's message templates under prefix.<id>, checking the required ones exist."""
        messages = _section(path, content, "messages", dict)
        missing = REQUIRED_MESSAGES[prefix] - set(messages)
        if missing:
            raise DataFileError(path, "messages", f"missing templates: {', '.join(sorted(missing))}")
        for key in messages:
            self.messages[f"{prefix}.{key}"] = _text(path, key, messages, key)

    def read_stage_map(self, path, content, purpose, book: RuleBook, check_target):
        """Store a stage -> target map that must cover every stage of every system."""
        mapping = _section(path, content, "stage_groups", dict)
        for system_id, system in book.systems.items():
            stages = mapping.get(system_id)
            if not isinstance(stages, dict):
                raise DataFileError(path, f"stage_groups.{system_id}", "missing for this staging system")
            for stage in system.stages:
                if stage not in stages:
                    raise DataFileError(path, f"stage_groups.{system_id}", f"stage {stage} is not mapped")
            for stage, target in stages.items():
                if stage not in system.stages:
                    raise DataFileError(path, f"stage_groups.{system_id}", f"{stage} is not a stage of {system_id}")
                check_target(f"stage_groups.{system_id}.{stage}", target)
                self.stage_maps.append((purpose, system_id, stage, target))

    def read_entry_files(self, paths):
        """Read the question-and-answer entries, one file per area (schema: knowledge.entry_files)."""
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
                unknown = [s for s in entry.sources if s not in self.known_sources]
                if unknown:
                    raise DataFileError(path, entry.id, f"unknown source(s): {', '.join(unknown)}")
                self.entries.append(EntryData(
                    kind="entry", id=entry.id, title=entry.question, text=entry.answer, sources=entry.sources,
                    attrs={"area": area.area, "area_title": area.title, "examples": entry.examples,
                           "reviewed": entry.reviewed.isoformat(), "covered": entry.covered, "safety": area.safety, "names": entry.names,
                           "personalises": entry.personalises}))
        if not seen_ids:
            raise DataFileError(ENTRIES_DIR, "(folder)", "no entry files found")

    def read_treatment(self, path, book):
        """Read treatment.yml: texts per group and site, notes per site, and the stage map."""
        content = load_yaml(path)
        seen, groups = set(), {}
        for item in _section(path, content, "entries"):
            group = item.get("group") if isinstance(item, dict) else None
            entry = self.entry(path, "treatment", item, seen, sites=True, group=group)
            if not isinstance(group, str) or not group:
                raise DataFileError(path, entry.id, "'group' must be a treatment group name")
            groups.setdefault(group, []).extend(entry.attrs["sites"])
        for group, sites in groups.items():
            if DEFAULT_SITE not in sites:
                raise DataFileError(path, group, "each group needs one entry with sites: [default]")
        for item in content.get("site_notes") or []:
            self.entry(path, "treatment_note", item, seen, title=False, sites=True)

        def check(where, target):
            """Raise unless the target is a treatment group defined above."""
            if target not in groups:
                raise DataFileError(path, where, f"unknown treatment group {target!r}")
        self.read_stage_map(path, content, "treatment", book, check)
        for group in ("overview", "recurrent"):
            if group not in groups:
                raise DataFileError(path, group, f"a '{group}' entry is required")
        self.read_messages(path, content, "treatment")

    def read_survival(self, path, book):
        """Read survival.yml: SEER groups, figure tables, notes per site and the stage map."""
        content = load_yaml(path)
        group_ids, seen = [], set()
        for item in _section(path, content, "groups"):
            group_id = _id(path, item, seen)
            self.messages[f"survival.group.{group_id}"] = _text(path, group_id, item, "label")
            group_ids.append(group_id)
        has_default = False
        for item in _section(path, content, "tables"):
            table_id = item.get("id") if isinstance(item, dict) else None
            figures = item.get("figures") if isinstance(item, dict) else None
            if not isinstance(figures, dict) or list(figures) != group_ids:
                raise DataFileError(path, table_id, f"'figures' must give {', '.join(group_ids)} in that order")
            for group, percent in figures.items():
                if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
                    raise DataFileError(path, table_id, f"figure for {group} must be a percentage")
            entry = self.entry(path, "survival", item, seen, years=True, sites="optional",
                               figures=figures, attribution=_text(path, table_id, item, "attribution"),
                               measure=_text(path, table_id, item, "measure"))
            has_default = has_default or DEFAULT_SITE in entry.attrs["sites"]
        if not has_default:
            raise DataFileError(path, "tables", "one table needs sites: [default]")
        tables = {e.id for e in self.entries if e.kind == "survival"}
        for item in content.get("site_notes") or []:
            entry = self.entry(path, "survival_note", item, seen, title=False, sites=True)
            try:
                entry.text.format(**{t: "" for t in tables})
            except (KeyError, IndexError, ValueError) as error:
                raise DataFileError(path, entry.id, f"text may only use {{table id}} placeholders: {error}") from None

        def check(where, target):
            """Raise unless the target lists SEER groups defined above."""
            if not isinstance(target, list) or not target or not set(target) <= set(group_ids):
                raise DataFileError(path, where, f"must list SEER groups from {', '.join(group_ids)}")
        self.read_stage_map(path, content, "survival", book, check)
        self.read_messages(path, content, "survival")

    def read_recurrence(self, path):
        """Read recurrence.yml."""
        content = load_yaml(path)
        seen = set()
        entries = [self.entry(path, "recurrence", item, seen, years=True, sites=True)
                   for item in _section(path, content, "entries")]
        if not any(DEFAULT_SITE in e.attrs["sites"] for e in entries):
            raise DataFileError(path, "entries", "one entry needs sites: [default]")
        self.read_messages(path, content, "recurrence")


def _check_sources(folder: Path, book: RuleBook, known_sources: set) -> None:
    """Raise unless every source a staging system cites is a known source."""
    for system in book.systems.values():
        unknown = [s for s in system.sources if s not in known_sources]
        if unknown:
            raise DataFileError(folder / f"{system.id}.yml", system.id, f"'sources' names unknown {unknown[0]!r}")
