"""The knowledge base is read-only while the bot runs: answers come from memory after the first read."""
import difflib

import numpy as np
import pytest
from sqlalchemy import event

from knowledge import query
from knowledge.db import engine_for
from knowledge.retrieval import QuestionIndex, load_or_build


@pytest.fixture
def statements(knowledge_db_url):
    """Return the list the SQL statements sent to the test database are appended to."""
    sent = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    engine = engine_for(knowledge_db_url)
    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def ask_everything():
    """Return one answer of every kind the actions give."""
    return [
        query.treatment_for("III", "ajcc7", "trunk_extremity"),
        query.treatment_for(None),
        query.survival_for("uterus", "II", "figo2009"),
        query.recurrence_for("retroperitoneum"),
        query.staging_sources("ajcc7"),
        query.entry("what_is_lms"),
        query.facts_needed_for("treatment", "ajcc7", "trunk_extremity", size_cm=7),
    ]


def test_answers_after_the_first_come_without_a_query(statements):
    query.reset_cache()
    first = ask_everything()
    assert statements, "the first answers must read the database"
    statements.clear()
    again = ask_everything()
    assert statements == []
    assert again == first


def test_reset_cache_reads_the_database_again(statements):
    ask_everything()
    query.reset_cache()
    statements.clear()
    ask_everything()
    assert statements


def test_answers_cite_their_sources_from_memory():
    query.reset_cache()
    answer = query.treatment_for("III", "ajcc7", "trunk_extremity")
    assert answer.sources and all(isinstance(source, str) and source for source in answer.sources)
    assert answer.sources == query.treatment_for("III", "ajcc7", "trunk_extremity").sources


def test_an_unknown_entry_is_still_a_key_error():
    with pytest.raises(KeyError, match="no_such_entry"):
        query.entry("no_such_entry")


EXAMPLES = [
    ("a", "what is leiomyosarcoma"), ("a", "is leiomyosarcoma a cancer"), ("a", "lms meaning"),
    ("b", "how is chemotherapy given"), ("b", "side effects of radiotherapy"), ("b", "do i need surgery"),
    ("c", "will it come back after treatment"), ("c", "chance of recurrence"), ("c", "follow up scans"),
]


@pytest.mark.parametrize("word", [
    "leiomyosarcoma", "leiomysarcoma", "leomyosarcoma", "chemo", "chemotherpy", "radiotherapie",
    "surgey", "recurence", "scan", "scans", "xyz", "a", "i", "do", "lm", "lmss", "meaningful",
    "cancers", "canc", "sideeffects", "followup", "treatmen", "treatmentt", "ok",
])
def test_the_close_word_check_agrees_with_difflib_over_the_whole_vocabulary(word):
    index = QuestionIndex(EXAMPLES)
    assert index._has_close_match(word) == bool(
        difflib.get_close_matches(word, index.vocabulary, n=1, cutoff=0.8))


def test_the_classifier_weights_need_no_copy_per_question_and_score_the_same():
    index = QuestionIndex(EXAMPLES)
    assert index.classifier.coef_.T.flags["C_CONTIGUOUS"]
    ranked = index.rank("what is leiomyosarcoma", limit=3)
    index.classifier.coef_ = np.ascontiguousarray(index.classifier.coef_)  # the layout sklearn leaves
    assert index.rank("what is leiomyosarcoma", limit=3) == ranked


def test_a_built_index_is_loaded_from_the_cache_by_the_next_process(tmp_path, monkeypatch):
    first = load_or_build(EXAMPLES, tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("the cached index was trained again")

    monkeypatch.setattr(QuestionIndex, "__init__", no_training)
    again = load_or_build(EXAMPLES, tmp_path)
    assert again.rank("what is leiomyosarcoma", limit=3) == first.rank("what is leiomyosarcoma", limit=3)
    assert again.classifier.coef_.T.flags["C_CONTIGUOUS"]  # the layout survives the pickle
    assert again.known_share("leiomysarcoma") == 1.0  # its cache of close words works again


def test_changed_entries_or_a_broken_cache_file_build_the_index_again(tmp_path):
    load_or_build(EXAMPLES, tmp_path)
    changed = load_or_build(EXAMPLES + [(EXAMPLES[0][0], "an example added today")], tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 2
    for path in tmp_path.glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    rebuilt = load_or_build(EXAMPLES, tmp_path)
    assert rebuilt.rank("what is leiomyosarcoma", limit=3) == QuestionIndex(EXAMPLES).rank("what is leiomyosarcoma", limit=3)
    assert changed.rank("an example added today", limit=1)[0].entry_id == EXAMPLES[0][0]


def test_a_new_threshold_reuses_the_cached_index_but_new_synonyms_do_not(tmp_path, monkeypatch):
    from knowledge import retrieval

    load_or_build(EXAMPLES, tmp_path)
    changed = {**retrieval.settings(), "min_score": 0.99, "suggest_score": 0.98}
    monkeypatch.setattr(retrieval, "settings", lambda: changed)
    load_or_build(EXAMPLES, tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 1  # thresholds are applied after the index
    changed["synonyms"] = {**changed["synonyms"], "sarcoma": ["sarcomas", "sarcomata"]}
    load_or_build(EXAMPLES, tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 2
