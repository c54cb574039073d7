"""The only module the rest of the project calls: staging, treatment, survival, recurrence and topics.

The staging rules come from their files (knowledge/data/staging), checked and read once per
process (see rulebook). The texts the answers are made from come from the knowledge database
(building it first if it is missing or older than the data files) at database_url():
$KNOWLEDGE_DB_URL or var/knowledge.db. Both are read-only while the bot runs, so they are read
once per process (see _snapshot); reset_cache() forgets them, e.g. after a rebuild.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import staging
from knowledge import datafiles
from knowledge.content_files import DEFAULT_SITE
from knowledge.db import database_url, engine_for
from knowledge.facts import (
    FACT_NAMES, InvalidCase, check_case, check_extent, check_grade, check_site, check_size,
    check_stage, check_system, check_yes_no,
)
from knowledge.loader import ensure_built
from knowledge.models import Entry, EntrySource, Message, Source, StageMap
from knowledge.staging import UNKNOWN_SITE, StageResult  # noqa: F401  (StageResult is part of this API)

_ready: set = set()
_rulebooks: dict = {}
_entry_lists: dict = {}
_indexes: dict = {}
_gates: dict = {}
_snapshots: dict = {}
_entry_by_id: dict = {}


@dataclass(frozen=True)
class Answer:
    """A text for the patient and the short citations it rests on."""

    text: str
    sources: list = field(default_factory=list)

    @property
    def source_line(self) -> str:
        """Return the line naming the answer's sources ("Source: A; B", worded in staging/vocabulary.yml)."""
        return rulebook().messages["source_line"].format(sources="; ".join(self.sources))


def default_system(site: str | None = None) -> str:
    """Return the staging system used for a site when none is asked for ("figo2009" for uterus, else "ajcc7")."""
    return rulebook().default_system(check_site(site))


def stage_case(system=None, site=None, size_cm=None, grade=None, nodes=None, metastasis=None,
               extent=None) -> StageResult:
    """Return the StageResult for a case; raises facts.InvalidCase for values that make no sense."""
    case = check_case(system, site, size_cm, grade, nodes, metastasis, extent)
    return staging.stage_case(rulebook(), case)


def facts_needed(system=None, site=None, **facts) -> list:
    """Return the facts still worth asking (size_cm, grade, nodes, metastasis, extent), in asking order."""
    unknown = set(facts) - set(FACT_NAMES)
    if unknown:
        raise TypeError(f"facts_needed() got unknown facts: {', '.join(sorted(unknown))}")
    return staging.facts_needed(rulebook(), check_case(system, site, **facts))


InvalidFact = InvalidCase
"""Raised by normalize_fact for a value that makes no sense; its message says why."""

_CHECKS = {
    "site": check_site,
    "size_cm": check_size,
    "grade": check_grade,
    "nodes": lambda value: check_yes_no(value, "nodes"),
    "metastasis": lambda value: check_yes_no(value, "metastasis"),
    "extent": check_extent,
}

# What an answer depends on: a treatment question is settled once every stage still
# possible leads to the same treatment group.
_ANSWER_PURPOSE = {"treatment": "treatment"}
# Answered from the site alone: recurrence figures are by site, and survival figures are
# given for every SEER group of the site's table (a stage, when known, marks its group).
_SITE_ONLY_QUESTIONS = ("recurrence", "survival")


def normalize_fact(name: str, value):
    """Return the canonical value of one fact (None when unknown); raises InvalidFact when it makes no sense."""
    if name == "grade" and isinstance(value, float) and value.is_integer():
        value = int(value)  # a bare "3" in answer to the grade question arrives as 3.0
    return _CHECKS[name](value)


def stages_matching(system, stated) -> list:
    """Return the stages of a system that a stage the patient was given stands for ("III" -> IIIA, IIIB, IIIC in FIGO)."""
    stages = rulebook().system(check_system(system)).stages
    if not stated or stated in stages:
        return [stated] if stated else []
    return [s for s in stages if s.startswith(stated) and s[len(stated):] in ("A", "B", "C")]


def system_label(system) -> str:
    """Return a system's short name with its year, e.g. "AJCC 7th edition, 2010"."""
    known = rulebook().system(check_system(system))
    return f"{known.short_name}, {known.year}"


def stated_stage_case(system, stated: str) -> StageResult:
    """Return a StageResult for a stage the patient was given: every matching stage of the system is possible."""
    matching = stages_matching(system, stated)
    return StageResult(matching[0] if len(matching) == 1 else None, matching, check_system(system),
                       explanation="", rule="stated")


def facts_needed_for(question: str, system=None, site=None, stated_stage=None, **facts) -> list:
    """Return the facts still worth asking to answer a question (stage, treatment, survival, recurrence).

    A stage the patient was already given (stated_stage) answers a treatment question without
    the tumor facts, as long as it is a stage of the system (else the facts are asked).
    """
    if question in _SITE_ONLY_QUESTIONS:
        return []
    if question == "treatment" and stated_stage and stages_matching(system or default_system(site), stated_stage):
        return []
    needed = facts_needed(system, site, **facts)
    purpose = _ANSWER_PURPOSE.get(question)
    if purpose is None or not needed:
        return needed
    return needed if len(_targets(stage_case(system, site, **facts), purpose)) > 1 else []


def treatment_stage(result: StageResult):
    """Return the stage to look up treatment for: the stage, or one of the possible stages when all are treated alike."""
    if result.stage or not result.possible_stages:
        return result.stage
    return result.possible_stages[0] if len(_targets(result, "treatment")) == 1 else None


def _targets(result: StageResult, purpose: str) -> set:
    """Return where each possible stage of a result leads for a purpose (as comparable JSON)."""
    memory = _snapshot()
    return {json.dumps(_stage_target(memory, purpose, result.system, stage), sort_keys=True)
            for stage in result.possible_stages}


def treatment_for(stage=None, system=None, site=None) -> Answer:
    """Return the treatment options for a stage of any system ("recurrent" too; None gives the overview)."""
    stage, system, site = check_stage(stage), check_system(system), check_site(site)
    memory = _snapshot()
    messages = memory.messages
    lead = None
    if stage is None:
        group = "overview"
    elif stage == "recurrent":
        group = "recurrent"
    else:
        system = system or rulebook().default_system(site)
        group = _stage_target(memory, "treatment", system, stage)
        if group is None:
            known = rulebook().system(system)
            lead = messages["treatment.unknown_stage"].format(
                stage=stage, system=known.short_name, year=known.year)
            group = "overview"
    site = _implied_site(system, site)
    entries = [e for e in _entries(memory, "treatment") if e.attrs["group"] == group]
    chosen = [_for_site(entries, site)] + _notes_for(memory, "treatment_note", site)
    text = "\n".join(part for part in [lead] + [e.text for e in chosen] if part)
    return Answer(text, _citations(memory, chosen))


def survival_for(site=None, stage=None, system=None) -> Answer:
    """Return 5-year relative survival figures for a site, marking the SEER group of a known stage."""
    site, stage, system = check_site(site), check_stage(stage), check_system(system)
    site = _implied_site(system, site)
    memory = _snapshot()
    messages = memory.messages
    tables = _entries(memory, "survival")
    table = _for_site(tables, site)
    groups = None
    if stage and stage != "recurrent":
        groups = _stage_target(memory, "survival", system or rulebook().default_system(site), stage)
    lines = [messages["survival.intro"].format(
        measure=table.attrs["measure"], title=table.title, attribution=table.attrs["attribution"])]
    for group, percent in table.attrs["figures"].items():
        key = "survival.figure_match" if groups and group in groups else "survival.figure"
        lines.append(messages[key].format(
            label=messages[f"survival.group.{group}"], percent=f"{percent:g}", stage=stage))
    if not groups:
        sentences = [messages["survival.no_stage"]]
    else:
        key = "survival.stage_one_group" if len(groups) == 1 else "survival.stage_two_groups"
        sentences = [messages[key].format(stage=stage, groups=" or ".join(groups))]
    sentences.append(table.text)
    notes = _notes_for(memory, "survival_note", site)
    figures = {t.id: messages["survival.gist_figures"].format(attribution=t.attrs["attribution"], **{
        g: f"{p:g}" for g, p in t.attrs["figures"].items()}) for t in tables}
    sentences += [note.text.format(**figures) for note in notes]
    sentences.append(messages["survival.caveat"].format(years=table.years))
    used = [table] + notes + [t for t in tables if any(f"{{{t.id}}}" in n.text for n in notes)]
    return Answer("\n".join(lines) + "\n" + " ".join(sentences), _citations(memory, used))


def staging_sources(system: str) -> list:
    """Return the citations behind a staging system's rules, e.g. the AJCC manual and the article."""
    ids = rulebook().system(check_system(system)).sources
    citations = _snapshot().citations
    return [citations[source_id][0] for source_id in ids if source_id in citations]


def recurrence_for(site=None) -> Answer:
    """Return how often LMS comes back for a site (uterus: up to 70%, elsewhere about 40%), as population statistics."""
    site = check_site(site)
    memory = _snapshot()
    entry = _for_site(_entries(memory, "recurrence"), site)
    caveat = memory.messages["recurrence.caveat"].format(years=entry.years)
    return Answer(f"{entry.text} {caveat}", _citations(memory, [entry]))


@dataclass(frozen=True)
class KnowledgeEntry:
    """A question-and-answer entry, as the bot, the exports and the answer desk show it."""

    id: str
    area: str
    area_title: str
    question: str
    answer: str
    sources: list
    reviewed: str
    covered: bool
    personalises: str | None
    examples: list
    names: list = field(default_factory=list)
    names_outrank_covered: bool = False
    safety: bool = False

    @property
    def source_line(self) -> str:
        """Return "Source: A; B" for the entry's sources."""
        return Answer(self.answer, self.sources).source_line

    def to_dict(self) -> dict:
        """Return the entry as plain data for JSON exports (examples left out)."""
        return {"id": self.id, "area": self.area, "area_title": self.area_title, "question": self.question,
                "answer": self.answer, "sources": list(self.sources), "reviewed": self.reviewed,
                "covered": self.covered}


def entries() -> list:
    """Return every question-and-answer entry, in file order (loaded once per process)."""
    url = database_url()
    if url not in _entry_lists:
        memory = _snapshot()
        _entry_lists[url] = [
            KnowledgeEntry(id=e.id, area=e.attrs["area"], area_title=e.attrs["area_title"], question=e.title,
                           answer=e.text, sources=_citations(memory, [e]), reviewed=e.attrs["reviewed"],
                           covered=e.attrs["covered"], personalises=e.attrs.get("personalises"),
                           examples=list(e.attrs["examples"]), names=list(e.attrs.get("names") or []),
                           names_outrank_covered=bool(e.attrs.get("names_outrank_covered")),
                           safety=bool(e.attrs.get("safety")))
            for e in _entries(memory, "entry")]
        _entry_by_id[url] = {item.id: item for item in _entry_lists[url]}
    return _entry_lists[url]


def entry(entry_id: str) -> KnowledgeEntry:
    """Return one entry by id; raises KeyError for an unknown id."""
    entries()
    found = _entry_by_id[database_url()].get(entry_id)
    if found is None:
        raise KeyError(f"unknown entry {entry_id!r}")
    return found


def areas() -> list:
    """Return (area id, area title, entries) for every area, in file order."""
    grouped: dict = {}
    for item in entries():
        grouped.setdefault((item.area, item.area_title), []).append(item)
    return [(area, title, items) for (area, title), items in grouped.items()]


def condition_gate():
    """Return the check for questions about conditions the knowledge base does not cover (built once per process)."""
    url = database_url()
    if url not in _gates:
        from knowledge.retrieval import ConditionGate, settings
        _gates[url] = ConditionGate([(e.id, e.names) for e in entries() if e.names], settings()["covered_terms"],
                                    outranking={e.id for e in entries() if e.names_outrank_covered})
    return _gates[url]


def question_index():
    """Return the similarity index over every entry's question and examples (once per process, cached on disk)."""
    url = database_url()
    if url not in _indexes:
        from knowledge.retrieval import load_or_build
        _indexes[url] = load_or_build([(e.id, text) for e in entries() for text in [e.question, *e.examples, e.answer]])
    return _indexes[url]


def sources() -> list:
    """Return every source as a dict (id, citation, title, publisher, date, years, cites)."""
    with _session() as session:
        rows = session.scalars(select(Source).order_by(Source.position))
        return [{key: getattr(row, key) for key in ("id", "citation", "title", "publisher", "date", "years", "cites")}
                for row in rows]


def knowledge_date() -> str:
    """Return the date of the newest source (ISO date), i.e. how current the knowledge is."""
    return max(source["date"] for source in sources())


def rulebook() -> staging.RuleBook:
    """Return the staging rules, read from their files once per process and data folder (checked there)."""
    folder = str(datafiles.DATA_DIR)
    if folder not in _rulebooks:
        _rulebooks[folder] = datafiles.rulebook(datafiles.DATA_DIR)
    return _rulebooks[folder]


def reset_cache() -> None:
    """Forget loaded rule tables and build checks, e.g. after rebuilding the database."""
    _ready.clear()
    _rulebooks.clear()
    _entry_lists.clear()
    _indexes.clear()
    _gates.clear()
    _snapshots.clear()
    _entry_by_id.clear()


def _session() -> Session:
    """Return a session on the current database, building it first when needed."""
    url = database_url()
    if url not in _ready:
        ensure_built(url)
        _ready.add(url)
    return Session(engine_for(url), future=True)


def _implied_site(system: str | None, site: str | None) -> str | None:
    """Return the site, or when unknown the one site the system stages (FIGO: the uterus)."""
    if site is not None or system is None:
        return site
    staged = [name for name, use in rulebook().system(system).sites.items()
              if use.table and name != UNKNOWN_SITE]
    return staged[0] if len(staged) == 1 else None


@dataclass(frozen=True)
class _Snapshot:
    """The rows the answers are made from, read from the database once (it is read-only while the bot runs)."""

    messages: dict        # message id -> template
    entries: dict         # kind -> entries of that kind, in file order
    stage_targets: dict   # (purpose, system, stage) -> treatment group or survival groups
    entry_sources: dict   # (kind, entry id) -> [(source id, part of, reference)], in the entry's order
    citations: dict       # source id -> (citation, citation of several of its references)


def _snapshot() -> _Snapshot:
    """Return the rows of the current database, read on first use (one query per table)."""
    url = database_url()
    if url not in _snapshots:
        with _session() as session:
            entries = defaultdict(list)
            for entry in session.scalars(select(Entry).order_by(Entry.position)):
                entries[entry.kind].append(entry)
            entry_sources = defaultdict(list)
            for kind, entry_id, source_id, part_of, reference in session.execute(
                    select(EntrySource.kind, EntrySource.entry_id, Source.id, Source.part_of, Source.reference)
                    .join(Source, EntrySource.source_id == Source.id).order_by(EntrySource.position)):
                entry_sources[kind, entry_id].append((source_id, part_of, reference))
            _snapshots[url] = _Snapshot(
                messages={m.id: m.text for m in session.scalars(select(Message))},
                entries=dict(entries),
                stage_targets={(m.purpose, m.system_id, m.stage): m.target for m in session.scalars(select(StageMap))},
                entry_sources=dict(entry_sources),
                citations={source_id: (text, several) for source_id, text, several in session.execute(
                    select(Source.id, Source.citation, Source.references_citation))})
    return _snapshots[url]


def _entries(memory: _Snapshot, kind: str) -> list:
    """Return the entries of one kind, in file order."""
    return list(memory.entries.get(kind, ()))


def _for_site(entries, site):
    """Return the entry written for the site ("unknown" when None), else the default one."""
    for entry in entries:
        if (site or UNKNOWN_SITE) in entry.attrs.get("sites", ()):
            return entry
    return next(e for e in entries if DEFAULT_SITE in e.attrs.get("sites", ()))


def _notes_for(memory: _Snapshot, kind: str, site) -> list:
    """Return the notes of a kind that apply to the site."""
    return [e for e in _entries(memory, kind) if site in e.attrs.get("sites", ())]


def _stage_target(memory: _Snapshot, purpose: str, system: str, stage: str):
    """Return where a stage leads for a purpose (treatment group or survival groups), or None."""
    return memory.stage_targets.get((purpose, system, stage))


def _citations(memory: _Snapshot, entries) -> list:
    """Return the distinct citations of the entries' sources, in order.

    Numbered references of one source become one citation in the place of the first:
    "<source>, citing its references 7, 5 and 2".
    """
    found, references = {}, defaultdict(list)
    for entry in entries:
        for source_id, part_of, reference in memory.entry_sources.get((entry.kind, entry.id), ()):
            found.setdefault(part_of or source_id, None)
            if part_of and (source_id, reference) not in references[part_of]:
                references[part_of].append((source_id, reference))
    return [_citation_of(source_id, references.get(source_id, []), memory.citations) for source_id in found]


def _citation_of(source_id: str, references: list, citation: dict) -> str:
    """Return a source's citation, or of its one cited reference, or of several references in one line."""
    if not references:
        return citation[source_id][0]
    if len(references) == 1:
        return citation[references[0][0]][0]
    numbers = [number for _, number in references]
    return citation[source_id][1].format(references=staging.and_list(numbers))
