"""The one staging engine: it interprets the rule tables of every system (data/staging/*.yml).

The classes below are the rule files' own form: pydantic models of the YAML, read and checked
by knowledge/staging_files.py and used by the engine as they are, with no other copy.

A system sorts each fact into categories (size bins, grades, node and spread status, FIGO
extent). An unknown fact may be any of its categories, so the engine tries every
combination, collects the stages the rules give, and reports one stage only when they all
agree. Nothing here knows a particular stage; the rules are data.

A system may narrow what an unknown fact can be (when_unknown). When it counts an unknown
value as a category a known answer also means (AJCC 8th edition: unknown lymph nodes are N0),
the explanation says so and names the stage the other categories would give. Messages are
data too: a message named "<key>.<system id>" replaces "<key>" for that system, and
"scope.<system id>" is added to every stage that system gives.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Dict, FrozenSet, Optional, Tuple

from pydantic import BaseModel, Extra, PositiveFloat, conint, constr, root_validator, validator

from knowledge.facts import Case, InvalidCase

# A size this close to a cut-off (2 inches is 5.08 cm; "about 5 cm" may be 4.9 or 5.1 on
# the report) gets a note with the stage on the other side, rather than silent precision.
NEAR_CUTOFF_CM = 0.25

UNKNOWN_SITE = "unknown"


Id = constr(regex=r"^[a-z][a-z0-9_]*$", max_length=64)
Text = constr(strip_whitespace=True, min_length=1)
Code = constr(strip_whitespace=True, min_length=1, max_length=32)


class _RuleData(BaseModel):
    """Read straight from a rule file: unknown fields are refused, and nothing changes once read."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Category(_RuleData):
    """A category of a fact: the answers that mean it, or the size bin it stands for."""

    code: Code
    label: Text
    accepts: Tuple[str, ...] = ()
    up_to_cm: Optional[PositiveFloat] = None


class FactSpec(_RuleData):
    """How a system reads one fact: size bins or categories, and what an unknown value may be."""

    name: str  # the fact's key in the file
    label: Text
    bins: Tuple[Category, ...] = ()
    categories: Tuple[Category, ...] = ()
    when_unknown: Optional[Tuple[str, ...]] = None
    notes: Dict[str, Text] = {}

    @root_validator(skip_on_failure=True)
    def _bins_or_categories(cls, values):
        """A size fact has bins, every other fact categories; the engine reads both as categories."""
        if bool(values["bins"]) == bool(values["categories"]):
            raise ValueError("give either 'bins' (size) or 'categories'")
        if values["bins"]:
            values["categories"] = values["bins"]
        return values

    @property
    def is_size(self) -> bool:
        """Return True for a number sorted into size bins."""
        return bool(self.bins)

    @property
    def codes(self) -> tuple[str, ...]:
        """Return every category code, in order."""
        return tuple(c.code for c in self.categories)

    def domain(self, value) -> tuple[str, ...]:
        """Return the categories a value (None when unknown) may fall in."""
        if value is None:
            return self.when_unknown or self.codes
        if self.is_size:
            for category in self.categories:
                if category.up_to_cm is None or value <= category.up_to_cm:
                    return (category.code,)
        codes = tuple(c.code for c in self.categories if value in c.accepts)
        if not codes:
            raise InvalidCase(f"{self.name} {value!r} has no meaning in this staging system")
        return codes


class Rule(_RuleData):
    """A row of a rule table: the categories it covers per fact, and the stage it gives (none: contradicting facts)."""

    id: Id
    stage: Optional[str] = None
    when: Dict[str, FrozenSet[str]]
    explanation: Text

    @validator("when")
    def _covers_something(cls, value):
        """A rule without conditions would cover every case."""
        if not value or not all(value.values()):
            raise ValueError("must map facts to the categories the rule covers")
        return value

    def matches(self, combination: dict) -> bool:
        """Return True when every fact of the combination is a category this rule covers."""
        return all(combination[fact] in codes for fact, codes in self.when.items())


class SiteUse(_RuleData):
    """The rule table a site uses in a system, or why the system gives it no stage group."""

    table: Optional[str] = None
    no_stage_group: Optional[Text] = None

    @root_validator(skip_on_failure=True)
    def _table_or_reason(cls, values):
        """Either a table or an explanation, never both."""
        if (values["table"] is None) == (values["no_stage_group"] is None):
            raise ValueError("give exactly one of 'table' and 'no_stage_group'")
        return values


class System(_RuleData):
    """A staging system as its file describes it: facts, rule tables, sites, stage order and asking order."""

    id: Id
    name: Text
    short_name: Text
    year: conint(gt=1900, lt=2100, strict=True)
    sources: Tuple[Id, ...]
    stages: Tuple[Code, ...]
    ask_order: Tuple[str, ...]
    compare_with: Optional[Id] = None
    ignored_facts: Dict[str, Text] = {}
    facts: Dict[str, FactSpec]
    sites: Dict[str, SiteUse]
    tables: Dict[str, Tuple[Rule, ...]]

    @root_validator(pre=True)
    def _facts_know_their_names(cls, values):
        """Give each fact its key as its name."""
        facts = values.get("facts")
        if isinstance(facts, dict):
            values = {**values, "facts": {
                name: {**spec, "name": name} if isinstance(spec, dict) else spec for name, spec in facts.items()}}
        return values

    @validator("sources", "stages", "ask_order", "facts", "sites", "tables")
    def _not_empty(cls, value):
        """A system needs each of these."""
        if not value:
            raise ValueError("must not be empty")
        return value

    def site_use(self, site: str | None) -> SiteUse:
        """Return how this system treats a site (None means the site is not known)."""
        return self.sites[site or UNKNOWN_SITE]


class SiteDefault(_RuleData):
    """A site of the vocabulary, with its label and the system used there when none is asked for."""

    id: Id
    label: Text
    default_system: Id


class Vocabulary(_RuleData):
    """vocabulary.yml: the sites and the sentences the engine builds its explanations from."""

    sites: Tuple[SiteDefault, ...]
    messages: Dict[str, Text]


@dataclass
class RuleBook:
    """Every staging system, the default system per site, and the explanation templates."""

    systems: dict
    default_systems: dict
    messages: dict

    def system(self, system_id: str) -> System:
        """Return the system with this id, or raise InvalidCase naming the known ones."""
        if system_id not in self.systems:
            known = ", ".join(self.systems)
            raise InvalidCase(f"unknown staging system {system_id!r}; use one of: {known}")
        return self.systems[system_id]

    def default_system(self, site: str | None) -> str:
        """Return the id of the system used for a site when none is asked for."""
        return self.default_systems[site or UNKNOWN_SITE]


@dataclass
class StageResult:
    """The outcome of staging one case."""

    stage: str | None
    possible_stages: list
    system: str
    explanation: str
    rule: str | None = None
    edition_note: str | None = None

    def to_dict(self) -> dict:
        """Return the result as a JSON-ready dict (the CLI's result fields)."""
        return {
            "stage": self.stage,
            "possible_stages": list(self.possible_stages),
            "system": self.system,
            "explanation": self.explanation,
            "rule": self.rule,
            "edition_note": self.edition_note,
        }


def domains(system: System, case: Case) -> dict:
    """Return, for each fact the system uses, the categories the case's value may be."""
    return {name: spec.domain(case.value(name)) for name, spec in system.facts.items()}


def matching_rules(rules, combination: dict) -> list:
    """Return the rules that cover one combination of categories (exactly one in valid data)."""
    return [rule for rule in rules if rule.matches(combination)]


def outcomes(system: System, table: str, fact_domains: dict) -> list:
    """Return the rule that applies to each combination of the facts' possible categories."""
    names = list(fact_domains)
    rules = system.tables[table]
    found = []
    for values in product(*(fact_domains[n] for n in names)):
        found.extend(matching_rules(rules, dict(zip(names, values)))[:1])
    return found


def stages_of(system: System, rules) -> list:
    """Return the distinct stages the rules give, in the system's stage order."""
    given = {rule.stage for rule in rules if rule.stage}
    return [stage for stage in system.stages if stage in given]


def uncovered(system: System, table: str) -> list:
    """Return (combination, rules) for every combination not met by exactly one rule."""
    names = list(system.facts)
    problems = []
    for values in product(*(system.facts[n].codes for n in names)):
        combination = dict(zip(names, values))
        rules = matching_rules(system.tables[table], combination)
        if len(rules) != 1:
            problems.append((combination, rules))
    return problems


def stage_case(book: RuleBook, case: Case) -> StageResult:
    """Return the stage (or every stage still possible) for a case, with a plain explanation."""
    system = book.system(case.system or book.default_system(case.site))
    use = system.site_use(case.site)
    if use.table is None:
        return StageResult(None, [], system.id, use.no_stage_group)
    applied = outcomes(system, use.table, domains(system, case))
    stages = stages_of(system, applied)
    notes = _answer_notes(system, case)
    messages = book.messages
    scope = messages.get(f"scope.{system.id}")
    if not stages:
        conflicts = _unique(rule.explanation for rule in applied)
        text = messages["stage_conflict"].format(conflicts="; ".join(conflicts))
        return StageResult(None, [], system.id, _join(text, *notes, scope))
    notes += _counted_unknown_notes(book, system, use.table, case)
    if len(stages) > 1:
        text = messages["stage_several"].format(stages=_or_list(stages), system=system.short_name, year=system.year)
        needed = facts_needed(book, case)
        if needed:
            labels = [system.facts[name].label for name in needed]
            text = _join(text, messages["stage_narrow"].format(facts=and_list(labels)))
        return StageResult(None, stages, system.id, _join(text, *notes, scope))
    used = _unique_rules(rule for rule in applied if rule.stage)
    if len(used) == 1:
        why = used[0].explanation
        text = messages["stage_single"].format(
            explanation=why[:1].upper() + why[1:], stage=stages[0], system=system.short_name, year=system.year)
    else:  # an unknown fact would change the rule but not the stage
        text = messages["stage_single_either"].format(
            explanations="; or ".join(rule.explanation for rule in used), stage=stages[0],
            system=system.short_name, year=system.year)
    near = _near_cutoff_note(book, system, use.table, case, stages[0])
    return StageResult(
        stages[0], stages, system.id, _join(text, *notes, near, scope),
        rule=",".join(f"{system.id}:{rule.id}" for rule in used),
        edition_note=_edition_note(book, system, case, stages[0]),
    )


def facts_needed(book: RuleBook, case: Case) -> list:
    """Return the facts, in asking order, whose value could still change the possible stages."""
    system = book.system(case.system or book.default_system(case.site))
    use = system.site_use(case.site)
    if use.table is None:
        return []
    fact_domains = domains(system, case)
    current = stages_of(system, outcomes(system, use.table, fact_domains))
    if len(current) <= 1:
        return []
    needed = []
    for name in system.ask_order:
        for code in fact_domains[name] if len(fact_domains[name]) > 1 else ():
            trial = stages_of(system, outcomes(system, use.table, {**fact_domains, name: (code,)}))
            if trial != current:
                needed.append(name)
                break
    return needed


def _near_cutoff_note(book: RuleBook, system: System, table: str, case: Case, stage: str) -> str | None:
    """Return a note when the size sits within NEAR_CUTOFF_CM of a size cut-off that would change the stage."""
    spec, size = system.facts.get("size_cm"), case.size_cm
    if spec is None or not spec.is_size or size is None:
        return None
    for category in spec.categories:
        cutoff = category.up_to_cm
        if cutoff is None or abs(size - cutoff) > NEAR_CUTOFF_CM:
            continue
        across = case.with_size(cutoff + NEAR_CUTOFF_CM if size <= cutoff else cutoff)
        others = stages_of(system, outcomes(system, table, domains(system, across)))
        if len(others) == 1 and others[0] != stage:
            key = "on_cutoff" if size == cutoff else "near_cutoff"
            return _message(book, key, system).format(
                size=f"{size:g}", cutoff=f"{cutoff:g}", stage=others[0], current=stage)
    return None


def _counted_unknown_notes(book: RuleBook, system: System, table: str, case: Case) -> list:
    """Return a note per unknown fact the system counts as a known category, when that hides a stage.

    Such a fact (when_unknown lists categories that answers also mean, as N0 means "no") is
    settled by the system's rule, so it is not asked; the note names the rule and the stage
    the fact's other categories would give, unless that stage is already a possible one. A
    category of its own for unknown values (FIGO's "not stated", which no answer means)
    assumes nothing and gets no note.
    """
    fact_domains = domains(system, case)
    current = stages_of(system, outcomes(system, table, fact_domains))
    notes = []
    for name, spec in system.facts.items():
        if case.value(name) is not None or not spec.when_unknown:
            continue
        counted = [c for c in spec.categories if c.code in spec.when_unknown]
        if not all(c.accepts for c in counted):
            continue
        others = [c for c in spec.categories if c.code not in spec.when_unknown]
        if not others:
            continue
        other_stages = stages_of(system, outcomes(system, table, {**fact_domains, name: tuple(c.code for c in others)}))
        if set(other_stages) - set(current):
            notes.append(_message(book, "unknown_counted", system).format(
                fact=spec.label[:1].upper() + spec.label[1:], system=system.short_name, year=system.year,
                category=_or_list(c.label for c in counted), code=_or_list(c.code for c in counted),
                other=_or_list(c.label for c in others), stages=_or_list(other_stages)))
    return notes


def _message(book: RuleBook, key: str, system: System) -> str:
    """Return the message template for a key, the system's own version ("<key>.<system id>") first."""
    return book.messages.get(f"{key}.{system.id}", book.messages[key])


def _edition_note(book: RuleBook, system: System, case: Case, stage: str) -> str | None:
    """Return how the system this one compares with (the newer edition) stages the case."""
    if not system.compare_with:
        return None
    other = book.systems[system.compare_with]
    use = other.site_use(case.site)
    if use.table is None:
        return use.no_stage_group
    other_case = case.with_system(other.id)
    stages = stages_of(other, outcomes(other, use.table, domains(other, other_case)))
    if not stages:
        return None
    if len(stages) > 1:
        text = book.messages["edition_several"].format(other=other.short_name, year=other.year, stages=_or_list(stages))
    else:
        key = "edition_same" if stages[0] == stage else "edition_single"
        text = book.messages[key].format(other=other.short_name, year=other.year, stage=stages[0])
    return _join(text, *_counted_unknown_notes(book, other, use.table, other_case))


def _answer_notes(system: System, case: Case) -> list:
    """Return the notes the data attaches to the answers given (high grade, GX, unused grade)."""
    notes = []
    for name, spec in system.facts.items():
        value = case.value(name)
        if value is not None and value in spec.notes:
            notes.append(spec.notes[value])
    for name, note in system.ignored_facts.items():
        if case.value(name) is not None:
            notes.append(note)
    return notes


def _unique(texts) -> list:
    """Return texts without repeats, first occurrence first."""
    return list(dict.fromkeys(texts))


def _unique_rules(rules) -> list:
    """Return rules without repeats, first occurrence first."""
    return list({rule.id: rule for rule in rules}.values())


def _join(*sentences) -> str:
    """Return sentences joined by single spaces."""
    return " ".join(s for s in sentences if s)


def _or_list(items) -> str:
    """Return "A, B or C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def and_list(items) -> str:
    """Return "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
