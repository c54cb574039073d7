"""Start the action server, the Rasa server and the widget page together (Ctrl-C stops all three).

Options are those of bot/launcher.py: --model, --rasa-port, --action-port, --web-port.
"""
import argparse

HELP = "run the whole bot: action server, Rasa server and widget page"
ADD_HELP = False  # `run --help` shows the launcher's own options
PASS_EXTRA_ARGS = True


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds nothing: every option goes to the launcher."""


def run(args: argparse.Namespace) -> int:
    """Hands the remaining arguments to bot.launcher.main and returns its exit code."""
    from bot.launcher import main

    return main(args.extra)
