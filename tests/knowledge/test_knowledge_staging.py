"""The staging engine, through knowledge.query, on the rule tables read from the staging files."""
import pytest

from knowledge import query
from knowledge.facts import InvalidCase
from knowledge.query import default_system, facts_needed, rulebook, stage_case


def ajcc7(size_cm, grade, nodes=False, metastasis=False, site="trunk_extremity"):
    return stage_case("ajcc7", site, size_cm, grade, nodes, metastasis)


def ajcc8(size_cm, grade, nodes=False, metastasis=False, site="trunk_extremity"):
    return stage_case("ajcc8", site, size_cm, grade, nodes, metastasis)


def figo(extent, size_cm=None, nodes=None, metastasis=None, grade=None):
    return stage_case("figo2009", "uterus", size_cm, grade, nodes, metastasis, extent)


@pytest.mark.parametrize("size, grade, stage", [
    (5, 1, "IA"), (5.01, 1, "IB"), (5, "X", "IA"), (6, "x", "IB"),
    (5, 2, "IIA"), (5, 3, "IIA"), (5.1, 2, "IIB"), (5.1, 3, "III"),
    (0.5, "1", "IA"), (300, "3", "III"),
])
def test_ajcc7_size_and_grade(size, grade, stage):
    result = ajcc7(size, grade)
    assert result.stage == stage
    assert result.possible_stages == [stage]
    assert f"stage {stage}" in result.explanation


def test_ajcc7_explains_the_rule_in_plain_words():
    result = ajcc7(6, 3)
    assert result.explanation.startswith("Larger than 5 cm and grade 3, with no spread: stage III")
    assert result.rule == "ajcc7:iii_large_g3"


def test_ajcc7_nodes_and_metastasis():
    assert ajcc7(2, 1, nodes=True).stage == "III"
    assert ajcc7(2, 1, nodes=True, metastasis=True).stage == "IV"
    assert ajcc7(None, None, nodes=None, metastasis=True).stage == "IV"


def test_gx_is_grouped_with_grade_1():
    result = ajcc7(4, "X")
    assert result.stage == "IA"
    assert "GX" in result.explanation and "grade 1" in result.explanation


def test_high_and_low_grade():
    high = ajcc7(6, "high")
    assert high.stage is None and high.possible_stages == ["IIB", "III"]
    assert "grade 2 or 3" in high.explanation
    assert ajcc7(3, "high").stage == "IIA"
    low = ajcc7(6, "low")
    assert low.stage == "IB" and "grade 1" in low.explanation
    assert ajcc8(12, "high").stage == "IIIB"


def test_unknown_grade_lists_every_possible_stage_in_order():
    result = ajcc7(6, None)
    assert result.stage is None
    assert result.possible_stages == ["IB", "IIB", "III"]
    assert "grade" in result.explanation


def test_unknown_size_and_spread():
    assert ajcc7(None, 1).possible_stages == ["IA", "IB"]
    assert ajcc7(6, 3, nodes=None, metastasis=None).possible_stages == ["III", "IV"]
    assert ajcc7(None, None, None, None).possible_stages == ["IA", "IB", "IIA", "IIB", "III", "IV"]


def test_single_stage_when_all_possibilities_agree():
    # grade 3 and larger than 5 cm is stage III with or without node spread
    result = ajcc7(8, 3, nodes=None, metastasis=False)
    assert result.stage == "III" and result.possible_stages == ["III"]


@pytest.mark.parametrize("size, grade, stage", [
    (5, 1, "IA"), (5.01, 1, "IB"), (10, 1, "IB"), (20, "X", "IB"),
    (5, 2, "II"), (5, 3, "II"),
    (5.01, 2, "IIIA"), (10, 3, "IIIA"), (10.01, 2, "IIIB"),
    (15, 3, "IIIB"), (15.01, 3, "IIIB"), (16, 2, "IIIB"),
])
def test_ajcc8_trunk_extremity_boundaries(size, grade, stage):
    assert ajcc8(size, grade).stage == stage


def test_ajcc8_size_bins_are_t1_to_t4_at_5_10_15():
    # the bins show in which sizes keep stage IIIA and which move to IIIB
    assert [ajcc8(s, 2).stage for s in (10, 10.01, 15, 15.01)] == ["IIIA", "IIIB", "IIIB", "IIIB"]
    assert ajcc8(None, 2).possible_stages == ["II", "IIIA", "IIIB"]


def test_ajcc8_nodes_trunk_extremity_is_stage_iv():
    assert ajcc8(3, 1, nodes=True).stage == "IV"
    assert ajcc8(3, 1, nodes=False, metastasis=True).stage == "IV"


def test_ajcc8_retroperitoneum_nodes_without_metastasis_is_iiib():
    assert ajcc8(3, 1, nodes=True, site="retroperitoneum").stage == "IIIB"
    assert ajcc8(3, 1, nodes=True, metastasis=True, site="retroperitoneum").stage == "IV"
    assert ajcc8(12, 3, site="retroperitoneum").stage == "IIIB"
    assert ajcc8(3, 1, site="retroperitoneum").stage == "IA"


@pytest.mark.parametrize("site", ["head_neck", "gi_tract", "other"])
def test_ajcc8_other_sites_have_no_stage_group(site):
    result = ajcc8(6, 3, site=site)
    assert result.stage is None
    assert result.possible_stages == []
    assert "no stage grouping" in result.explanation
    assert facts_needed("ajcc8", site) == []


def test_ajcc7_edition_note_mentions_the_8th_edition():
    assert "IIIA" in ajcc7(6, 3).edition_note
    assert "IIIB" in ajcc7(12, 3).edition_note
    assert "same stage" in ajcc7(3, 1).edition_note
    assert "no stage grouping" in ajcc7(3, 1, site="head_neck").edition_note


@pytest.mark.parametrize("extent, size, stage", [
    ("uterus", 5, "IA"), ("uterus", 5.01, "IB"), ("adnexa", None, "IIA"),
    ("pelvic_tissue", None, "IIB"), ("abdominal_one_site", None, "IIIA"),
    ("abdominal_multiple_sites", None, "IIIB"), ("regional_nodes", None, "IIIC"),
    ("bladder_or_rectum", None, "IVA"), ("distant", None, "IVB"),
])
def test_figo_all_nine_stages(extent, size, stage):
    result = figo(extent, size)
    assert result.stage == stage
    assert result.system == "figo2009"


def test_figo_size_only_matters_while_stage_i_is_possible():
    assert figo("uterus").possible_stages == ["IA", "IB"]
    assert figo("adnexa", 12).stage == "IIA"


def test_figo_metastasis_and_nodes_are_used_consistently():
    assert figo("uterus", 3, metastasis=True).stage == "IVB"
    assert figo(None, metastasis=True).stage == "IVB"
    assert "IVB" not in figo(None, metastasis=False).possible_stages
    assert figo("uterus", 3, nodes=True).stage == "IIIC"
    assert figo("abdominal_multiple_sites", nodes=True).stage == "IIIC"
    assert figo("bladder_or_rectum", nodes=True).stage == "IVA"
    assert figo("distant", nodes=True).stage == "IVB"
    assert "IIIC" not in figo(None, nodes=False).possible_stages
    assert figo(None, nodes=True).possible_stages == ["IIIC", "IVA", "IVB"]


def test_figo_contradicting_facts_give_no_stage():
    for result in (figo("regional_nodes", nodes=False), figo("distant", metastasis=False)):
        assert result.stage is None and result.possible_stages == []
        assert "don't fit together" in result.explanation


def test_figo_says_grade_is_not_used():
    assert "does not use the grade" in figo("adnexa", grade=3).explanation


def test_default_system_by_site():
    assert default_system("uterus") == "figo2009"
    assert default_system("trunk_extremity") == "ajcc7"
    assert default_system(None) == "ajcc7"
    assert stage_case(site="uterus", size_cm=3, extent="uterus").system == "figo2009"
    assert stage_case(site="gi_tract", size_cm=3, grade=1, nodes="no", metastasis="no").stage == "IA"


def test_slot_strings_are_accepted():
    assert stage_case("ajcc7", "trunk_extremity", 6.0, "3", "no", "no").stage == "III"
    assert stage_case("ajcc7", "trunk_extremity", 6.0, "unknown", "no", "no").possible_stages == ["IB", "IIB", "III"]


@pytest.mark.parametrize("kwargs", [
    {"system": "ajcc9"}, {"site": "moon"}, {"size_cm": 0}, {"size_cm": -2}, {"size_cm": 301},
    {"size_cm": True}, {"size_cm": "6"}, {"grade": 4}, {"grade": "G5"}, {"extent": "lungs"},
    {"nodes": "maybe"},
])
def test_invalid_cases_raise(kwargs):
    with pytest.raises(InvalidCase):
        stage_case(**kwargs)


def test_facts_needed_ajcc():
    assert facts_needed("ajcc7", "trunk_extremity") == ["size_cm", "grade", "nodes", "metastasis"]
    assert facts_needed("ajcc7", "trunk_extremity", size_cm=6, nodes=False, metastasis=False) == ["grade"]
    assert facts_needed("ajcc7", "trunk_extremity", metastasis=True) == []
    assert facts_needed("ajcc7", "trunk_extremity", size_cm=6, grade=3, nodes=False, metastasis=False) == []
    assert facts_needed("ajcc7", None, size_cm=6, grade="high", nodes=False, metastasis=False) == ["grade"]
    # grade 3 and larger than 5 cm: nodes no longer change the stage
    assert facts_needed("ajcc7", None, size_cm=6, grade=3, metastasis=False) == []


def test_facts_needed_figo():
    assert facts_needed("figo2009", "uterus", metastasis=False) == ["extent", "size_cm"]
    assert facts_needed(None, "uterus", metastasis=False, extent="uterus") == ["size_cm"]
    assert facts_needed(None, "uterus", metastasis=False, extent="adnexa") == []
    assert facts_needed(None, "uterus", metastasis=True) == []


def test_facts_needed_rejects_unknown_fact_names():
    with pytest.raises(TypeError):
        facts_needed("ajcc7", None, colour="red")


def test_to_dict_has_the_cli_fields():
    result = ajcc7(6, 3).to_dict()
    assert {"stage", "possible_stages", "system", "explanation", "rule", "edition_note"} == set(result)


@pytest.mark.parametrize("size, category", [
    (5, "T1"), (5.001, "T2"), (10, "T2"), (10.001, "T3"), (15, "T3"), (15.001, "T4"),
])
def test_ajcc8_size_bins_exactly(size, category):
    assert rulebook().systems["ajcc8"].facts["size_cm"].domain(size) == (category,)


# --- sizes close to a cut-off (regression: 2 inches = 5.08 cm was staged without a word) ----

def test_two_inches_is_just_over_5_cm_and_the_note_gives_the_stage_below():
    result = query.stage_case("ajcc7", "trunk_extremity", 5.08, "1", "no", "no")
    assert result.stage == "IB"
    assert "5.08 cm is close to the 5 cm size limit" in result.explanation
    assert "the stage would be IA instead" in result.explanation
    assert "your care team can confirm" in result.explanation


def test_exactly_5_cm_says_it_counts_as_5_or_smaller():
    result = query.stage_case("ajcc7", "trunk_extremity", 5, "2", "no", "no")
    assert result.stage == "IIA"
    assert "A tumor of exactly 5 cm counts in the 5 cm or smaller group" in result.explanation
    assert "the stage would be IIB instead" in result.explanation


def test_no_note_when_far_from_a_cut_off_or_when_the_stage_would_not_change():
    assert "size limit" not in query.stage_case("ajcc7", "trunk_extremity", 5.3, "1", "no", "no").explanation
    # with node spread the size does not matter: stage III either side of 5 cm
    assert "size limit" not in query.stage_case("ajcc7", "trunk_extremity", 5.08, "3", "yes", "no").explanation


def test_ajcc8_and_figo_cut_offs_are_noted_too():
    assert "would be IIIA instead" in query.stage_case("ajcc8", "trunk_extremity", 10.16, "2", "no", "no").explanation
    assert "would be IB instead" in query.stage_case("figo2009", "uterus", 4.9, extent="uterus").explanation
