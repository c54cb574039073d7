"""Explanations when an unknown fact changes the rule but not the stage."""
from knowledge import query


def test_a_stage_reached_by_two_rules_says_either_way(tmp_path, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    query.reset_cache()
    result = query.stage_case("ajcc7", "trunk_extremity", 7, "3", None, False)
    assert result.stage == "III"
    assert result.explanation.startswith("Stage III either way")
    assert "; or spread to nearby lymph nodes" in result.explanation
    query.reset_cache()
