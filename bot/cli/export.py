"""Turn a real conversation from the conversation store into a Rasa test story.

The story has the intent the bot understood for each message, then the actions,
slot_was_set and active_loop steps, in the format of tests/test_stories.yml, written by
Rasa's own YAMLStoryWriter. It covers the conversation's latest session.

The patient's own words stay out of it: a message is written with its words only when
they are word for word a training example in data/nlu/ (already in the repository);
any other message becomes an intent-only step, and a comment says how many were left
out. `--reviewed` keeps every message's words: give it only after reading the
conversation (`python -m bot replay`, or the tracker) and finding nothing in it that could
identify the patient. Either way, fix any turn where the bot was wrong before committing
the story (it should say what the bot *ought* to do).

Examples:
  python -m bot export rest-3f9c2a7e5b1d4c6f                 # print the story
  python -m bot export rest-3f9c2a7e5b1d4c6f --output tests/stories/test_from_users.yml
  python -m bot export rest-3f9c2a7e5b1d4c6f --reviewed      # the words too
When --output names an existing stories file, the story is appended to it.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import re
import sys
from pathlib import Path
from typing import Set

from bot import ROOT
from bot.cli import CommandError
from bot.cli.conversation_store import describe, open_store
from bot.cli.stories import load_domain, read_stories

HELP = "turn a stored conversation into a test story (without the patient's words)"
# A message's words go into the story only when they are a training example from here.
TRAINING_DATA = ROOT / "data" / "nlu"


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the conversation id and --output."""
    parser.add_argument("sender_id", metavar="SENDER_ID", help="conversation id to export")
    parser.add_argument("--output", type=Path,
                        help="stories file to write, or to append to if it exists (default: print)")
    parser.add_argument("--reviewed", action="store_true",
                        help="keep the patient's words: only after reading the conversation and "
                             "finding nothing that could identify them")


def comparable(text: str) -> str:
    """Returns the text in lower case with its spaces collapsed, for comparing messages."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def training_examples() -> Set[str]:
    """Returns the texts of the NLU training examples in TRAINING_DATA, comparable()."""
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(TRAINING_DATA)).training_examples
    return {comparable(example.get(TEXT)) for example in examples if example.get(TEXT)}


def leave_out_patients_words(tracker, known: Set[str]) -> int:
    """Removes the words of every user message that is not a known training example; returns how many."""
    from rasa.shared.core.events import UserUttered

    left_out = 0
    for event in tracker.events:
        if isinstance(event, UserUttered) and event.text and comparable(event.text) not in known:
            # The story keeps the intent (and the slots the message set); the words go.
            event.text = None
            event.entities = []
            left_out += 1
    return left_out


def writable_entities(entities: list) -> list:
    """Returns the entities a story can annotate: none inside or across a longer one.

    Rasa's markup can put several entities on the same words, but not one inside
    another ("[confined to the [uterus]]"); written one after the other, the words came out
    twice ("confined to the uterusuterus"). The longer entity is kept.
    """
    kept: list = []
    for entity in sorted(entities, key=lambda e: (e.get("start", 0), -(e.get("end", 0) - e.get("start", 0)))):
        span = (entity.get("start"), entity.get("end"))
        if all(span == (k.get("start"), k.get("end")) or span[0] >= k.get("end") or span[1] <= k.get("start")
               for k in kept):
            kept.append(entity)
    return kept


def story_yaml(tracker, appendable: bool = False) -> str:
    """Returns the tracker's events as an end-to-end test story in YAML."""
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

    for event in tracker.events:
        if isinstance(event, UserUttered) and event.entities:
            event.entities = writable_entities(event.entities)

    text = tracker.export_stories(YAMLStoryWriter(), e2e=True, should_append_stories=appendable)
    return text if text.endswith("\n") else text + "\n"


def run(args: argparse.Namespace) -> int:
    """Exports the conversation as a story and checks Rasa reads it back; returns the exit code."""
    domain = load_domain()
    store = open_store(domain)
    tracker = asyncio.run(store.retrieve(args.sender_id))
    if tracker is None:
        raise CommandError(f"No conversation with id {args.sender_id!r} in {describe(store)}. "
                           "The id is the REST 'sender' or the widget's session id.")
    from rasa.shared.core.events import UserUttered

    if not any(isinstance(event, UserUttered) for event in tracker.events):
        raise CommandError(f"Conversation {args.sender_id!r} has no user messages to export.")

    if args.reviewed:
        words = "# The patient's words are in it (--reviewed): check again that nothing identifies them.\n"
    else:
        left_out = leave_out_patients_words(tracker, training_examples())
        words = (f"# The words of {left_out} message(s) that are not training examples were left out "
                 "(intent only).\n")
    note = (f"# Exported from conversation {args.sender_id} on {datetime.date.today().isoformat()}.\n"
            + words +
            "# Check that every step is what the bot should do before adding it to the tests.\n")
    full = story_yaml(tracker)
    steps = read_stories(full, f"the export of {args.sender_id}", domain)
    if not steps:
        raise CommandError("Rasa could not read the exported story back; nothing was written.")

    if args.output is None:
        sys.stdout.write(note + full)
        return 0
    if args.output.exists():
        before = args.output.read_text(encoding="utf-8")
        after = before.rstrip("\n") + "\n\n" + note + story_yaml(tracker, appendable=True)
        # Refuse to leave a file Rasa cannot read, or one where the story landed outside `stories:`.
        if len(read_stories(after, str(args.output), domain)) <= len(
            read_stories(before, str(args.output), domain)
        ):
            raise CommandError(f"{args.output} does not end with a 'stories:' section, so the "
                               "story cannot be appended. Choose another --output file.")
        args.output.write_text(after, encoding="utf-8")
        print(f"Appended the story to {args.output}.", file=sys.stderr)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(note + full, encoding="utf-8")
        print(f"Wrote the story to {args.output}.", file=sys.stderr)
    return 0
