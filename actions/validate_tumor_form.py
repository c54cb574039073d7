"""Validates the tumor form's answers and asks only the facts the knowledge base still needs."""
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.slots_to_facts import FACT_SLOTS, UNKNOWN, facts_from_slots, system_from_slots
from knowledge import query


# Facts the extractor marks "unknown" only when the patient names them ("I don't know the
# size"); a vaguer doubt about spread answers whatever spread question was asked.
NAMED_DOUBTS = ("size_cm", "grade")
# Replies meant as an answer to the form's question; a question or a safety message is not a miss.
ANSWER_INTENTS = ("inform", "affirm", "deny", "out_of_scope", "correct")
# After this many replies that did not answer a question, the fact is left open.
MAX_MISSES = 2
MISSES_SLOT = "unanswered_count"


def _shown(value: Any) -> Text:
    """Returns a value as the patient wrote it: 7 rather than 7.0."""
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


class ValidateTumorForm(FormValidationAction):
    """Checks each tumor fact; a bad value is re-asked with what is expected."""

    def name(self) -> Text:
        """Returns the action name Rasa calls."""
        return "validate_tumor_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Returns the site, the facts that could still change the answer, and any fact just given.

        Facts given in this message are listed too, so that they are validated even when
        the answer does not depend on them.
        """
        needed = query.facts_needed_for(
            tracker.get_slot("question") or "stage",
            system_from_slots(tracker.slots),
            stated_stage=tracker.get_slot("stated_stage"),
            **facts_from_slots(tracker.slots),
        )
        just_given = [name for name in tracker.slots_to_validate() if name in FACT_SLOTS]
        return list(dict.fromkeys(["site", *needed, *just_given]))

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Returns the validated slots, undoing an "I don't know" that was about another fact.

        "I don't know the size", said while the bot asked about the extent, fills the
        extent with "unknown" through the requested slot's dont_know mapping; the extractor
        shows it was the size, so the extent stays open and is asked again.
        """
        events = await super().get_validation_events(dispatcher, tracker, domain)
        events = self.handle_misses(events, dispatcher, tracker)
        requested = tracker.get_slot("requested_slot")
        doubted = {e.get("entity") for e in tracker.latest_message.get("entities", [])
                   if e.get("value") == UNKNOWN and e.get("entity") in NAMED_DOUBTS}
        misread = SlotSet(requested, UNKNOWN)
        if not doubted or requested in doubted or misread not in events:
            return events
        dispatcher.utter_message(response="utter_other_fact_left_open")
        return [SlotSet(requested, None) if event == misread else event for event in events]

    @staticmethod
    def handle_misses(events: List[EventType], dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Returns the events, counting a reply that did not answer the question asked.

        A place that could be several sites ("abdomen") gets one question that explains the
        choices (actions/ask_site.py); after MAX_MISSES replies that did not answer, the fact is left open (the
        answer then gives every stage still possible) instead of asking a third time.
        """
        requested = tracker.get_slot("requested_slot")
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answered = any(e.get("name") == requested and e.get("value") is not None for e in events)
        if not requested or answered:
            return events + [SlotSet(MISSES_SLOT, 0)] if tracker.get_slot(MISSES_SLOT) else events
        if intent not in ANSWER_INTENTS:
            return events
        misses = int(tracker.get_slot(MISSES_SLOT) or 0) + 1
        if misses >= MAX_MISSES:
            dispatcher.utter_message(response=f"utter_left_open_{requested}")
            return events + [SlotSet(requested, UNKNOWN), SlotSet(MISSES_SLOT, 0)]
        unclear = any(e.get("entity") == "site_unclear" for e in tracker.latest_message.get("entities", []))
        if not (requested == "site" and unclear):
            # After "abdomen", action_ask_site explains the choices instead of repeating itself.
            dispatcher.utter_message(response="utter_value_not_understood")
        return events + [SlotSet(MISSES_SLOT, misses)]

    def validate_size_cm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Returns the size in cm, or None after asking again when it is impossible."""
        if value == UNKNOWN:
            return {"size_cm": UNKNOWN}
        try:
            size = query.normalize_fact("size_cm", value)
        except query.InvalidFact:
            dispatcher.utter_message(response="utter_invalid_size", size=_shown(value))
            return {"size_cm": None}
        if tracker.get_slot("size_uncertain"):
            dispatcher.utter_message(response="utter_size_uncertain", size=f"{size:g}")
        return {"size_cm": size}

    def validate_grade(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Returns the grade as "1", "2", "3", "X", "high" or "low", or None after asking again."""
        if value == UNKNOWN:
            return {"grade": UNKNOWN}
        try:
            grade = query.normalize_fact("grade", value)
        except query.InvalidFact:
            dispatcher.utter_message(response="utter_invalid_grade", grade=_shown(value))
            return {"grade": None}
        if grade == "high":
            dispatcher.utter_message(response="utter_high_grade_note")
        return {"grade": grade}
