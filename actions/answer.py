"""Answers the patient's tumor question (stage, treatment, recurrence, survival) once the form is done."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tumor_facts import facts_from_slots, system_from_slots
from knowledge import query


def say_stage(dispatcher: CollectingDispatcher, result: "query.StageResult",
              facts: Dict[str, Any]) -> None:
    """Utters the stage (or every stage still possible) and which rule applied."""
    system_name = query.system_name(result.system)
    if result.stage:
        dispatcher.utter_message(response="utter_stage_single", stage=result.stage,
                                 system_name=system_name, explanation=result.explanation)
    elif result.possible_stages:
        dispatcher.utter_message(response="utter_stage_possible",
                                 stages=", ".join(result.possible_stages),
                                 system_name=system_name, explanation=result.explanation)
        missing = query.missing_facts_text(result.system, **facts)
        if missing:
            dispatcher.utter_message(response="utter_missing_facts_hint", missing=missing)
    else:
        dispatcher.utter_message(response="utter_stage_none", explanation=result.explanation)
    note: Optional[str] = query.edition_note(result.system, **facts)
    if note:
        dispatcher.utter_message(response="utter_edition_note", note=note)


def say_answer(dispatcher: CollectingDispatcher, answer: "query.Answer") -> None:
    """Utters a knowledge-base answer with its source line."""
    dispatcher.utter_message(response="utter_answer_with_source",
                             text=answer.text, source_line=answer.source_line)


class ActionAnswer(Action):
    """Answers the question in the `question` slot from the facts in the tumor slots."""

    def name(self) -> Text:
        """Returns the action name Rasa calls."""
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Returns the stage slot event; utters the answer, its source and follow-ups."""
        facts = facts_from_slots(tracker.slots)
        system = system_from_slots(tracker.slots)
        question = tracker.get_slot("question") or "stage"
        result = query.stage_case(system, **facts)

        if question == "recurrence":
            say_answer(dispatcher, query.recurrence_for(facts["site"]))
        else:
            say_stage(dispatcher, result, facts)
            if question == "treatment":
                say_answer(dispatcher, query.treatment_for(result.stage, result.system, facts["site"]))
            elif question == "survival":
                say_answer(dispatcher, query.survival_for(facts["site"], result.stage, result.system))
            if question in ("treatment", "survival"):
                dispatcher.utter_message(response="utter_not_medical_advice")
        dispatcher.utter_message(response="utter_offer_next")
        return [SlotSet("stage", result.stage)]
