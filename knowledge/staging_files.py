"""The staging rule files (data/staging/*.yml), read into the engine's RuleBook and checked.

The pydantic models in knowledge/staging.py describe each file; the checks below are what a
model cannot see alone: names that must agree across one file (stages, facts, categories,
tables, sites) or across the files (systems, sites of the vocabulary, full coverage of every
rule table). The RuleBook is cached by the files' content, so an edited file is read again.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from knowledge.facts import EXTENTS, FACT_NAMES, GRADES, SITES
from knowledge.staging import UNKNOWN_SITE, RuleBook, System, Vocabulary, uncovered
from knowledge.yaml_files import DataFileError, parse

VOCABULARY_FILE = "vocabulary.yml"
ANSWERS = {"grade": set(GRADES), "extent": set(EXTENTS), "nodes": {"yes", "no"}, "metastasis": {"yes", "no"}}
REQUIRED_MESSAGES = {"source_line", "stage_single", "stage_single_either", "stage_several", "stage_narrow",
                     "stage_conflict", "edition_same", "edition_single", "edition_several", "near_cutoff", "on_cutoff"}


def read_rulebook(folder: Path) -> RuleBook:
    """Return the checked staging rules of a folder, read again only when one of its files changed."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return _read_rulebook(Path(folder), digest.hexdigest())


@functools.lru_cache(maxsize=8)
def _read_rulebook(folder: Path, content_hash: str) -> RuleBook:
    """Return the RuleBook of a folder; the content hash makes an edited file a new cache key."""
    systems = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name != VOCABULARY_FILE:
            system = parse(path, System)
            for entry, problem in _problems(system):
                raise DataFileError(path, entry, problem)
            if system.id in systems:
                raise DataFileError(path, system.id, "another file defines the same system id")
            systems[system.id] = system
    for system in systems.values():
        if system.compare_with and system.compare_with not in systems:
            raise DataFileError(folder / f"{system.id}.yml", "compare_with", f"unknown system {system.compare_with!r}")
    path = folder / VOCABULARY_FILE
    vocabulary = parse(path, Vocabulary)
    for site in vocabulary.sites:
        if site.id not in (*SITES, UNKNOWN_SITE):
            raise DataFileError(path, site.id, "not a site of the facts vocabulary")
        if site.default_system not in systems:
            raise DataFileError(path, site.id, f"default_system {site.default_system!r} is not a staging system")
    missing = {*SITES, UNKNOWN_SITE} - {site.id for site in vocabulary.sites}
    if missing:
        raise DataFileError(path, "sites", f"missing sites: {', '.join(sorted(missing))}")
    absent = REQUIRED_MESSAGES - set(vocabulary.messages)
    if absent:
        raise DataFileError(path, "messages", f"missing templates: {', '.join(sorted(absent))}")
    return RuleBook(systems, {site.id: site.default_system for site in vocabulary.sites}, dict(vocabulary.messages))


def _problems(system: System):
    """Yield (entry, problem) for every name of a system file that does not agree with the rest of it."""
    if len(set(system.stages)) != len(system.stages):
        yield "stages", "stages must be distinct names"
    for name, fact in system.facts.items():
        yield from _fact_problems(name, fact)
    unknown = [name for name in system.ask_order if name not in system.facts]
    if unknown:
        yield "ask_order", f"'ask_order' names unknown {unknown[0]!r}"
    for name in system.ignored_facts:
        if name not in FACT_NAMES or name in system.facts:
            yield f"ignored_facts.{name}", "must be a vocabulary fact this system does not use"
    for table, rules in system.tables.items():
        yield from _rule_problems(system, table, rules)
    for site in (*SITES, UNKNOWN_SITE):
        use = system.sites.get(site)
        if use is None:
            yield f"sites.{site}", "every site needs a table or a no_stage_group explanation"
        elif use.table is not None and use.table not in system.tables:
            yield f"sites.{site}", f"unknown table {use.table!r}"
    unknown_sites = set(system.sites) - {*SITES, UNKNOWN_SITE}
    if unknown_sites:
        yield "sites", f"unknown sites: {', '.join(sorted(unknown_sites))}"
    for table in system.tables:
        for combination, rules in uncovered(system, table):
            described = ", ".join(f"{k}={v}" for k, v in combination.items())
            if rules:
                names = ", ".join(rule.id for rule in rules)
                yield rules[0].id, f"rules {names} of table '{table}' all cover {described}"
            else:
                yield f"tables.{table}", f"no rule covers {described}"
    given = {rule.stage for rules in system.tables.values() for rule in rules if rule.stage}
    for stage in system.stages:
        if stage not in given:
            yield "stages", f"no rule gives stage {stage}"


def _fact_problems(name: str, fact):
    """Yield the problems of one fact: its name, size bins, or categories and the answers they accept."""
    where = f"facts.{name}"
    if name not in FACT_NAMES:
        yield where, f"not a fact of the vocabulary ({', '.join(FACT_NAMES)})"
        return
    if fact.is_size != (name == "size_cm"):
        yield where, "size needs 'bins', every other fact 'categories'"
        return
    codes = fact.codes
    if len(set(codes)) != len(codes):
        yield where, "category codes must be distinct"
    if fact.is_size:
        limits = [category.up_to_cm for category in fact.categories]
        for i, category in enumerate(fact.categories):
            last = i == len(limits) - 1
            rising = category.up_to_cm is not None and (i == 0 or category.up_to_cm > (limits[i - 1] or 0))
            if last != (category.up_to_cm is None) or (not last and not rising):
                yield f"{where}.{category.code}", "bins need rising up_to_cm limits, and none on the last bin"
        return
    for category in fact.categories:
        bad = [answer for answer in category.accepts if answer not in ANSWERS[name]]
        if bad:
            yield f"{where}.{category.code}", f"accepts unknown answers {bad}"
    unmapped = ANSWERS[name] - {answer for category in fact.categories for answer in category.accepts}
    if unmapped:
        yield where, f"no category accepts {sorted(unmapped)}"
    for code in fact.when_unknown or ():
        if code not in codes:
            yield where, f"'when_unknown' names unknown {code!r}"
    for answer in fact.notes:
        if answer not in ANSWERS[name]:
            yield f"{where}.notes", f"note for unknown answer {answer!r}"


def _rule_problems(system: System, table: str, rules):
    """Yield the problems of one rule table: repeated ids, unknown stages, facts or categories."""
    seen = set()
    for rule in rules:
        if rule.id in seen:
            yield rule.id, "id is used twice"
        seen.add(rule.id)
        if rule.stage is not None and rule.stage not in system.stages:
            yield rule.id, f"stage {rule.stage!r} is not one of {', '.join(system.stages)}"
        for fact, codes in rule.when.items():
            if fact not in system.facts:
                yield rule.id, f"'when' uses {fact!r}, which this system does not use"
            elif not codes <= set(system.facts[fact].codes):
                yield rule.id, f"'{fact}' names unknown {sorted(codes - set(system.facts[fact].codes))[0]!r}"
