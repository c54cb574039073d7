"""One command-line style for `python -m knowledge` and `python -m bot`.

A command is a module (bot/cli/*.py) or a class used as a namespace (knowledge/cli.py) with:
  HELP            one line for the command list
  configure(p)    adds the command's options to its argparse parser
  run(args)       does the work and returns the exit code
  docstring       the description its --help shows
and optionally ADD_HELP = False (the command shows another program's --help) and
PASS_EXTRA_ARGS = True (options it does not know go to args.extra).

Exit codes, the same for every command of both tools:
  0  done
  1  failed; the message says why and what to do (a missing conversation, broken data files)
  2  invalid input: options argparse refuses, or values the command refuses
  3  needs the running bot, and none answers (bot commands only)
  130  interrupted with Ctrl-C
Errors go to stderr as "<command>: <message>" (argparse's own usage errors keep its format).

It lives in knowledge because knowledge imports nothing else of the project; bot imports it.
"""
from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_NO_BOT = 3
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """An expected failure: the message says what to do, and the command exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def build_parser(prog: str, description: str, commands: dict) -> argparse.ArgumentParser:
    """Return a parser with one sub-command per entry of commands (name -> command)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=f"{description} Run '{prog} <command> --help' for the options of one command.")
    subparsers = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, command in commands.items():
        sub = subparsers.add_parser(
            name, help=command.HELP, description=command.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter, add_help=getattr(command, "ADD_HELP", True))
        command.configure(sub)
        sub.set_defaults(handler=command)
    return parser


def run_command(parser: argparse.ArgumentParser, argv=None, failures: tuple = ()) -> int:
    """Parse the command line, run one command and return its exit code.

    failures: exception types whose message tells the user what to fix; like CommandError,
    they are reported as "<command>: <message>" with exit code 1.
    """
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args.handler, "PASS_EXTRA_ARGS", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.handler.run(args)
    except CommandError as error:
        return _report(args.command, error, error.code)
    except failures as error:
        return _report(args.command, error, EXIT_FAILED)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _report(command: str, error: Exception, code: int) -> int:
    """Print the error as "<command>: <message>" on stderr and return the exit code."""
    print(f"{command}: {error}", file=sys.stderr)
    return code
