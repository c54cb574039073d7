"""`python -m bot <command>`: the tools for moderators, testers and website owners."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import List, Optional

from bot.cli import COMMANDS, CommandError


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser with one sub-command per module in bot/cli/."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Tools around the LMS information assistant. "
        "Run 'python -m bot <command> --help' for the options of one command.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"bot.cli.{name}")
        sub = commands.add_parser(
            name,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            add_help=getattr(module, "ADD_HELP", True),
        )
        module.configure(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Parses the command line, runs one command and returns its exit code."""
    # Rasa's notice that it uses SQLAlchemy 1.4 APIs means nothing to a tool's user.
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args.module, "PASS_EXTRA_ARGS", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.module.run(args)
    except CommandError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
