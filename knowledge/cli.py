"""Command line: `python -m knowledge build | entries | stage [--jsonl | --system ... --size-cm ...]`."""
from __future__ import annotations

import argparse
import json
import sys

from knowledge import query
from knowledge.datafiles import DataFileError
from knowledge.db import database_url, printable_url
from knowledge.facts import CASE_FIELDS, InvalidCase
from knowledge.loader import build


def main(argv=None) -> int:
    """Return the exit code after running one command (0 ok, 1 broken data, 2 invalid input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, parser)
    except DataFileError as error:
        print(f"error: the knowledge data is broken: {error}", file=sys.stderr)
        return 1


def stage_line(line: str) -> dict:
    """Return the result (or {"error": ...}) for one line of the --jsonl input."""
    text = line.strip()
    if not text:
        return {"error": "empty line: expected one JSON object describing a case"}
    try:
        case = json.loads(text)
    except json.JSONDecodeError as error:
        return {"error": f"not valid JSON ({error.msg} at column {error.colno})"}
    if not isinstance(case, dict):
        return {"error": 'each line must be a JSON object, for example {"system": "ajcc7", "size_cm": 6, "grade": 3}'}
    try:
        return query.stage_case(**{name: case.get(name) for name in CASE_FIELDS}).to_dict()
    except InvalidCase as error:
        return {"error": str(error)}
    except DataFileError:
        raise
    except Exception as error:  # one bad case must not stop the stream
        return {"error": f"internal error while staging this case: {error}"}


def _parser() -> argparse.ArgumentParser:
    """Return the argument parser with its three commands."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="The chatbot's knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True)

    build_cmd = commands.add_parser("build", help="build or refresh the knowledge database from knowledge/data")
    build_cmd.add_argument("--db-url", help="SQLAlchemy URL (default: $KNOWLEDGE_DB_URL or var/knowledge.db)")
    build_cmd.set_defaults(run=_build)

    entries_cmd = commands.add_parser("entries", help="list the question-and-answer entries by area")
    entries_cmd.set_defaults(run=_entries)

    stage = commands.add_parser("stage", help="stage one case, or a stream of JSON cases with --jsonl")
    stage.add_argument("--jsonl", action="store_true",
                       help="read one JSON case per line on stdin, write one JSON result per line")
    stage.add_argument("--system", help="ajcc7, ajcc8 or figo2009 (default: by site)")
    stage.add_argument("--site", help="trunk_extremity, retroperitoneum, uterus, head_neck, gi_tract or other")
    stage.add_argument("--size-cm", type=float, help="largest size of the tumor in cm")
    stage.add_argument("--grade", help="1, 2, 3, X, high or low")
    stage.add_argument("--nodes", help="lymph nodes involved: yes, no or unknown")
    stage.add_argument("--metastasis", help="spread to distant organs: yes, no or unknown")
    stage.add_argument("--extent", help="FIGO extent, e.g. uterus, adnexa, pelvic_tissue, distant")
    stage.set_defaults(run=_stage)
    return parser


def _build(args, parser) -> int:
    """Build the database and print what was loaded."""
    url = database_url(args.db_url)
    counts = build(url)
    query.reset_cache()
    print(f"Built the knowledge database at {printable_url(url)}:")
    for table, count in counts.items():
        print(f"  {table}: {count} rows")
    systems = ", ".join(query.rulebook().systems)
    print(f"Checked the staging rules ({systems}); the engine reads them from their files.")
    return 0


def _entries(args, parser) -> int:
    """Print the entry ids and questions, by area."""
    for area, title, items in query.areas():
        print(f"# {title} ({area})")
        for item in items:
            print(f"{item.id}\t{item.question}")
    return 0


def _stage(args, parser) -> int:
    """Stage the case given by options, or every line of stdin with --jsonl."""
    given = {name: getattr(args, name) for name in CASE_FIELDS}
    if args.jsonl:
        if any(value is not None for value in given.values()):
            parser.error("--jsonl reads cases from stdin; do not combine it with case options")
        for line in sys.stdin:
            sys.stdout.write(json.dumps(stage_line(line)) + "\n")
            sys.stdout.flush()
        return 0
    try:
        result = query.stage_case(**given)
        needed = query.facts_needed(**given)
    except InvalidCase as error:
        print(f"error: {error}. See: python -m knowledge stage --help", file=sys.stderr)
        return 2
    if result.stage:
        print(f"Stage: {result.stage} ({result.system})")
    elif result.possible_stages:
        print(f"Stage: not settled; possible stages: {', '.join(result.possible_stages)} ({result.system})")
    else:
        print(f"Stage: none given ({result.system})")
    print(result.explanation)
    if result.edition_note:
        print(f"Edition note: {result.edition_note}")
    if needed:
        print(f"Worth asking next: {', '.join(needed)}")
    return 0
