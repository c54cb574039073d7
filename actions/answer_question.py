"""Answers a question from the knowledge base, or hands it to the tumour questions (knowledge.answering decides)."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.slots_to_facts import facts_from_slots
from knowledge import answering

# The tumour question each intent asks; any other question intent asks none.
TUMOR_QUESTION_OF_INTENT = {
    "ask_stage": "stage", "ask_ajcc8": "stage", "ask_treatment": "treatment",
    "ask_survival": "survival", "ask_recurrence": "recurrence",
}
FORM = "tumor_form"


class ActionAnswerQuestion(Action):
    """Answers the question asked: an entry, a general answer with an offer, or no vetted answer."""

    def name(self) -> Text:
        """Returns the action name Rasa calls."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Returns the answer_mode slot (personal starts the tumour questions) and the question slot."""
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name") or ""
        facts = facts_from_slots(tracker.slots)
        stated = tracker.get_slot("stated_stage")
        in_form = tracker.active_loop_name == FORM
        told_now = any(entity.get("entity") in facts for entity in message.get("entities") or [])
        plan = answering.plan_question(message.get("text") or "", TUMOR_QUESTION_OF_INTENT.get(intent),
                                       facts, stated, may_personalise=not in_form, facts_in_message=told_now)
        if plan.action == answering.PERSONALISE:
            return [SlotSet("question", plan.question), SlotSet("answer_mode", "personal")]
        if plan.action == answering.DECLINE and plan.suggestions:
            # The buttons are the entries' own questions (knowledge data); pressing one sends it.
            one = len(plan.suggestions) == 1
            dispatcher.utter_message(
                response="utter_no_vetted_answer_nearest_topic" if one else "utter_no_vetted_answer_nearest_topics",
                buttons=[{"title": entry.question, "payload": entry.question} for entry in plan.suggestions])
            return [SlotSet("answer_mode", "answered")]
        if plan.action == answering.DECLINE:
            dispatcher.utter_message(response="utter_no_vetted_answer")
            return [SlotSet("answer_mode", "answered")]
        if plan.action == answering.ANSWER_ENTRY:
            dispatcher.utter_message(response="utter_answer_with_source", answer=plan.entry.answer,
                                     source_line=plan.entry.source_line)
            return [SlotSet("answer_mode", "answered")]
        answer = answering.general_answer(plan.question, facts["site"], stated)
        dispatcher.utter_message(response="utter_answer_with_source", answer=answer.text,
                                 source_line=answer.source_line)
        if plan.question != "stage":
            dispatcher.utter_message(response="utter_not_medical_advice")
        if in_form:
            return [SlotSet("answer_mode", "answered")]
        dispatcher.utter_message(response=f"utter_offer_personal_{plan.question}")
        return [SlotSet("question", plan.question), SlotSet("answer_mode", "offered")]
