"""Play test stories against a running bot and report where it behaves differently.

Reads the same YAML `rasa test` reads (stories with `user:` text, `intent:`, `action:`,
`slot_was_set:`, `active_loop:`) with Rasa's story reader. Each story runs as a new
conversation: every `user:` text goes over the REST channel, then the conversation's
tracker (HTTP API) shows the intent the bot understood and the actions it ran. Those are
compared with the story; slot_was_set and active_loop steps are not checked, and
action_listen is ignored. The API token comes from --token, RASA_API_TOKEN or var/api_token.

Example:  python -m bot replay tests/test_stories.yml --url http://localhost:5005
Exit code: 0 when every story matches, 1 when any differs, 3 when no bot answers.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.cli.rasa_api import DEFAULT_URL, api_token, fetch_events, send_message, start_conversation
from bot.cli.stories import read_story_file

HELP = "play test stories against the running bot and report differences"

# Actions Rasa runs on its own; stories never list them.
IGNORED_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}


@dataclass
class Turn:
    """One user message of a story (text None: what runs before the first message) and what should follow."""

    text: Optional[str]
    intent: Optional[str] = None
    actions: List[str] = field(default_factory=list)


@dataclass
class Difference:
    """A turn where the bot did not do what the story expects."""

    number: int
    turn: Turn
    intent: Optional[str]
    actions: List[str]
    bot_text: List[str]


@dataclass
class StoryResult:
    """The outcome of one story."""

    name: str
    sender: str
    differences: List[Difference] = field(default_factory=list)
    problem: Optional[str] = None

    @property
    def passed(self) -> bool:
        """Returns True when the bot did what the story says at every turn."""
        return not self.differences and self.problem is None


def story_turns(story_step: Any) -> Tuple[List[Turn], Optional[str]]:
    """Returns the story's turns, and why it cannot be replayed (or None)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    turns = [Turn(text=None)]
    for event in story_step.events:
        if isinstance(event, list):  # an `or:` of user messages: play the first with text
            event = next((option for option in event if isinstance(option, UserUttered) and option.text), None)
            if event is None:
                return turns, f"turn {len(turns)}: an 'or:' without user text cannot be sent"
        if isinstance(event, UserUttered):
            if not event.text:
                return turns, (f"turn {len(turns)}: 'intent: {event.intent_name}' has no 'user:' "
                               "text to send (the bot ignores typed /intent payloads)")
            turns.append(Turn(text=event.text, intent=event.intent_name))
        elif isinstance(event, ActionExecuted) and event.action_name:
            if event.action_name not in IGNORED_ACTIONS:
                turns[-1].actions.append(event.action_name)
    return turns, None


def what_happened(events: List[Dict[str, Any]]) -> Tuple[Optional[str], List[str]]:
    """Returns the intent of the first user message among the events, and the actions that ran."""
    intent = next(((event.get("parse_data") or {}).get("intent", {}).get("name")
                   for event in events if event.get("event") == "user"), None)
    actions = [event["name"] for event in events
               if event.get("event") == "action" and event.get("name") not in IGNORED_ACTIONS]
    return intent, actions


def replay_story(story_step: Any, server: str, token: Optional[str]) -> StoryResult:
    """Plays one story as a new conversation; returns where the bot differed."""
    turns, problem = story_turns(story_step)
    if problem:
        return StoryResult(story_step.block_name, "", problem=problem)
    conversation = start_conversation(server)
    result = StoryResult(story_step.block_name, conversation.sender)
    events = fetch_events(server, result.sender, token)
    for number, turn in enumerate(turns):
        bot_text: List[str] = []
        if turn.text is None:
            if not turn.actions:
                continue  # the story expects nothing before the first message
            new_events = events
        else:
            replies = send_message(server, conversation, turn.text)
            bot_text = [reply["text"] for reply in replies if reply.get("text")]
            after = fetch_events(server, result.sender, token)
            new_events, events = after[len(events):], after
        intent, actions = what_happened(new_events)
        wrong_intent = turn.intent is not None and intent != turn.intent
        if wrong_intent or actions != turn.actions:
            result.differences.append(Difference(number, turn, intent, actions, bot_text))
    return result


def report(result: StoryResult) -> str:
    """Returns the story's outcome as text, turn by turn where it differs."""
    lines = [f"{'PASS' if result.passed else 'FAIL'}  {result.name}"]
    if result.problem:
        lines.append(f"      cannot replay: {result.problem}")
    for difference in result.differences:
        turn = difference.turn
        said = f'user: "{turn.text}"' if turn.text is not None else "before the first message"
        lines.append(f"      turn {difference.number}, {said}")
        if turn.text is not None and turn.intent is not None:
            mark = "" if difference.intent == turn.intent else "   <- differs"
            lines.append(f"        intent   expected {turn.intent}, got {difference.intent}{mark}")
        mark = "" if difference.actions == turn.actions else "   <- differs"
        lines.append(f"        expected actions: {', '.join(turn.actions) or '(none)'}")
        lines.append(f"        actual actions:   {', '.join(difference.actions) or '(none)'}{mark}")
        for text in difference.bot_text:
            lines.append(f"        bot said: {' '.join(text.split())}")
    if not result.passed:
        lines.append(f"      conversation id: {result.sender}")
    return "\n".join(lines)


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the stories file, --url and --token."""
    parser.add_argument("stories", type=Path, metavar="STORIES.yml", help="Rasa test stories file")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"Rasa server (default {DEFAULT_URL})")
    parser.add_argument("--token", help="HTTP API token (default: RASA_API_TOKEN or var/api_token)")


def run(args: argparse.Namespace) -> int:
    """Replays every story in the file and prints a summary; returns the exit code."""
    from rasa.shared.core.training_data.structures import RuleStep

    stories = [step for step in read_story_file(args.stories) if not isinstance(step, RuleStep)]
    if not stories:
        print(f"{args.stories} has no stories to replay.")
        return 1
    token = api_token(args.token)
    results = []
    for story in stories:
        result = replay_story(story, args.url, token)
        print(report(result), flush=True)
        results.append(result)
    passed = sum(result.passed for result in results)
    print(f"\n{len(results)} stories, {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1
