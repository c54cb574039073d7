"""Clinical review corrections to the staging data.

1. AJCC 8th edition: N0 includes "nodal status unknown", so unknown nodes give the N0 stage
   (with a note on what node spread would change) and are no longer asked; the 7th edition
   still lists every stage.
2. FIGO 2009: a tumor of exactly 5 cm; FIGO leaves the boundary open, the bot follows TNM (<= 5 cm).
3. FIGO 2009: the scheme is the one for leiomyosarcoma and endometrial stromal sarcoma.
"""
import pytest

from knowledge import query
from knowledge.query import facts_needed, facts_needed_for, rulebook, stage_case


def ajcc8(size_cm, grade, nodes=None, metastasis=False, site="trunk_extremity"):
    return stage_case("ajcc8", site, size_cm, grade, nodes, metastasis)


def figo(extent, size_cm=None, nodes=None, metastasis=None):
    return stage_case("figo2009", "uterus", size_cm, None, nodes, metastasis, extent)


# --- 1. AJCC 8th edition, unknown lymph nodes --------------------------------------------

@pytest.mark.parametrize("site, size, grade, stage, rule, with_nodes", [
    ("trunk_extremity", 6, "3", "IIIA", "ajcc8:iiia", "IV"),
    ("trunk_extremity", 3, "1", "IA", "ajcc8:ia", "IV"),
    ("trunk_extremity", 12, "2", "IIIB", "ajcc8:iiib", "IV"),
    ("retroperitoneum", 6, "3", "IIIA", "ajcc8:iiia", "IIIB"),
    ("retroperitoneum", 3, "1", "IA", "ajcc8:ia", "IIIB"),
])
def test_ajcc8_unknown_nodes_give_the_n0_stage_with_a_note(site, size, grade, stage, rule, with_nodes):
    result = ajcc8(size, grade, nodes=None, site=site)
    assert result.stage == stage and result.possible_stages == [stage]
    assert result.rule == rule
    text = result.explanation
    assert f"stage {stage} (AJCC 8th edition, 2017)" in text
    # the rule that settled the unknown nodes, and what node spread would change
    assert "Whether lymph nodes are involved is not known" in text
    assert "counts that as no lymph node spread (N0)" in text
    assert f"With spread to nearby lymph nodes, the stage would be {with_nodes} instead." in text
    # the same stage as when nodes are given as not involved
    assert ajcc8(size, grade, nodes=False, site=site).stage == stage


def test_ajcc8_cli_example_is_a_single_stage():
    result = query.stage_case("ajcc8", "trunk_extremity", 6, "3", None, "no")
    assert result.stage == "IIIA"
    assert "narrow it down" not in result.explanation


def test_ajcc8_no_node_note_when_node_spread_would_not_change_the_stage():
    # larger than 10 cm and high grade in the retroperitoneum is IIIB with or without nodes
    assert "not known" not in ajcc8(12, "3", site="retroperitoneum").explanation
    # distant spread is stage IV whatever the nodes
    assert "not known" not in ajcc8(6, "3", metastasis=True).explanation
    # known nodes: no note at all
    assert "not known" not in ajcc8(6, "3", nodes=False).explanation
    assert ajcc8(6, "3", nodes=True).stage == "IV"


def test_ajcc8_no_node_note_when_its_stage_is_already_listed():
    result = ajcc8(6, "3", nodes=None, metastasis=None)
    assert result.possible_stages == ["IIIA", "IV"]
    assert "not known" not in result.explanation


def test_ajcc8_node_note_with_several_stages():
    result = ajcc8(6, None, nodes=None)
    assert result.stage is None and result.possible_stages == ["IB", "IIIA"]
    assert "the stage would be IV instead" in result.explanation
    assert "Knowing the exact grade would narrow it down" in result.explanation


def test_ajcc8_does_not_ask_about_nodes():
    assert facts_needed("ajcc8", "trunk_extremity") == ["size_cm", "grade", "metastasis"]
    assert facts_needed("ajcc8", "retroperitoneum", size_cm=6) == ["grade", "metastasis"]
    assert facts_needed("ajcc8", "trunk_extremity", size_cm=6, grade=3, metastasis=False) == []
    assert facts_needed_for("stage", "ajcc8", "trunk_extremity", size_cm=6, grade=3, metastasis=False) == []


def test_the_rule_is_data():
    systems = rulebook().systems
    assert systems["ajcc8"].facts["nodes"].when_unknown == ("N0",)
    assert systems["ajcc7"].facts["nodes"].when_unknown is None


def test_ajcc7_still_lists_every_stage_when_nodes_are_unknown():
    result = stage_case("ajcc7", "trunk_extremity", 3, "1", None, False)
    assert result.stage is None and result.possible_stages == ["IA", "III"]
    assert "Knowing whether lymph nodes are involved would narrow it down" in result.explanation
    assert "N0" not in result.explanation
    assert facts_needed("ajcc7", "trunk_extremity", size_cm=3, grade=1, metastasis=False) == ["nodes"]
    assert facts_needed("ajcc7", "trunk_extremity") == ["size_cm", "grade", "nodes", "metastasis"]


def test_ajcc7_edition_note_gives_the_8th_edition_stage_and_the_node_rule():
    result = stage_case("ajcc7", "trunk_extremity", 8, "3", None, False)
    assert result.stage == "III"
    assert result.edition_note.startswith("Under the current AJCC 8th edition (2017) this would be stage IIIA.")
    assert "(N0)" in result.edition_note and "would be IV instead" in result.edition_note


def test_figo_not_stated_nodes_assume_nothing():
    # FIGO's "not stated" is a category of its own: the extent decides, no N0 note
    result = figo("uterus", 3)
    assert result.stage == "IA"
    assert "not known" not in result.explanation and "N0" not in result.explanation
    assert facts_needed("figo2009", "uterus", metastasis=False) == ["extent", "size_cm"]


# --- 2. FIGO 2009, exactly 5 cm ----------------------------------------------------------

def test_figo_exactly_5_cm_says_figo_leaves_the_boundary_open_and_tnm_is_followed():
    result = figo("uterus", 5)
    assert result.stage == "IA"
    text = result.explanation
    assert "FIGO's own wording leaves open which group a tumor of exactly 5 cm belongs to" in text
    assert "follows the TNM rule of 5 cm or smaller" in text
    assert "at exactly 5 cm and still within the uterus it is stage IA" in text
    assert "it would be stage IB instead" in text
    assert "your care team can confirm" in text


def test_other_cut_off_notes_are_unchanged():
    assert "A tumor of exactly 5 cm counts in the 5 cm or smaller group" in \
        stage_case("ajcc7", "trunk_extremity", 5, "2", "no", "no").explanation
    near = figo("uterus", 4.9).explanation
    assert "4.9 cm is close to the 5 cm size limit" in near and "TNM" not in near
    assert "TNM" not in figo("uterus", 5.01).explanation
    assert figo("uterus", 5.01).stage == "IB"


# --- 3. FIGO 2009 covers leiomyosarcoma and endometrial stromal sarcoma ------------------

SCOPE = "This FIGO staging is for leiomyosarcoma and endometrial stromal sarcoma."


@pytest.mark.parametrize("args, kwargs", [
    (("adnexa",), {}), (("uterus",), {}), (("uterus", 7), {}), (("distant",), {}),
    (("regional_nodes",), {"nodes": False}),
], ids=["single", "several", "size", "ivb", "conflict"])
def test_figo_explanations_say_which_sarcomas_the_scheme_is_for(args, kwargs):
    text = figo(*args, **kwargs).explanation
    assert SCOPE in text
    assert "adenosarcoma" in text and "carcinosarcoma" in text


def test_scope_note_is_short_and_only_for_figo():
    note = rulebook().messages["scope.figo2009"]
    assert len(note) < 200
    for result in (stage_case("ajcc7", "trunk_extremity", 6, "3", "no", "no"), ajcc8(6, "3")):
        assert "adenosarcoma" not in result.explanation
    assert rulebook().systems["figo2009"].name.endswith("(leiomyosarcoma and endometrial stromal sarcoma)")
