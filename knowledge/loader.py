"""Builds the knowledge database from the data files; running it twice gives the same rows."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from knowledge.datafiles import DATA_DIR, DataSet, fingerprint, read_data
from knowledge.db import database_url, engine_for
from knowledge.models import (
    Base, BuildInfo, Entry, EntrySource, Message, Site, Source, StageMap, StagingCategory,
    StagingCondition, StagingFact, StagingRule, StagingSite, StagingSystem,
)

# Raise when the models change, so an older database is dropped and rebuilt.
SCHEMA_VERSION = "3"


def build(url: str | None = None, data_dir: Path = DATA_DIR) -> dict:
    """Return the number of rows loaded per table, after checking every data file and (re)building."""
    data = read_data(data_dir)
    engine = engine_for(url)
    if _stored(engine, "schema") not in (None, SCHEMA_VERSION):
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    rows = _rows(data)
    with Session(engine, future=True) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        for table in Base.metadata.sorted_tables:  # parents before children, for foreign keys
            session.add_all(row for row in rows if row.__table__ is table)
            session.flush()
        session.add_all([
            BuildInfo(key="schema", value=SCHEMA_VERSION),
            BuildInfo(key="fingerprint", value=fingerprint(data_dir)),
        ])
    counts: dict = {}
    for row in rows:
        counts[row.__tablename__] = counts.get(row.__tablename__, 0) + 1
    return counts


def ensure_built(url: str | None = None, data_dir: Path = DATA_DIR) -> bool:
    """Return True after building the database because it was missing or older than the data files."""
    engine = engine_for(url)
    if (_stored(engine, "schema") == SCHEMA_VERSION
            and _stored(engine, "fingerprint") == fingerprint(data_dir)):
        return False
    build(database_url(url), data_dir)
    return True


def _stored(engine, key: str) -> str | None:
    """Return a value from the build-info table, or None when there is none yet."""
    if not inspect(engine).has_table(BuildInfo.__tablename__):
        return None
    with Session(engine, future=True) as session:
        return session.scalar(select(BuildInfo.value).where(BuildInfo.key == key))


def _rows(data: DataSet) -> list:
    """Return every row to insert, in dependency order."""
    rows = [Source(position=i, **source) for i, source in enumerate(data.sources)]
    rows += [Site(position=i, **site) for i, site in enumerate(data.sites)]
    rows += [Message(id=key, text=text) for key, text in data.messages.items()]
    for i, entry in enumerate(data.entries):
        rows.append(Entry(kind=entry.kind, id=entry.id, title=entry.title, text=entry.text,
                          years=entry.years, attrs=entry.attrs, position=i))
        rows += [EntrySource(kind=entry.kind, entry_id=entry.id, source_id=source_id, position=j)
                 for j, source_id in enumerate(entry.sources)]
    rows += [StageMap(purpose=purpose, system_id=system_id, stage=stage, target=target)
             for purpose, system_id, stage, target in data.stage_maps]
    for i, system in enumerate(data.rulebook.systems.values()):
        rows.append(StagingSystem(
            id=system.id, name=system.name, short_name=system.short_name, year=system.year, stages=list(system.stages),
            ask_order=list(system.ask_order), compare_with=system.compare_with,
            ignored_facts=system.ignored_facts, sources=list(system.sources), position=i))
        for j, fact in enumerate(system.facts.values()):
            rows.append(StagingFact(
                system_id=system.id, name=fact.name, label=fact.label, notes=fact.notes, position=j,
                when_unknown=list(fact.when_unknown) if fact.when_unknown else None))
            rows += [StagingCategory(system_id=system.id, fact=fact.name, code=c.code, label=c.label,
                                     accepts=list(c.accepts), up_to_cm=c.up_to_cm, is_bin=int(fact.is_size),
                                     position=k)
                     for k, c in enumerate(fact.categories)]
        rows += [StagingSite(system_id=system.id, site=site, table_name=use.table, no_stage_group=use.no_stage_group)
                 for site, use in system.sites.items()]
        for table_name, rules in system.tables.items():
            for k, rule in enumerate(rules):
                rows.append(StagingRule(system_id=system.id, table_name=table_name, id=rule.id,
                                        stage=rule.stage, explanation=rule.explanation, position=k))
                rows += [StagingCondition(system_id=system.id, table_name=table_name, rule_id=rule.id,
                                          fact=fact, category=code)
                         for fact, codes in rule.when.items() for code in sorted(codes)]
    return rows
