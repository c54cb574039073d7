"""Builds the knowledge database from the data files; running it twice gives the same rows.

The staging rules are not stored: the engine reads them from their files (datafiles.rulebook).
The database holds what the answers look up: sources, entries, stage maps and messages.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import MetaData, delete, inspect, select
from sqlalchemy.orm import Session

from knowledge.datafiles import DATA_DIR, DataSet, fingerprint, read_data
from knowledge.db import database_url, engine_for
from knowledge.models import Base, BuildInfo, Entry, EntrySource, Message, Source, StageMap

# Tables of this package carry one of these prefixes; a database of an older shape loses them all.
TABLE_PREFIXES = ("knowledge_", "staging_")


def schema_fingerprint() -> str:
    """Return a hash of the table definitions, so a database of another shape is dropped and rebuilt."""
    shape = [(table.name, [(c.name, str(c.type), c.primary_key, c.nullable) for c in table.columns])
             for table in Base.metadata.sorted_tables]
    return hashlib.sha256(repr(shape).encode()).hexdigest()


def build(url: str | None = None, data_dir: Path = DATA_DIR) -> dict:
    """Return the number of rows loaded per table, after checking every data file and (re)building."""
    data = read_data(data_dir)
    engine = engine_for(url)
    if _stored(engine, "schema") not in (None, schema_fingerprint()):
        _drop_package_tables(engine)
    Base.metadata.create_all(engine)
    rows = _rows(data)
    with Session(engine, future=True) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        for table in Base.metadata.sorted_tables:  # parents before children, for foreign keys
            session.add_all(row for row in rows if row.__table__ is table)
            session.flush()
        session.add_all([
            BuildInfo(key="schema", value=schema_fingerprint()),
            BuildInfo(key="fingerprint", value=fingerprint(data_dir)),
        ])
    counts: dict = {}
    for row in rows:
        counts[row.__tablename__] = counts.get(row.__tablename__, 0) + 1
    return counts


def ensure_built(url: str | None = None, data_dir: Path = DATA_DIR) -> bool:
    """Return True after building the database because it was missing or older than the data files."""
    engine = engine_for(url)
    if (_stored(engine, "schema") == schema_fingerprint()
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


def _drop_package_tables(engine) -> None:
    """Drop every table of this package the database holds, today's and those of older shapes."""
    found = MetaData()
    found.reflect(engine, only=lambda name, _: name.startswith(TABLE_PREFIXES))
    found.drop_all(engine)


def _rows(data: DataSet) -> list:
    """Return every row to insert, in dependency order."""
    rows = [Source(position=i, **source) for i, source in enumerate(data.sources)]
    rows += [Message(id=key, text=text) for key, text in data.messages.items()]
    for i, entry in enumerate(data.entries):
        rows.append(Entry(kind=entry.kind, id=entry.id, title=entry.title, text=entry.text,
                          years=entry.years, attrs=entry.attrs, position=i))
        rows += [EntrySource(kind=entry.kind, entry_id=entry.id, source_id=source_id, position=j)
                 for j, source_id in enumerate(entry.sources)]
    rows += [StageMap(purpose=purpose, system_id=system_id, stage=stage, target=target)
             for purpose, system_id, stage, target in data.stage_maps]
    return rows
