"""Start PostgreSQL, Redis, several action and Rasa servers, the page and nginx (Ctrl-C stops all).

Sizes, ports and addresses come from environment variables; see bot/cluster.py and the
README section "Running several servers". `make run-cluster` runs this.
"""
import argparse

HELP = "run the bot as a cluster: PostgreSQL, Redis, N Rasa servers, M action servers, nginx"
ADD_HELP = False  # `cluster --help` shows the cluster's own options
PASS_EXTRA_ARGS = True


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds nothing: every option goes to bot.cluster."""


def run(args: argparse.Namespace) -> int:
    """Hands the remaining arguments to bot.cluster.main and returns its exit code."""
    from bot.cluster import main

    return main(args.extra)
