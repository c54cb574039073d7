"""The question-and-answer entries: enough of them, short, plain, sourced, reviewed, and covering what people ask."""
import datetime
import re

import pytest

from knowledge import query
from knowledge.readability import MAX_GRADE, grade

ENTRIES = query.entries()
SOURCES = {source["id"]: source for source in query.sources()}
AREAS = {area for area, _, _ in query.areas()}


def test_there_are_at_least_150_entries():
    assert len(ENTRIES) >= 150


def test_every_area_people_ask_about_is_there():
    assert {"basics", "causes_and_risk", "diagnosis", "treatment_in_detail", "side_effects_and_daily_life",
            "after_treatment", "outlook", "support", "urgent_help"} <= AREAS


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_each_entry_is_short_plain_sourced_and_reviewed(entry):
    words = len(re.findall(r"\S+", entry.answer))
    assert words <= 120, f"{words} words"
    assert grade(entry.answer) <= MAX_GRADE, f"reading grade {grade(entry.answer):.1f}"
    assert entry.sources and all(line for line in entry.sources)
    reviewed = datetime.date.fromisoformat(entry.reviewed)
    assert datetime.date(2023, 1, 1) <= reviewed <= datetime.date.today()


def test_every_source_has_a_publisher_a_title_and_a_year():
    for source in SOURCES.values():
        assert source["title"] and source["citation"]
        assert re.search(r"(19|20)\d\d", source["date"]), source["id"]


def test_a_figure_comes_with_its_years_or_its_publication_year():
    # "No figure without its source and years": a percentage is dated in the answer or its sources.
    for entry in ENTRIES:
        if "%" in entry.answer:
            dated = re.search(r"(19|20)\d\d", entry.answer) or any(re.search(r"(19|20)\d\d", s) for s in entry.sources)
            assert dated, entry.id


def test_what_the_assistant_does_not_cover_says_so_and_where_to_read():
    uncovered = {e.id: e for e in ENTRIES if not e.covered}
    assert {"bone_sarcomas", "kaposi_sarcoma", "childhood_sarcomas", "other_cancers"} <= set(uncovered)
    for entry in uncovered.values():
        # An animal's sarcoma is one for the vet.
        assert any(w in entry.answer.lower() for w in ("cancer.gov", "care team", "doctor", "your vet")), entry.id


def test_no_answer_tells_anyone_to_start_or_stop_a_treatment():
    for entry in ENTRIES:
        assert not re.search(r"\byou should (start|stop|take|refuse)\b", entry.answer.lower()), entry.id


def test_cure_claims_are_answered_kindly_with_the_evidence():
    answer = query.entry("alternative_cure_claims").answer.lower()
    assert "cbd" in answer or "cannabis" in answer
    assert "not" in answer and query.entry("alternative_cure_claims").sources


def test_clinical_review_corrections_in_the_entries():
    assert "6 in every million women" in query.entry("how_common").answer
    assert "counterpart" not in query.entry("fibroid_vs_lms").answer
    assert "very rarely" in query.entry("fibroid_vs_lms").answer
    assert "responds poorly" not in query.entry("chemo_radiation_limits").answer
    assert "more likely to respond to chemotherapy" in query.entry("chemo_radiation_limits").answer
    assert "before any surgery" in query.entry("diagnosis").answer


def test_the_urgent_reply_names_the_thresholds_and_the_crisis_reply_the_helplines(domain_responses):
    urgent = domain_responses["utter_urgent_symptom"][0]["text"]
    for sign in ("38.0 °C", "100.4 °F", "chills", "confusion", "blood in the urine", "breathing", "swollen"):
        assert sign in urgent, sign
    crisis = domain_responses["utter_crisis"][0]["text"]
    for part in ("988", "116 123", "findahelpline.com", "can't contact anyone"):
        assert part in crisis, part


@pytest.fixture(scope="module")
def domain_responses():
    from pathlib import Path

    import yaml
    return yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())["responses"]
