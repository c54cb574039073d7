"""The answers come from the knowledge base, with the stage, the rule and the source."""
from rasa_sdk.events import SlotSet

from actions.answer import ActionAnswer
from actions.answer_question import ActionAnswerQuestion
from actions.fallback import ActionFallback
from tests.actions.conftest import make_tracker, responses

THIGH_6CM_G3 = {"site": "trunk_extremity", "size_cm": 6.0, "grade": "3", "nodes": "no", "metastasis": "no"}


ANSWERED = [SlotSet("answer_mode", "answered")]


async def answer(slots, dispatcher):
    return await ActionAnswer().run(dispatcher, make_tracker(slots=slots), {})


def stage_said(dispatcher):
    """Returns the single stage the answer named, or None when it named none."""
    return next((m["stage"] for m in dispatcher.messages if m.get("response") == "utter_stage_single"), None)


async def test_a_single_stage_names_the_rule_and_the_8th_edition(dispatcher):
    events = await answer({**THIGH_6CM_G3, "question": "stage"}, dispatcher)
    assert events == ANSWERED and stage_said(dispatcher) == "III"
    # Stage answers carry the not-a-doctor reminder too (clinical review).
    assert responses(dispatcher) == ["utter_stage_single", "utter_edition_note", "utter_not_medical_advice",
                                     "utter_offer_next"]
    first = dispatcher.messages[0]
    assert first["stage"] == "III"
    assert "5 cm" in first["explanation"] and "grade 3" in first["explanation"]
    assert "IIIA" in dispatcher.messages[1]["note"]


async def test_exactly_5_cm_grade_1_is_stage_ia(dispatcher):
    slots = {**THIGH_6CM_G3, "size_cm": 5.0, "grade": "1", "question": "stage"}
    assert await answer(slots, dispatcher) == ANSWERED
    assert stage_said(dispatcher) == "IA"


async def test_an_unknown_grade_gives_every_possible_stage_and_where_to_look(dispatcher):
    slots = {**THIGH_6CM_G3, "grade": "unknown", "question": "stage"}
    assert await answer(slots, dispatcher) == ANSWERED
    assert stage_said(dispatcher) is None
    assert responses(dispatcher)[:2] == ["utter_stage_possible", "utter_where_to_find_facts"]
    text = dispatcher.messages[0]["explanation"]
    for stage in ("IB", "IIB", "III"):
        assert stage in text


async def test_treatment_at_stage_iv_is_the_stage_iv_guidance(dispatcher):
    slots = {"site": "trunk_extremity", "metastasis": "yes", "question": "treatment"}
    assert await answer(slots, dispatcher) == ANSWERED
    assert stage_said(dispatcher) == "IV"
    names = responses(dispatcher)
    assert names[0] == "utter_stage_single"
    treatment = dispatcher.messages[names.index("utter_answer_with_source")]
    assert "doxorubicin" in treatment["answer"].lower()
    assert treatment["source_line"].startswith("Source:")
    assert "utter_not_medical_advice" in names


async def test_a_uterine_patient_hears_the_uterine_recurrence_figure(dispatcher):
    await answer({"site": "uterus", "question": "recurrence"}, dispatcher)
    text = dispatcher.messages[0]["answer"]
    assert "70%" in text and "40%" not in text.split("70%")[0]


async def test_recurrence_elsewhere_is_about_40_percent(dispatcher):
    await answer({"site": "trunk_extremity", "question": "recurrence"}, dispatcher)
    assert "40%" in dispatcher.messages[0]["answer"]


async def test_survival_for_distant_uterine_lms_marks_the_distant_figure(dispatcher):
    slots = {"site": "uterus", "extent": "distant", "question": "survival"}
    assert await answer(slots, dispatcher) == ANSWERED
    assert stage_said(dispatcher) == "IVB"
    survival = next(m for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert "12%" in survival["answer"] and "60%" in survival["answer"]
    assert "American Cancer Society" in survival["source_line"]


async def test_a_general_question_answers_its_entry_with_its_source(dispatcher):
    tracker = make_tracker(intent="ask_general", text="what is a gist")
    assert await ActionAnswerQuestion().run(dispatcher, tracker, {}) == ANSWERED
    assert responses(dispatcher) == ["utter_answer_with_source"]
    assert "GIST" in dispatcher.messages[0]["answer"]


def _fallback_event(intent):
    return {"event": "user", "text": "??", "parse_data": {"intent": {"name": intent}}}


async def test_the_first_fallback_asks_to_rephrase_and_the_second_offers_a_menu(dispatcher):
    tracker = make_tracker(intent="nlu_fallback")
    tracker.events.extend([_fallback_event("greet"), _fallback_event("nlu_fallback")])
    await ActionFallback().run(dispatcher, tracker, {})
    tracker.events.append(_fallback_event("nlu_fallback"))
    await ActionFallback().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_rephrase", "utter_fallback_menu"]


def test_every_response_the_actions_use_exists_in_the_domain(domain):
    import re
    from pathlib import Path

    used = set()
    for path in Path("actions").glob("*.py"):
        used |= set(re.findall(r'response="(utter_\w+)"', path.read_text()))
    assert used, "no responses found"
    assert used <= set(domain["responses"])


async def test_answers_fill_the_response_template_instead_of_replacing_it(dispatcher):
    # Regression: passing the answer as `text=` made Rasa send it bare, without the source line.
    tracker = make_tracker(intent="ask_general", text="how do i cope with this diagnosis")
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["text"] is None and message["response"] == "utter_answer_with_source"
    assert message["answer"] and message["source_line"].startswith("Source:")


async def test_treatment_is_specific_when_every_possible_stage_is_treated_alike(dispatcher):
    # size unknown, grade 3, no spread: IIA or III, both treated as stages II-III
    slots = {**THIGH_6CM_G3, "size_cm": "unknown", "question": "treatment"}
    assert await answer(slots, dispatcher) == ANSWERED
    assert stage_said(dispatcher) is None
    treatment = next(m for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert "II-III" in treatment["answer"] and "Stage IV" not in treatment["answer"]


async def test_a_stage_answer_names_the_staging_source(dispatcher):
    await answer({**THIGH_6CM_G3, "question": "stage"}, dispatcher)
    source_line = dispatcher.messages[0]["source_line"]
    assert source_line.startswith("Source: AJCC Cancer Staging Manual, 7th edition (2010)")


async def test_possible_stages_and_figo_stages_name_their_source_too(dispatcher):
    await answer({**THIGH_6CM_G3, "grade": "unknown", "question": "stage"}, dispatcher)
    await answer({"site": "uterus", "size_cm": 4.0, "extent": "uterus", "question": "stage"}, dispatcher)
    lines = [m["source_line"] for m in dispatcher.messages if m.get("response", "").startswith("utter_stage_")]
    assert len(lines) == 2 and "AJCC" in lines[0] and "FIGO" in lines[1]


async def test_survival_with_only_the_site_gives_the_figures_without_a_stage(dispatcher):
    # Regression: "what is the survival rate for uterine LMS?" used to start the FIGO
    # questions, although the figures are the same table whatever the stage.
    await answer({"site": "uterus", "question": "survival"}, dispatcher)
    names = responses(dispatcher)
    assert not any(name.startswith("utter_stage_") for name in names)
    assert names[:2] == ["utter_answer_with_source", "utter_survival_stage_hint"]
    assert "60%" in dispatcher.messages[0]["answer"] and "12%" in dispatcher.messages[0]["answer"]


def test_survival_and_recurrence_questions_need_no_staging_facts():
    from knowledge import query
    for question in ("survival", "recurrence"):
        assert query.facts_needed_for(question, None, "uterus") == []
        assert query.facts_needed_for(question, None, "trunk_extremity", size_cm=6.0) == []
    assert query.facts_needed_for("treatment", None, "trunk_extremity") != []


# --- a stage the care team already gave (stated_stage) --------------------------------------

async def test_a_stated_stage_answers_treatment_without_the_tumor_facts(dispatcher):
    events = await answer({"site": "trunk_extremity", "stated_stage": "III", "question": "treatment"}, dispatcher)
    assert events == ANSWERED and stage_said(dispatcher) is None
    names = responses(dispatcher)
    assert names[0] == "utter_stated_stage_used" and "utter_stage_possible" not in names
    assert dispatcher.messages[0]["stage"] == "III" and "AJCC 7th edition" in dispatcher.messages[0]["system"]
    treatment = dispatcher.messages[names.index("utter_answer_with_source")]["answer"]
    assert treatment.startswith("Stage II-III")


async def test_a_stated_figo_stage_iii_covers_iiia_to_iiic(dispatcher):
    await answer({"site": "uterus", "stated_stage": "III", "question": "treatment"}, dispatcher)
    treatment = next(m["answer"] for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert "FIGO stages II to IVA" in treatment


async def test_a_stated_stage_iv_for_the_uterus_is_not_guessed_between_iva_and_ivb(dispatcher):
    # IVA and IVB are treated differently, so the overview is given rather than a guess.
    await answer({"site": "uterus", "stated_stage": "IV", "question": "treatment"}, dispatcher)
    treatment = next(m["answer"] for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert treatment.startswith("Treatment depends mostly on the stage")


async def test_a_stated_stage_the_system_lacks_is_said_plainly(dispatcher):
    await answer({"site": "trunk_extremity", "stated_stage": "IIIC", "question": "treatment"}, dispatcher)
    treatment = next(m["answer"] for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert "Stage IIIC is not a stage in AJCC 7th edition" in treatment
    assert "utter_stated_stage_used" not in responses(dispatcher)  # it would say "this is about stage IIIC"


async def test_facts_that_fit_another_stage_win_and_the_difference_is_named(dispatcher):
    await answer({**THIGH_6CM_G3, "stated_stage": "II", "question": "treatment"}, dispatcher)
    names = responses(dispatcher)
    assert names[0] == "utter_stated_stage_differs"
    assert dispatcher.messages[0]["stated"] == "II" and dispatcher.messages[0]["stage"] == "III"
    assert "utter_stage_single" in names


async def test_a_stated_stage_marks_the_survival_group(dispatcher):
    await answer({"site": "trunk_extremity", "stated_stage": "IV", "question": "survival"}, dispatcher)
    survival = next(m["answer"] for m in dispatcher.messages if m.get("response") == "utter_answer_with_source")
    assert "16.7% (stage IV may fall here)" in survival
    assert "utter_survival_stage_hint" not in responses(dispatcher)


def test_stages_matching_expands_a_bare_numeral_only_to_lettered_stages():
    from knowledge import query
    assert query.stages_matching("ajcc7", "I") == ["IA", "IB"]
    assert query.stages_matching("ajcc7", "III") == ["III"]
    assert query.stages_matching("figo2009", "III") == ["IIIA", "IIIB", "IIIC"]
    assert query.stages_matching("ajcc7", "IIIC") == []
    assert query.facts_needed_for("treatment", "ajcc7", "trunk_extremity", stated_stage="III") == []
    assert query.facts_needed_for("treatment", "ajcc7", "trunk_extremity", stated_stage="IIIC") != []


async def test_recurrence_answers_carry_the_not_a_doctor_reminder(dispatcher):
    await answer({"site": "uterus", "question": "recurrence"}, dispatcher)
    assert "utter_not_medical_advice" in responses(dispatcher)


def test_the_care_teams_stage_is_used_when_the_facts_do_not_settle_one():
    from knowledge import answering, query
    result = query.stage_case(None, "trunk_extremity", None, None, None, None, None)
    basis = answering.stage_basis(result, "IV", "treatment")
    assert basis.note == "stated_stage_used" and basis.result.possible_stages == ["IV"]


def test_when_the_facts_settle_another_stage_the_answer_says_it_follows_the_facts():
    # Regression: the message said the team's stage was the one to go by, then answered from the other.
    from knowledge import answering, query
    result = query.stage_case(None, "trunk_extremity", 6.0, "3", "no", "no", None)
    basis = answering.stage_basis(result, "II", "treatment")
    assert basis.note == "stated_stage_differs" and basis.result.stage == "III"
