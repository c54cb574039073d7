"""spaCy component `lms_tumor_facts`: turns the rule spans into facts on `doc._.facts`."""
from spacy.language import Language
from spacy.tokens import Doc

from bot.nlu.clauses import split_clauses
from bot.nlu.grades import read_grades
from bot.nlu.sites import read_sites, read_unclear_sites
from bot.nlu.sizes import read_numbers, read_sizes
from bot.nlu.spread import read_spread
from bot.nlu.stages import read_stages
from bot.nlu.dont_know import read_unknowns

SPANS_KEY = "lms_rules"

if not Doc.has_extension("facts"):
    Doc.set_extension("facts", default=None)


@Language.component("lms_tumor_facts")
def tumor_facts(doc: Doc) -> Doc:
    """Set doc._.facts to the sorted, de-duplicated facts of the message."""
    spans = list(doc.spans.get(SPANS_KEY, []))
    clauses = split_clauses(doc)
    spread = read_spread(doc, spans, clauses)
    sites = read_sites(spans, clauses, spread["reported"])
    facts = (read_sizes(spans) + read_numbers(doc, spans) + read_grades(spans)
             + sites + read_unclear_sites(spans, sites) + spread["facts"] + read_stages(spans))
    facts += read_unknowns(spans, facts)
    seen, unique = set(), []
    for fact in sorted(facts, key=lambda f: (f["start"], f["end"])):
        key = (fact["entity"], fact["value"])
        if key not in seen:
            seen.add(key)
            unique.append(fact)
    doc._.facts = unique
    return doc
