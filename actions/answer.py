"""Answers the patient's tumor question (stage, treatment, recurrence, survival) once the form is done."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.slots_to_facts import facts_from_slots, system_from_slots
from knowledge import answering, query


# What the answer says about a stage the person was given (knowledge.answering.stage_basis).
NOTE_RESPONSES = {"stated_stage_used": "utter_stated_stage_used", "stated_stage_differs": "utter_stated_stage_differs"}


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
        """Returns answer_mode "answered"; utters the answer, its source, the not-a-doctor reminder and follow-ups."""
        facts = facts_from_slots(tracker.slots)
        system = system_from_slots(tracker.slots)
        question = tracker.get_slot("question") or "stage"
        result = query.stage_case(system, **facts)
        plan = answering.stage_basis(result, tracker.get_slot("stated_stage"), question)
        if plan.note:
            dispatcher.utter_message(response=NOTE_RESPONSES[plan.note], stated=plan.stated, stage=result.stage
                                     or plan.stated, system=query.system_label(result.system))
        basis = plan.result

        if question == "recurrence":
            say_answer(dispatcher, query.recurrence_for(facts["site"]))
        elif question == "survival":
            # The figures cover every group; a known stage is stated so its group can be marked.
            if result.stage:
                say_stage(dispatcher, result)
            say_answer(dispatcher, query.survival_for(facts["site"], basis.stage, basis.system))
            if not basis.stage:
                dispatcher.utter_message(response="utter_survival_stage_hint")
        else:
            if basis is result:
                say_stage(dispatcher, result)
            if question == "treatment":
                stage = query.treatment_stage(basis)
                say_answer(dispatcher, query.treatment_for(stage, basis.system, facts["site"]))
        dispatcher.utter_message(response="utter_not_medical_advice")
        dispatcher.utter_message(response="utter_offer_next")
        return [SlotSet("answer_mode", "answered")]
