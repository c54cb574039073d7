"""Ask the running bot one question and print its answer, with sources, ready to paste into a forum.

The question goes over the REST channel as a new conversation that the server starts,
so the answer is exactly what a patient asking the same words would see.

Example:
  python -m bot ask "What is leiomyosarcoma?"
  python -m bot ask "How is stage I treated?" --json
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict, List

from bot.cli import CommandError
from bot.cli.rasa_api import DEFAULT_URL, send_message, start_conversation

HELP = "ask the running bot a question and print its answer"


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds the question, --json and --url."""
    parser.add_argument("question", help="the question, in quotes")
    parser.add_argument("--json", action="store_true", help="print the raw bot messages as JSON")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"Rasa server (default {DEFAULT_URL})")


def format_answer(messages: List[Dict[str, Any]]) -> str:
    """Returns the bot's messages as plain text, with button titles listed as follow-up questions."""
    parts: List[str] = []
    follow_ups: List[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"].strip())
        if message.get("image"):
            parts.append(f"Image: {message['image']}")
        follow_ups.extend(button["title"] for button in message.get("buttons") or [] if button.get("title"))
    if follow_ups:
        parts.append("Follow-up questions: " + "; ".join(follow_ups))
    return "\n\n".join(parts)


def run(args: argparse.Namespace) -> int:
    """Sends the question and prints the answer; returns the exit code."""
    question = args.question.strip()
    if not question:
        raise CommandError("The question is empty. Example: python -m bot ask \"What is LMS?\"", 2)
    conversation = start_conversation(args.url)
    messages = send_message(args.url, conversation, question)
    if args.json:
        print(json.dumps({"question": question, "answer": messages, "sender": conversation.sender},
                         indent=2, ensure_ascii=False))
        return 0
    if not messages:
        raise CommandError(
            "The bot sent no reply. Check the action server's output "
            "(a failing custom action answers nothing)."
        )
    print(format_answer(messages))
    return 0
