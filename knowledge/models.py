"""SQL tables of the knowledge base: sources, content entries, their stage maps and message templates.

The staging rules are not here: the engine reads them from their files, validated and cached.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class BuildInfo(Base):
    """What the database was built from (a fingerprint of schema and data files)."""

    __tablename__ = "knowledge_build_info"
    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)


class Source(Base):
    """A source the content cites; citation is the short line a patient sees."""

    __tablename__ = "knowledge_sources"
    id = Column(String(64), primary_key=True)
    citation = Column(Text, nullable=False)
    title = Column(Text, nullable=False)
    publisher = Column(Text, nullable=False)
    date = Column(String(16), nullable=False)
    years = Column(Text)
    cites = Column(Text)
    # For a numbered reference of another source (the article's reference 7): that source's
    # id and the number, so several references of one article are cited in one line.
    part_of = Column(String(64))
    reference = Column(String(16))
    # The citation of several of this source's references: "..., citing its references {references}".
    references_citation = Column(Text)
    position = Column(Integer, nullable=False)


class Entry(Base):
    """A text in the project's own words: a topic, treatment text, survival table, recurrence text or note."""

    __tablename__ = "knowledge_entries"
    kind = Column(String(32), primary_key=True)
    id = Column(String(64), primary_key=True)
    title = Column(Text)
    text = Column(Text, nullable=False)
    years = Column(Text)
    attrs = Column(JSON, nullable=False, default=dict)
    position = Column(Integer, nullable=False)


class EntrySource(Base):
    """Which sources an entry cites, in order."""

    __tablename__ = "knowledge_entry_sources"
    kind = Column(String(32), primary_key=True)
    entry_id = Column(String(64), primary_key=True)
    source_id = Column(String(64), ForeignKey("knowledge_sources.id"), primary_key=True)
    position = Column(Integer, nullable=False)


class StageMap(Base):
    """Where a stage of a system leads: a treatment group, or the SEER survival groups."""

    __tablename__ = "knowledge_stage_maps"
    purpose = Column(String(32), primary_key=True)
    system_id = Column(String(32), primary_key=True)
    stage = Column(String(8), primary_key=True)
    target = Column(JSON, nullable=False)


class Message(Base):
    """A sentence template the query module fills in (treatment, survival, recurrence)."""

    __tablename__ = "knowledge_messages"
    id = Column(String(64), primary_key=True)
    text = Column(Text, nullable=False)
