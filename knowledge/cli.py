"""`python -m knowledge <command>`: build the knowledge database, list its entries, stage a case.

Style, options and exit codes as `python -m bot` (knowledge/command_line.py): 0 done, 1 broken
data files (the message names file, entry and problem), 2 invalid input.
"""
from __future__ import annotations

import json
import sys

from knowledge import query
from knowledge.command_line import EXIT_INVALID_INPUT, EXIT_OK, CommandError, build_parser, run_command
from knowledge.db import database_url, printable_url
from knowledge.facts import CASE_FIELDS, InvalidCase
from knowledge.loader import build
from knowledge.yaml_files import DataFileError


def main(argv=None) -> int:
    """Return the exit code after running one command."""
    parser = build_parser("python -m knowledge", "The chatbot's knowledge base.", COMMANDS)
    return run_command(parser, argv, failures=(DataFileError,))


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


class Build:
    """Check every data file in knowledge/data and build (or refresh) the knowledge database.

    Running it twice gives the same rows. The staging rules are checked too, but not stored:
    the engine reads them from knowledge/data/staging.
    """

    HELP = "build or refresh the knowledge database from knowledge/data"

    @staticmethod
    def configure(parser) -> None:
        """Add the database option."""
        parser.add_argument("--db-url", help="SQLAlchemy URL (default: $KNOWLEDGE_DB_URL or var/knowledge.db)")

    @staticmethod
    def run(args) -> int:
        """Build the database and print what was loaded."""
        url = database_url(args.db_url)
        counts = build(url)
        query.reset_cache()
        print(f"Built the knowledge database at {printable_url(url)}:")
        for table, count in counts.items():
            print(f"  {table}: {count} rows")
        systems = ", ".join(query.rulebook().systems)
        print(f"Checked the staging rules ({systems}); the engine reads them from their files.")
        return EXIT_OK


class Entries:
    """List the question-and-answer entries by area: id and question, tab-separated."""

    HELP = "list the question-and-answer entries by area"

    @staticmethod
    def configure(parser) -> None:
        """Add the output option."""
        parser.add_argument("--json", action="store_true", help="print the entries as JSON")

    @staticmethod
    def run(args) -> int:
        """Print the entry ids and questions, by area."""
        if args.json:
            print(json.dumps([item.to_dict() for item in query.entries()], indent=2))
            return EXIT_OK
        for area, title, items in query.areas():
            print(f"# {title} ({area})")
            for item in items:
                print(f"{item.id}\t{item.question}")
        return EXIT_OK


class Stage:
    """Stage one case given by options, or a stream of JSON cases with --jsonl.

    Examples:
      python -m knowledge stage --system ajcc7 --size-cm 6 --grade 3 --nodes no --metastasis no
      echo '{"site": "uterus", "extent": "uterus", "size_cm": 4}' | python -m knowledge stage --jsonl
    With --jsonl every line gets one JSON result, or {"error": ...} for a case that makes no sense.
    """

    HELP = "stage one case, or a stream of JSON cases with --jsonl"

    @staticmethod
    def configure(parser) -> None:
        """Add the case options and the two JSON modes."""
        parser.add_argument("--jsonl", action="store_true",
                            help="read one JSON case per line on stdin, write one JSON result per line")
        parser.add_argument("--json", action="store_true", help="print the result of the one case as JSON")
        parser.add_argument("--system", help="ajcc7, ajcc8 or figo2009 (default: by site)")
        parser.add_argument("--site", help="trunk_extremity, retroperitoneum, uterus, head_neck, gi_tract or other")
        parser.add_argument("--size-cm", type=float, help="largest size of the tumor in cm")
        parser.add_argument("--grade", help="1, 2, 3, X, high or low")
        parser.add_argument("--nodes", help="lymph nodes involved: yes, no or unknown")
        parser.add_argument("--metastasis", help="spread to distant organs: yes, no or unknown")
        parser.add_argument("--extent", help="FIGO extent, e.g. uterus, adnexa, pelvic_tissue, distant")

    @staticmethod
    def run(args) -> int:
        """Stage the case given by options, or every line of stdin with --jsonl."""
        given = {name: getattr(args, name) for name in CASE_FIELDS}
        if args.jsonl:
            if args.json or any(value is not None for value in given.values()):
                raise CommandError("--jsonl reads cases from stdin; do not combine it with case options "
                                   "or --json", EXIT_INVALID_INPUT)
            for line in sys.stdin:
                sys.stdout.write(json.dumps(stage_line(line)) + "\n")
                sys.stdout.flush()
            return EXIT_OK
        try:
            result = query.stage_case(**given)
            needed = query.facts_needed(**given)
        except InvalidCase as error:
            raise CommandError(f"{error}. See: python -m knowledge stage --help", EXIT_INVALID_INPUT) from None
        if args.json:
            print(json.dumps({**result.to_dict(), "facts_needed": needed}, indent=2))
            return EXIT_OK
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
        return EXIT_OK


COMMANDS = {"build": Build, "entries": Entries, "stage": Stage}
