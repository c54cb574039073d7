"""`python -m bot <command>`: the tools for moderators, testers and website owners."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import List, Optional

from bot.cli import COMMANDS
from knowledge.command_line import build_parser as build_command_parser
from knowledge.command_line import run_command


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser with one sub-command per module in bot/cli/."""
    modules = {name: importlib.import_module(f"bot.cli.{name}") for name in COMMANDS}
    return build_command_parser("python -m bot", "Tools around the LMS information assistant.", modules)


def main(argv: Optional[List[str]] = None) -> int:
    """Parses the command line, runs one command and returns its exit code (knowledge/command_line.py)."""
    # Rasa's notice that it uses SQLAlchemy 1.4 APIs means nothing to a tool's user.
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return run_command(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
