"""The benchmark's arithmetic and report (no servers): every row is there, ratios are this bot over the moodbot."""
import pytest
import yaml

from bench.bots import entry_count, scaled_knowledge, synthetic_entries
from bench.latency import (
    KNOWLEDGE_MESSAGES, SINGLE_MESSAGES, Load, Round, format_table, percentile, rows, summarise,
)
from knowledge.datafiles import DATA_DIR
from knowledge.entry_files import AreaFileModel


def a_round(base: float, load: Load) -> Round:
    return Round(
        singles={label: [base * (i + 1) for i in range(load.samples)] for label in SINGLE_MESSAGES},
        concurrent=[base] * (load.conversations * load.turns - 1) + [base * 10],
        concurrent_seconds=2.0,
        long=[base] * load.window + [base * 2] * (load.long_turns - load.window),
    )


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.95) == 95
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile([1, 2, 3, 4], 0.5) == 2


def test_summary_pools_the_rounds():
    load = Load(samples=2, conversations=2, turns=5, long_turns=6, window=3, rounds=2)
    figures = summarise([a_round(10, load), a_round(20, load)], load)
    assert figures["single: hi"] == 20  # median of 10, 20, 20, 40
    assert figures["concurrent: messages/s"] == pytest.approx(20 / 4.0)
    assert figures["long: growth (late / early)"] == pytest.approx(2.0)


def test_the_table_has_every_row_with_ratios_to_the_moodbot():
    load = Load(samples=2, conversations=2, turns=5, long_turns=6, window=3, rounds=1, kb_scale=2)
    this = summarise([a_round(30, load)], load)
    mood = summarise([a_round(10, load)], load)
    kb = {"today": {label: 100.0 for label in KNOWLEDGE_MESSAGES},
          "scaled": {label: 150.0 for label in KNOWLEDGE_MESSAGES}}
    table = rows(this, mood, kb, load)
    measures = [row.measure for row in table]
    assert len(table) == len(SINGLE_MESSAGES) + 5 + len(KNOWLEDGE_MESSAGES)
    for label in SINGLE_MESSAGES:
        assert any(f'"{label}"' in measure for measure in measures)
    assert table[0].ratio == pytest.approx(3.0)
    assert table[-1].ratio == pytest.approx(1.5) and table[-1].moodbot is None
    text = format_table(table)
    assert text.count("\n") == len(table) + 1
    assert "turns 4-6" in text and "p95" in text and "throughput" in text and "x2 over today" in text


def test_the_tiny_load_keeps_its_two_windows_apart():
    tiny = Load.tiny()
    assert tiny.long_turns >= 2 * tiny.window and tiny.kb_scale >= 2


def test_synthetic_entries_follow_the_entry_schema():
    area = AreaFileModel(area="synthetic_benchmark", title="Synthetic", entries=synthetic_entries(20, "lms_article"))
    assert len({entry.id for entry in area.entries}) == 20


def test_the_larger_knowledge_base_holds_scale_times_the_entries(tmp_path):
    env = scaled_knowledge(2, DATA_DIR, tmp_path / "kb")
    copy = tmp_path / "kb" / "data"
    assert env["KNOWLEDGE_DATA_DIR"] == str(copy)
    assert entry_count(copy) == 2 * entry_count(DATA_DIR)
    synthetic = yaml.safe_load((copy / "entries" / "synthetic_benchmark.yml").read_text())
    assert len(synthetic["entries"]) == entry_count(DATA_DIR)
    from sqlalchemy import func, select

    from knowledge.db import engine_for
    from knowledge.models import Entry

    with engine_for(env["KNOWLEDGE_DB_URL"]).connect() as connection:
        built = connection.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "entry"))
    assert built == 2 * entry_count(DATA_DIR)


def test_the_larger_knowledge_base_is_built_again_when_todays_data_changes(tmp_path):
    # Regression: the cached copy was reused after the data changed, so the action server read
    # a stale knowledge base (a message added to vocabulary.yml was missing: KeyError).
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    scaled_knowledge(2, data, tmp_path / "kb")
    vocabulary = data / "staging" / "vocabulary.yml"
    vocabulary.write_text(vocabulary.read_text().replace("Source: {sources}", "Sources: {sources}"))
    scaled_knowledge(2, data, tmp_path / "kb")
    assert "Sources: {sources}" in (tmp_path / "kb" / "data" / "staging" / "vocabulary.yml").read_text()
