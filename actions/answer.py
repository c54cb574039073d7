"""Answers the patient's tumor question (stage, treatment, recurrence, survival) once the form is done."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tumor_facts import facts_from_slots, system_from_slots
from knowledge import query


def say_stage(dispatcher: CollectingDispatcher, result: "query.StageResult") -> None:
    """Utters the stage (or every stage still possible), which rule applied, its source and the 8th-edition note."""
    source_line = query.Answer("", query.staging_sources(result.system)).source_line
    if result.stage:
        dispatcher.utter_message(response="utter_stage_single", stage=result.stage,
                                 explanation=result.explanation, source_line=source_line)
    elif result.possible_stages:
        dispatcher.utter_message(response="utter_stage_possible", explanation=result.explanation,
                                 source_line=source_line)
        dispatcher.utter_message(response="utter_where_to_find_facts")
    else:
        dispatcher.utter_message(response="utter_stage_none", explanation=result.explanation,
                                 source_line=source_line)
    if result.edition_note:
        dispatcher.utter_message(response="utter_edition_note", note=result.edition_note)


def say_answer(dispatcher: CollectingDispatcher, answer: "query.Answer") -> None:
    """Utters a knowledge-base answer with its source line."""
    dispatcher.utter_message(response="utter_answer_with_source",
                             answer=answer.text, source_line=answer.source_line)


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
            say_stage(dispatcher, result)
            if question == "treatment":
                stage = query.treatment_stage(result)
                say_answer(dispatcher, query.treatment_for(stage, result.system, facts["site"]))
            elif question == "survival":
                say_answer(dispatcher, query.survival_for(facts["site"], result.stage, result.system))
            if question in ("treatment", "survival"):
                dispatcher.utter_message(response="utter_not_medical_advice")
        dispatcher.utter_message(response="utter_offer_next")
        return [SlotSet("stage", result.stage)]
