"""action_answer_question maps the answer plan (knowledge.answering) to responses and slots."""
from rasa_sdk.events import SlotSet

from actions.answer_question import TUMOR_QUESTION_OF_INTENT, ActionAnswerQuestion
from knowledge import query
from tests.actions.conftest import make_tracker, responses

ACTION = ActionAnswerQuestion()


async def ask(dispatcher, text, intent="ask_general", slots=None, entities=None, active_loop=None):
    tracker = make_tracker(slots=slots, intent=intent, text=text, entities=entities, active_loop=active_loop)
    return await ACTION.run(dispatcher, tracker, {})


async def test_a_general_treatment_question_is_answered_then_made_specific_on_request(dispatcher):
    # Regression: "how is leiomyosarcoma treated?" started the form instead of being answered.
    events = await ask(dispatcher, "how is leiomyosarcoma treated?", intent="ask_treatment")
    assert responses(dispatcher) == ["utter_answer_with_source", "utter_not_medical_advice",
                                     "utter_offer_personal_treatment"]
    assert events == [SlotSet("question", "treatment"), SlotSet("answer_mode", "offered")]


async def test_a_question_with_tumor_facts_goes_to_the_tumor_questions(dispatcher):
    slots = {"site": "trunk_extremity", "size_cm": 8.0, "grade": "2"}
    told = [{"entity": name, "value": value} for name, value in slots.items()]
    events = await ask(dispatcher, "grade 2 sarcoma of the thigh, 8 cm, no spread. treatment?",
                       intent="ask_treatment", slots=slots, entities=told)
    assert events == [SlotSet("question", "treatment"), SlotSet("answer_mode", "personal")]
    assert responses(dispatcher) == []


async def test_a_site_and_it_make_a_staging_question_personal(dispatcher):
    events = await ask(dispatcher, "LMS was found in the fibroid they removed. what stage is it?",
                       intent="ask_stage", slots={"site": "uterus"}, entities=[{"entity": "site", "value": "uterus"}])
    assert SlotSet("answer_mode", "personal") in events


async def test_an_uncovered_condition_is_declined_with_where_to_read(dispatcher):
    # Regression: "what is Kaposi sarcoma?" got the what-is-a-sarcoma answer.
    await ask(dispatcher, "what is kaposi sarcoma?")
    text = dispatcher.messages[0].get("answer") or ""
    assert "Kaposi" in text and "cancer.gov" in text.lower()


async def test_a_question_nothing_answers_gets_no_vetted_answer(dispatcher):
    events = await ask(dispatcher, "which vacuum cleaner has the best suction?")
    assert responses(dispatcher) == ["utter_no_vetted_answer"]
    assert events == [SlotSet("answer_mode", "answered")]


async def test_during_the_form_a_question_is_answered_without_an_offer(dispatcher):
    events = await ask(dispatcher, "how is leiomyosarcoma treated?", intent="ask_treatment",
                       active_loop="tumor_form")
    assert "utter_offer_personal_treatment" not in responses(dispatcher)
    assert events == [SlotSet("answer_mode", "answered")]


def test_every_offer_the_action_can_make_exists(domain):
    for question in set(TUMOR_QUESTION_OF_INTENT.values()):
        assert f"utter_offer_personal_{question}" in domain["responses"]


async def test_a_follow_up_about_something_else_is_not_answered_for_the_tumour(dispatcher):
    # Regression (found by the benchmark): after the tumour questions, "is it hereditary?" read
    # as a survival question got a survival answer for the patient's tumour.
    slots = {"site": "trunk_extremity", "size_cm": 6.0, "grade": "2", "nodes": "no", "metastasis": "no"}
    events = await ask(dispatcher, "is it hereditary?", intent="ask_survival", slots=slots)
    assert SlotSet("answer_mode", "personal") not in events
    # A follow-up that is the survival question still is.
    events = await ask(dispatcher, "what are my chances?", intent="ask_survival", slots=slots)
    assert SlotSet("answer_mode", "personal") in events
    # And facts given in the message itself keep "facts and a question" personal.
    events = await ask(dispatcher, "is it hereditary? it's 6 cm", intent="ask_survival", slots=slots,
                       entities=[{"entity": "size_cm", "value": 6.0}])
    assert SlotSet("answer_mode", "personal") in events


async def test_a_question_near_one_entry_is_declined_with_that_entry_offered_as_a_choice(dispatcher):
    # Below the answering threshold the router is often right, but not often enough to answer:
    # the person is offered the nearest topic and chooses.
    events = await ask(dispatcher, "how many ppl get leiomyosarcoma a year")
    assert responses(dispatcher) == ["utter_no_vetted_answer_nearest_topic"]
    question = query.entry("how_common").question
    assert dispatcher.messages[0]["buttons"] == [{"title": question, "payload": question}]
    assert events == [SlotSet("answer_mode", "answered")]


async def test_a_question_between_two_entries_offers_both(dispatcher):
    await ask(dispatcher, "how do i look for lms trials")
    assert responses(dispatcher) == ["utter_no_vetted_answer_nearest_topics"]
    offered = {button["payload"] for button in dispatcher.messages[0]["buttons"]}
    assert offered == {query.entry("trial_search").question, query.entry("clinical_trials").question}
