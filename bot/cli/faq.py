"""Write everything the knowledge base covers as an FAQ, each answer with its sources and reviewed date.

The text is the same the bot sends (knowledge.query), so a moderator can link or paste it.
Entries are grouped by area; the answers by stage and site follow.
Examples:
  python -m bot faq --format markdown --output FAQ.md
  python -m bot faq --format html --output faq.html
  python -m bot faq --format json --output faq.json     # for scripts: every entry as data
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.cli import CommandError

HELP = "write the knowledge base as an FAQ (markdown, html or json)"

PAGE_TITLE = "Leiomyosarcoma and soft tissue sarcoma: questions and answers"
DISCLAIMER = (
    "General information from the LMS information assistant, an automated assistant, "
    "not a doctor. It cannot tell you what is right for you; your medical team can."
)
# Patient-facing names for the `site` values of docs/architecture.md.
SITES: Sequence[Tuple[str, str]] = (
    ("uterus", "the uterus (womb)"),
    ("trunk_extremity", "an arm, a leg or the trunk"),
    ("retroperitoneum", "the back of the abdomen (retroperitoneum)"),
    ("gi_tract", "the stomach or intestines"),
    ("head_neck", "the head or neck"),
    ("other", "other places"),
)
RECURRENT = "Sarcoma that has come back"
STAGE_UNKNOWN = "When the stage is not known yet"


@dataclass
class Entry:
    """One question: a heading, the answer text, its source line and when it was reviewed."""

    heading: str
    text: str
    source_line: str
    reviewed: Optional[str] = None


@dataclass
class Section:
    """A group of entries under one heading."""

    heading: str
    entries: List[Entry] = field(default_factory=list)


def grouped(labelled: Iterable[Tuple[str, Any]], heading: Callable[[List[str]], str]) -> List[Entry]:
    """Returns one entry per distinct answer, headed by heading(labels of the answers that share it)."""
    labels: Dict[Tuple[str, str], List[str]] = {}
    for label, answer in labelled:
        labels.setdefault((answer.text, answer.source_line), []).append(label)
    return [Entry(heading(names), text, source) for (text, source), names in labels.items()]


def in_words(items: List[str]) -> str:
    """Returns 'a', 'a and b' or 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def stage_heading(labels: List[str]) -> str:
    """Returns 'Stage IA', 'Stages IIA, IIB and III', or the label of a non-stage entry."""
    stages = [label for label in labels if label not in (RECURRENT, STAGE_UNKNOWN)]
    if not stages:
        return "; ".join(labels)
    return ("Stage " if len(stages) == 1 else "Stages ") + in_words(stages)


def site_heading(labels: List[str]) -> str:
    """Returns 'Tumors in the uterus (womb)' or the sites sharing an answer, separated by semicolons."""
    return "Tumors in " + "; ".join(labels)


def treatment_section(query: Any, site: Optional[str], heading: str) -> Section:
    """Returns the treatment for every stage of the site's default staging system."""
    system_id = query.default_system(site)
    system = query.rulebook().system(system_id)
    labelled = [(stage, query.treatment_for(stage, system_id, site)) for stage in system.stages]
    labelled += [(RECURRENT, query.treatment_for("recurrent", system_id, site)),
                 (STAGE_UNKNOWN, query.treatment_for(None, system_id, site))]
    return Section(f"{heading} ({system.short_name} stages)", grouped(labelled, stage_heading))


def collect_sections() -> Tuple[List[Section], str]:
    """Returns the FAQ sections read from knowledge.query, and the date of its newest source."""
    from knowledge import query

    sections = [
        Section(title, [Entry(e.question, e.answer, e.source_line, e.reviewed) for e in items])
        for _, title, items in query.areas()
    ] + [
        treatment_section(query, None, "Treatment by stage"),
        treatment_section(query, "uterus", "Treatment by stage for LMS of the uterus"),
        Section("How often it comes back", grouped(
            ((label, query.recurrence_for(site)) for site, label in SITES), site_heading)),
        Section("Survival figures", grouped(
            ((label, query.survival_for(site)) for site, label in SITES), site_heading)),
    ]
    return [section for section in sections if section.entries], query.knowledge_date()


def blocks(text: str) -> List[Tuple[str, Any]]:
    """Returns the text as ("p", sentence run) and ("ul", [items]) blocks; lines starting '- ' are items."""
    result: List[Tuple[str, Any]] = []
    for line in (line.strip() for line in text.strip().splitlines()):
        if not line:
            continue
        if line.startswith("- "):
            if not result or result[-1][0] != "ul":
                result.append(("ul", []))
            result[-1][1].append(line[2:].strip())
        else:
            result.append(("p", line))
    return result


def introduction(generated: datetime.date, knowledge_date: str) -> str:
    """Returns the sentence under the title: what this is, when it was made, how current it is."""
    return (f"{DISCLAIMER} Generated on {generated.isoformat()} from the assistant's knowledge "
            f"base, whose newest source is dated {knowledge_date}. Each answer names its sources.")


def render_markdown(sections: List[Section], generated: datetime.date, knowledge_date: str) -> str:
    """Returns the FAQ as Markdown."""
    lines = [f"# {PAGE_TITLE}", "", f"_{introduction(generated, knowledge_date)}_", ""]
    for section in sections:
        lines += [f"## {section.heading}", ""]
        for entry in section.entries:
            lines += [f"### {entry.heading}", ""]
            for kind, content in blocks(entry.text):
                lines += ([f"- {item}" for item in content] if kind == "ul" else [content]) + [""]
            lines += [f"_{entry.source_line}_", ""]
            if entry.reviewed:
                lines += [f"_Reviewed {entry.reviewed}_", ""]
    return "\n".join(lines)


def render_html(sections: List[Section], generated: datetime.date, knowledge_date: str) -> str:
    """Returns the FAQ as a standalone HTML page (bot/web/faq.html.j2, every text escaped)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)),
                              autoescape=select_autoescape(default=True, default_for_string=True))
    return environment.get_template("faq.html.j2").render(
        title=PAGE_TITLE, introduction=introduction(generated, knowledge_date), sections=sections, blocks=blocks)


def render_json(sections: List[Section], generated: datetime.date, knowledge_date: str) -> str:
    """Returns every entry as JSON: area, question, answer, sources and reviewed date."""
    from knowledge import query

    return json.dumps({
        "title": PAGE_TITLE,
        "disclaimer": DISCLAIMER,
        "generated": generated.isoformat(),
        "knowledge_date": knowledge_date,
        "entries": [entry.to_dict() for entry in query.entries()],
        "answers_by_stage_and_site": [
            {"section": section.heading, "heading": entry.heading, "answer": entry.text,
             "source_line": entry.source_line}
            for section in sections[len(query.areas()):] for entry in section.entries],
    }, indent=2, ensure_ascii=False) + "\n"


TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "web"

RENDERERS: Dict[str, Callable[..., str]] = {"markdown": render_markdown, "html": render_html, "json": render_json}


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds --format and --output."""
    parser.add_argument("--format", choices=sorted(RENDERERS), default="markdown",
                        help="markdown (default), html or json")
    parser.add_argument("--output", type=Path, help="file to write (default: print)")


def run(args: argparse.Namespace) -> int:
    """Reads the knowledge base and writes the FAQ; returns the exit code."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        sections, knowledge_date = collect_sections()
    except ImportError as error:
        raise CommandError(f"The knowledge package cannot be imported ({error}). "
                           "Run this from the project folder with .venv/bin/python.") from None
    except SQLAlchemyError:
        raise CommandError("The knowledge base could not be read. Build it with "
                           "'python -m knowledge build' (or 'make setup'), and check "
                           "KNOWLEDGE_DB_URL if you set it.") from None
    if not sections:
        raise CommandError("The knowledge base is empty. Build it with 'python -m knowledge build'.")
    text = RENDERERS[args.format](sections, datetime.date.today(), knowledge_date)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        count = sum(len(section.entries) for section in sections)
        print(f"Wrote {count} answers to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
