"""Answers a general question (intent topic_<name>) from the knowledge base."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge import query

TOPIC_INTENT_PREFIX = "topic_"


class ActionAnswerTopic(Action):
    """Sends the knowledge base's text for the topic the intent names, with its source."""

    def name(self) -> Text:
        """Returns the action name Rasa calls."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Returns no events; utters the topic's answer."""
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if not intent.startswith(TOPIC_INTENT_PREFIX):
            dispatcher.utter_message(response="utter_default")
            return []
        answer = query.topic(intent[len(TOPIC_INTENT_PREFIX):])
        dispatcher.utter_message(
            response="utter_answer_with_source", answer=answer.text, source_line=answer.source_line
        )
        return []
