"""The tumor form asks only what the applicable staging system needs, and re-asks bad values."""
import pytest
from rasa_sdk.events import SlotSet

from actions.validate_tumor_form import ValidateTumorForm
from tests.actions.conftest import make_tracker, responses

FORM = ValidateTumorForm()


async def required(slots, **kwargs):
    tracker = make_tracker(slots=slots, active_loop="tumor_form", **kwargs)
    return await FORM.required_slots([], None, tracker, {})


async def test_a_new_stage_question_asks_the_site_then_the_ajcc_facts():
    assert await required({"question": "stage"}) == ["site", "size_cm", "grade", "nodes", "metastasis"]


async def test_uterine_tumors_are_asked_the_figo_facts_only():
    needed = await required({"question": "stage", "site": "uterus"})
    assert needed[0] == "site"
    assert set(needed[1:]) == {"extent", "size_cm"}
    assert "grade" not in needed and "nodes" not in needed


async def test_known_distant_spread_needs_nothing_more():
    assert await required({"question": "stage", "site": "trunk_extremity", "metastasis": "yes"}) == ["site"]


async def test_facts_from_the_opening_message_are_not_asked_again():
    slots = {"question": "stage", "site": "trunk_extremity", "size_cm": 7.0, "grade": "3"}
    # more than 5 cm and grade 3 is stage III with or without node spread: only distant spread matters
    assert await required(slots) == ["site", "metastasis"]
    tracker = make_tracker(slots=slots, active_loop="tumor_form")
    event = await FORM.next_requested_slot(None, tracker, {})
    assert event == SlotSet("requested_slot", "metastasis")


async def test_a_filled_fact_is_skipped_when_the_next_question_is_chosen():
    slots = {"question": "stage", "site": "trunk_extremity", "size_cm": 4.0}
    tracker = make_tracker(slots=slots, active_loop="tumor_form")
    event = await FORM.next_requested_slot(None, tracker, {})
    assert event == SlotSet("requested_slot", "grade")


async def test_recurrence_needs_only_the_site():
    assert await required({"question": "recurrence"}) == ["site"]


async def test_treatment_does_not_ask_the_size_when_every_possible_stage_is_treated_alike():
    # grade 3 with no spread is IIA (5 cm or less) or III (larger): both are treated as stage II-III
    slots = {"question": "treatment", "site": "trunk_extremity", "grade": "3",
             "nodes": "no", "metastasis": "no"}
    assert await required(slots) == ["site"]


async def test_a_fact_just_given_is_validated_even_when_not_needed():
    tracker = make_tracker(slots={"question": "stage", "site": "trunk_extremity", "metastasis": "yes"},
                           active_loop="tumor_form")
    tracker.events.append({"event": "slot", "name": "size_cm", "value": 900.0})
    assert "size_cm" in await FORM.required_slots([], None, tracker, {})


@pytest.mark.parametrize("value", [0.0, -3.0, 900.0, "big"])
def test_an_impossible_size_is_asked_again(value, dispatcher):
    assert FORM.validate_size_cm(value, dispatcher, make_tracker(), {}) == {"size_cm": None}
    assert responses(dispatcher) == ["utter_invalid_size"]
    assert ".0" not in dispatcher.messages[0]["size"]  # "0 cm", not "0.0 cm"


@pytest.mark.parametrize("value, expected", [(6.0, 6.0), (5, 5.0), (0.4, 0.4), ("unknown", "unknown")])
def test_a_believable_size_is_kept(value, expected, dispatcher):
    assert FORM.validate_size_cm(value, dispatcher, make_tracker(), {}) == {"size_cm": expected}
    assert responses(dispatcher) == []


def test_a_range_is_used_with_its_larger_value_and_said_so(dispatcher):
    tracker = make_tracker(slots={"size_uncertain": True})
    assert FORM.validate_size_cm(7.0, dispatcher, tracker, {}) == {"size_cm": 7.0}
    assert responses(dispatcher) == ["utter_size_uncertain"]
    assert dispatcher.messages[0]["size"] == "7"


@pytest.mark.parametrize("value", [7.0, 0.0, "7", "purple"])
def test_an_impossible_grade_is_asked_again(value, dispatcher):
    assert FORM.validate_grade(value, dispatcher, make_tracker(), {}) == {"grade": None}
    assert responses(dispatcher) == ["utter_invalid_grade"]


@pytest.mark.parametrize("value, expected", [(3.0, "3"), ("2", "2"), ("X", "X"), ("low", "low"),
                                             ("unknown", "unknown")])
def test_a_real_grade_is_kept(value, expected, dispatcher):
    assert FORM.validate_grade(value, dispatcher, make_tracker(), {}) == {"grade": expected}


def test_high_grade_is_explained_as_two_or_three(dispatcher):
    assert FORM.validate_grade("high", dispatcher, make_tracker(), {}) == {"grade": "high"}
    assert responses(dispatcher) == ["utter_high_grade_note"]


def _answer_tracker(requested, slot_events, entities, slots):
    tracker = make_tracker(slots={**slots, "requested_slot": requested}, intent="dont_know",
                           entities=entities, active_loop="tumor_form")
    tracker.events.extend([{"event": "action", "name": "tumor_form"}, {"event": "user", "text": "..."}]
                          + [{"event": "slot", "name": n, "value": v} for n, v in slot_events])
    return tracker


async def test_i_dont_know_the_size_while_asked_the_extent_keeps_the_extent_open(dispatcher, domain):
    # Regression: "i dont know the size", said when the bot asked how far the tumour reaches,
    # filled the extent with "unknown" and the extent was never asked.
    slots = {"question": "stage", "site": "uterus", "extent": "unknown", "size_cm": "unknown"}
    tracker = _answer_tracker("extent", [("extent", "unknown"), ("size_cm", "unknown")],
                              [{"entity": "size_cm", "value": "unknown"}], slots)
    events = await FORM.get_validation_events(dispatcher, tracker, domain)
    assert SlotSet("extent", None) in events and SlotSet("size_cm", "unknown") in events
    assert responses(dispatcher) == ["utter_other_fact_left_open"]


async def test_a_plain_i_dont_know_answers_the_question_that_was_asked(dispatcher, domain):
    slots = {"question": "stage", "site": "uterus", "extent": "unknown"}
    tracker = _answer_tracker("extent", [("extent", "unknown")], [], slots)
    assert SlotSet("extent", "unknown") in await FORM.get_validation_events(dispatcher, tracker, domain)
    assert responses(dispatcher) == []


async def test_a_vague_doubt_about_spread_still_answers_the_extent(dispatcher, domain):
    slots = {"question": "stage", "site": "uterus", "extent": "unknown", "nodes": "unknown"}
    tracker = _answer_tracker("extent", [("extent", "unknown"), ("nodes", "unknown")],
                              [{"entity": "nodes", "value": "unknown"}], slots)
    assert SlotSet("extent", "unknown") in await FORM.get_validation_events(dispatcher, tracker, domain)


async def test_a_fact_and_a_named_doubt_in_one_answer_need_no_apology(dispatcher, domain):
    # "grade 3 but not sure of the size", asked the grade: nothing was misread, nothing to say.
    slots = {"question": "stage", "site": "trunk_extremity", "grade": "3", "size_cm": "unknown"}
    tracker = _answer_tracker("grade", [("grade", "3"), ("size_cm", "unknown")],
                              [{"entity": "grade", "value": "3"}, {"entity": "size_cm", "value": "unknown"}], slots)
    events = await FORM.get_validation_events(dispatcher, tracker, domain)
    assert SlotSet("grade", "3") in events and SlotSet("size_cm", "unknown") in events
    assert responses(dispatcher) == []


def _unanswered_tracker(requested, text, entities, slots=None, intent="inform"):
    tracker = make_tracker(slots={"question": "stage", **(slots or {}), "requested_slot": requested},
                           intent=intent, text=text, entities=entities, active_loop="tumor_form")
    tracker.events.extend([{"event": "action", "name": "tumor_form"}, {"event": "user", "text": text}])
    return tracker


async def test_abdomen_gets_one_question_that_explains_the_choices(dispatcher, domain):
    # Regression: "abdomen" was answered with "let me ask again" and the same question, ten times.
    from actions.ask_site import ActionAskSite

    tracker = _unanswered_tracker("site", "abdomen", [{"entity": "site_unclear", "value": "abdomen"}])
    events = await FORM.get_validation_events(dispatcher, tracker, domain)
    assert responses(dispatcher) == [] and SlotSet("unanswered_count", 1) in events
    await ActionAskSite().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_clarify_site_abdomen"]


async def test_the_site_question_is_the_plain_one_otherwise(dispatcher, domain):
    from actions.ask_site import ActionAskSite

    await ActionAskSite().run(dispatcher, _unanswered_tracker("site", "what stage is it?", []), domain)
    assert responses(dispatcher) == ["utter_ask_site"]


async def test_a_second_miss_leaves_the_fact_open_instead_of_asking_a_third_time(dispatcher, domain):
    tracker = _unanswered_tracker("site", "somewhere inside", [], slots={"unanswered_count": 1})
    events = await FORM.get_validation_events(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_left_open_site"]
    assert SlotSet("site", "unknown") in events and SlotSet("unanswered_count", 0) in events


async def test_a_question_during_the_form_is_not_counted_as_a_miss(dispatcher, domain):
    tracker = _unanswered_tracker("site", "what is gist?", [], intent="ask_general")
    assert await FORM.get_validation_events(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == []


async def test_an_answer_resets_the_miss_count(dispatcher, domain):
    tracker = _unanswered_tracker("site", "my thigh", [{"entity": "site", "value": "trunk_extremity"}],
                                  slots={"unanswered_count": 1, "site": "trunk_extremity"})
    tracker.events.append({"event": "slot", "name": "site", "value": "trunk_extremity"})
    events = await FORM.get_validation_events(dispatcher, tracker, domain)
    assert SlotSet("unanswered_count", 0) in events


def test_every_fact_the_form_asks_can_be_left_open_and_every_unclear_site_explained(domain):
    from bot.nlu.patterns_loader import load_yaml

    for slot in domain["forms"]["tumor_form"]["required_slots"]:
        assert f"utter_left_open_{slot}" in domain["responses"]
    for unclear in load_yaml("site.yml")["SITE_UNCLEAR"]:
        assert f"utter_clarify_site_{unclear}" in domain["responses"]
