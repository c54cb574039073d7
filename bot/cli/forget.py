"""Delete one conversation from the conversation store (for example on a patient's request).

Reads TRACKER_STORE_URL like the Rasa server; the server need not run.
Example:  python -m bot forget 3f9c2a7e5b1d4c6f
"""
from __future__ import annotations

import argparse

from bot.cli import CommandError
from bot.cli.conversation_store import describe, open_store

HELP = "delete a conversation from the conversation store"


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the conversation id."""
    parser.add_argument("sender_id", metavar="SENDER_ID",
                        help="conversation id (the widget's session id or the REST sender)")


def run(args: argparse.Namespace) -> int:
    """Deletes the conversation and prints how many events went; exit 1 when none was found."""
    store = open_store()
    deleted = store.delete_conversation(args.sender_id)
    if not deleted:
        raise CommandError(f"No conversation with id {args.sender_id!r} in {describe(store)}; "
                           "nothing was deleted.")
    print(f"Deleted conversation {args.sender_id!r}: {deleted} events removed from {describe(store)}.")
    return 0
