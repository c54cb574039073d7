"""Delete one conversation (for example on a patient's request).

When the bot is running (at --url, default http://localhost:5005), the Rasa server deletes it
while holding the conversation's lock, so a message being answered at that moment cannot
bring it back; the tool proves its right with a token signed with the server secret
(SERVER_SECRET or var/server_secret). When no bot answers, the tool deletes it from the
conversation store itself (TRACKER_STORE_URL), as nothing else can be writing to it.

Example:  python -m bot forget ws-3f9c2a7e5b1d4c6f8a9b0c1d2e3f4a5b
"""
from __future__ import annotations

import argparse
from typing import Optional

import requests

from bot.cli import CommandError
from bot.cli.conversation_store import describe, open_store
from bot.cli.rasa_api import DEFAULT_URL
from bot.conversation_tokens import REST, SOCKETIO, ConversationTokens, is_conversation_id, server_secret

HELP = "delete a conversation from the conversation store"
TIMEOUT_SECONDS = 60
CHANNEL_PATHS = {SOCKETIO: "socketio", REST: "rest"}


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the conversation id and --url."""
    parser.add_argument("sender_id", metavar="SENDER_ID",
                        help="conversation id (ws-... from the web page, rest-... from the REST channel)")
    parser.add_argument("--url", default=DEFAULT_URL,
                        help=f"running Rasa server to delete through (default {DEFAULT_URL})")


def delete_through_server(server: str, sender_id: str) -> Optional[bool]:
    """Asks the running server to delete the conversation; returns whether it existed, None when no server answers."""
    if not is_conversation_id(sender_id):
        return None
    secret = server_secret(create=False)
    if not secret:
        return None
    namespace = sender_id.split("-", 1)[0]
    token = ConversationTokens(secret, lifetime_seconds=300).issue(sender_id)
    url = f"{server.rstrip('/')}/webhooks/{CHANNEL_PATHS[namespace]}/conversation"
    try:
        reply = requests.delete(url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException:
        return None
    if reply.status_code == 401:
        raise CommandError(f"The bot at {server} does not accept this machine's server secret. Run "
                           "forget where the bot runs, or with the SERVER_SECRET it was started with.")
    if reply.status_code == 404:
        return None  # not this project's Rasa server
    if not reply.ok:
        raise CommandError(f"The bot at {server} could not delete the conversation "
                           f"(HTTP {reply.status_code}); see its output, and try again.")
    return bool(reply.json().get("deleted"))


def run(args: argparse.Namespace) -> int:
    """Deletes the conversation and says so; exit 1 when none was found."""
    through_server = delete_through_server(args.url, args.sender_id)
    if through_server is not None:
        if not through_server:
            raise CommandError(f"The bot at {args.url} has no conversation with id {args.sender_id!r}; "
                               "nothing was deleted.")
        print(f"Deleted conversation {args.sender_id!r} through the running bot at {args.url}.")
        return 0
    store = open_store()
    deleted = store.delete_conversation(args.sender_id)
    if not deleted:
        raise CommandError(f"No conversation with id {args.sender_id!r} in {describe(store)}; "
                           "nothing was deleted.")
    print(f"Deleted conversation {args.sender_id!r}: {deleted} events removed from {describe(store)}.")
    return 0
