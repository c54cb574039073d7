"""SQL tables of the knowledge base: sources, content entries and staging rule tables."""
from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String, Text
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
    """A sentence template the engine or the query module fills in."""

    __tablename__ = "knowledge_messages"
    id = Column(String(64), primary_key=True)
    text = Column(Text, nullable=False)


class Site(Base):
    """A site a sarcoma can start in, with its label and default staging system."""

    __tablename__ = "knowledge_sites"
    id = Column(String(32), primary_key=True)
    label = Column(Text, nullable=False)
    default_system = Column(String(32), nullable=False)
    position = Column(Integer, nullable=False)


class StagingSystem(Base):
    """A staging system: its stages in order and the facts worth asking, in order."""

    __tablename__ = "staging_systems"
    id = Column(String(32), primary_key=True)
    name = Column(Text, nullable=False)
    short_name = Column(Text, nullable=False)
    year = Column(Integer, nullable=False)
    stages = Column(JSON, nullable=False)
    ask_order = Column(JSON, nullable=False)
    compare_with = Column(String(32))
    ignored_facts = Column(JSON, nullable=False, default=dict)
    sources = Column(JSON, nullable=False)
    position = Column(Integer, nullable=False)


class StagingFact(Base):
    """A fact a system uses, what an unknown value may be, and notes on some answers."""

    __tablename__ = "staging_facts"
    system_id = Column(String(32), ForeignKey("staging_systems.id"), primary_key=True)
    name = Column(String(32), primary_key=True)
    label = Column(Text, nullable=False)
    when_unknown = Column(JSON)
    notes = Column(JSON, nullable=False, default=dict)
    position = Column(Integer, nullable=False)


class StagingCategory(Base):
    """A category of a fact (T1, G2, N0, an extent...): the answers it accepts or its size bin."""

    __tablename__ = "staging_categories"
    system_id = Column(String(32), primary_key=True)
    fact = Column(String(32), primary_key=True)
    code = Column(String(32), primary_key=True)
    label = Column(Text, nullable=False)
    accepts = Column(JSON, nullable=False, default=list)
    up_to_cm = Column(Float)
    is_bin = Column(Integer, nullable=False, default=0)
    position = Column(Integer, nullable=False)


class StagingSite(Base):
    """Which rule table a site uses in a system, or why the system has no stage group there."""

    __tablename__ = "staging_sites"
    system_id = Column(String(32), primary_key=True)
    site = Column(String(32), primary_key=True)
    table_name = Column(String(64))
    no_stage_group = Column(Text)


class StagingRule(Base):
    """One row of a rule table: the stage it gives (none for contradicting facts) and why."""

    __tablename__ = "staging_rules"
    system_id = Column(String(32), primary_key=True)
    table_name = Column(String(64), primary_key=True)
    id = Column(String(64), primary_key=True)
    stage = Column(String(8))
    explanation = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)


class StagingCondition(Base):
    """One category a rule covers for one fact; a fact with no rows is unrestricted."""

    __tablename__ = "staging_conditions"
    system_id = Column(String(32), primary_key=True)
    table_name = Column(String(64), primary_key=True)
    rule_id = Column(String(64), primary_key=True)
    fact = Column(String(32), primary_key=True)
    category = Column(String(32), primary_key=True)
