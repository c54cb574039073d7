"""The spaCy tumor-facts extractor on its own (no Rasa): every message gives exactly these facts."""
import pytest

from bot.nlu.pipeline import build_nlp, extract_facts

T, R, U, G, H, O = "trunk_extremity", "retroperitoneum", "uterus", "gi_tract", "head_neck", "other"  # noqa: E741 (O is the site "other", like the others)


def facts_of(text):
    """Return the extracted facts as a set of (entity, value) pairs."""
    return {(f["entity"], f["value"]) for f in extract_facts(text)}


def expected(**facts):
    return {(entity, value) for entity, value in facts.items()}


SIZES = [
    ("it's 7 cm", dict(size_cm=7.0)),
    ("7cm", dict(size_cm=7.0)),
    ("6.5cm", dict(size_cm=6.5)),
    ("6,5 cm", dict(size_cm=6.5)),
    ("about 4.2 centimetres", dict(size_cm=4.2)),
    ("roughly 12 centimeters across", dict(size_cm=12.0)),
    ("45 mm", dict(size_cm=4.5)),
    ("45mm on the scan", dict(size_cm=4.5)),
    ("it measured 80 millimetres", dict(size_cm=8.0)),
    ("2 inches", dict(size_cm=5.08)),
    ("3in long", dict(size_cm=7.62)),
    ('a 2" lump', dict(size_cm=5.08)),
    ("about an inch", dict(size_cm=2.54)),
    ("half an inch", dict(size_cm=1.27)),
    ("two and a half inches", dict(size_cm=6.35)),
    ("five and a half centimeters", dict(size_cm=5.5)),
    ("seven cm", dict(size_cm=7.0)),
    ("twenty-two cm", dict(size_cm=22.0)),
    ("six point five cm", dict(size_cm=6.5)),
    ("3 inches in my thigh", dict(size_cm=7.62, site=T)),
    ("6 or 7 cm", dict(size_cm=7.0, size_uncertain=True)),
    ("6-7cm", dict(size_cm=7.0, size_uncertain=True)),
    ("6 – 7 cm", dict(size_cm=7.0, size_uncertain=True)),
    ("between 6 and 7 cm", dict(size_cm=7.0, size_uncertain=True)),
    ("5cm or 6cm i think", dict(size_cm=6.0, size_uncertain=True)),
    ("over 5 cm", dict(size_cm=5.0, size_uncertain=True)),
    ("less than 2 inches", dict(size_cm=5.08, size_uncertain=True)),
    ("7 x 5 x 3 cm", dict(size_cm=7.0)),
    ("4x9cm", dict(size_cm=9.0)),
    ("it grew from 5 to 7 cm", dict(size_cm=7.0)),
    ("sorry, it's actually 6 cm", dict(size_cm=6.0)),
    ("not 5 cm, 8 cm", dict(size_cm=8.0)),
    ("a 10cm tumour", dict(size_cm=10.0)),
]

NUMBERS_AND_NON_SIZES = [
    ("about 6", dict(number=6.0)),
    ("3", dict(number=3.0)),
    ("maybe 4?", dict(number=4.0)),
    ("6 or 7", dict(number=7.0)),
    ("seven", dict(number=7.0)),
    ("5.5 i think", dict(number=5.5)),
    ("grade 3", dict(grade="3")),
    ("stage 2", dict(stated_stage="II")),
    ("stage iv", dict(stated_stage="IV")),
    ("I'm 54", dict()),
    ("she's 62 years old", dict()),
    ("my mom is 70", dict()),
    ("54 years old", dict()),
    ("diagnosed in 2021", dict()),
    ("surgery on the 5th", dict()),
    ("a 40% chance", dict()),
    ("3 weeks ago", dict()),
    ("I had 6 rounds of chemo", dict()),
    ("grade 3 in my thigh", dict(grade="3", site=T)),
    ("what about the 8th edition", dict()),
    ("ajcc 8", dict()),
    ("the one in my leg", dict(site=T)),
]

GRADES = [
    ("grade two", dict(grade="2")),
    ("grade II", dict(grade="2")),
    ("grade III", dict(grade="3")),
    ("G3", dict(grade="3")),
    ("g1", dict(grade="1")),
    ("grade-2", dict(grade="2")),
    ("the grade was 1", dict(grade="1")),
    ("grade 2 out of 3", dict(grade="2")),
    ("low grade", dict(grade="low")),
    ("low-grade sarcoma", dict(grade="low")),
    ("high grade", dict(grade="high")),
    ("it's high-grade", dict(grade="high")),
    ("intermediate grade", dict(grade="2")),
    ("grade 2 or 3", dict(grade="high")),
    ("high grade, grade 3", dict(grade="3")),
    ("ungradable", dict(grade="X")),
    ("they couldn't grade it", dict(grade="X")),
    ("grade x", dict(grade="X")),
    ("GX", dict(grade="X")),
    ("I meant grade 2", dict(grade="2")),
    ("grde 3", dict(grade="3")),
]

SITES = [
    ("it's in my thigh", dict(site=T)),
    ("a lump on her calf", dict(site=T)),
    ("in my lower back", dict(site=T)),
    ("chest wall", dict(site=T)),
    ("abdominal wall", dict(site=T)),
    ("my mom's tumour is in her buttock", dict(site=T)),
    ("right shoulder", dict(site=T)),
    ("retroperitoneal", dict(site=R)),
    ("behind the abdomen", dict(site=R)),
    ("uterine lms", dict(site=U)),
    ("in the womb", dict(site=U)),
    ("no wait, it's in my uterus", dict(site=U)),
    ("uterous", dict(site=U)),
    ("small intestine", dict(site=G)),
    ("it started in the stomach", dict(site=G)),
    ("oesophagus", dict(site=G)),
    ("on my scalp", dict(site=H)),
    ("in his neck", dict(site=H)),
    ("the inferior vena cava", dict(site=O)),
    ("in her liver", dict(site=O)),
    ("it started in the bladder", dict(site=O)),
    ("I have chest pain", dict()),
    ("it came back", dict()),
    ("on the other hand", dict()),
    ("not in my leg, in my arm", dict(site=T)),
]

SPREAD = [
    ("it hasn't spread", dict(nodes="no", metastasis="no")),
    ("it has not spread anywhere", dict(nodes="no", metastasis="no")),
    ("no spread", dict(nodes="no", metastasis="no")),
    ("hasnt spread", dict(nodes="no", metastasis="no")),
    ("it's localised", dict(nodes="no", metastasis="no")),
    ("scans were clear", dict(nodes="no", metastasis="no")),
    ("no lymph nodes", dict(nodes="no")),
    ("nodes were clear", dict(nodes="no")),
    ("the nodes were negative", dict(nodes="no")),
    ("lymph nodes are not involved", dict(nodes="no")),
    ("N0", dict(nodes="no")),
    ("no mets", dict(metastasis="no")),
    ("no distant metastases", dict(metastasis="no")),
    ("lungs are clear", dict(metastasis="no")),
    ("no spread to the lungs or liver", dict(metastasis="no")),
    ("it hasn't spread to the nodes", dict(nodes="no")),
    ("spread to my lungs", dict(metastasis="yes", extent="distant")),
    ("it went to her liver", dict(metastasis="yes", extent="distant")),
    ("it's metastatic", dict(metastasis="yes")),
    ("lung mets", dict(metastasis="yes", extent="distant")),
    ("in the lymph nodes", dict(nodes="yes")),
    ("nodes were positive", dict(nodes="yes")),
    ("lymph nodes", dict(nodes="yes")),
    ("lungs and liver", dict(metastasis="yes", extent="distant")),
    ("not sure if it spread", dict(nodes="unknown", metastasis="unknown")),
    ("waiting for scans", dict(nodes="unknown", metastasis="unknown")),
    ("don't know about the nodes", dict(nodes="unknown")),
    ("no idea if it's in the lymph nodes", dict(nodes="unknown")),
    ("they're still checking the lungs", dict(metastasis="unknown")),
    ("maybe in the lungs, not sure", dict(metastasis="unknown")),
    ("nodes clear but it spread to the lungs", dict(nodes="no", metastasis="yes", extent="distant")),
    ("nodes positive, no distant spread", dict(nodes="yes", metastasis="no")),
    ("nodes, lungs and liver all clear", dict(nodes="no", metastasis="no")),
    ("has it spread to my lungs?", dict()),
    ("does lms spread to the lymph nodes", dict()),
    ("the chemo killed my appetite", dict()),
    ("the ct scan didn't show any spread", dict(nodes="no", metastasis="no")),
    ("size: 7.2 cm. nodes: negative. mets: none", dict(size_cm=7.2, nodes="no", metastasis="no")),
    ("it hasn't spread yet", dict(nodes="no", metastasis="no")),
    ("i don't think it has spread", dict(nodes="unknown", metastasis="unknown")),
    ("what stage is it with clear nodes", dict(nodes="no")),
]

EXTENT = [
    ("confined to the uterus", dict(extent="uterus", site=U)),
    ("only in the womb", dict(extent="uterus", site=U)),
    ("it hasn't spread outside the uterus", dict(extent="uterus", site=U)),
    ("it spread to the ovaries", dict(extent="adnexa")),
    ("her fallopian tubes are involved", dict(extent="adnexa")),
    ("into the pelvic tissue", dict(extent="pelvic_tissue")),
    ("one spot in the abdomen", dict(extent="abdominal_one_site")),
    ("several places in the abdomen", dict(extent="abdominal_multiple_sites")),
    ("spread to the pelvic lymph nodes", dict(extent="regional_nodes", nodes="yes")),
    ("para-aortic nodes were positive", dict(extent="regional_nodes", nodes="yes")),
    ("it spread to the bladder", dict(extent="bladder_or_rectum")),
    ("it has invaded the rectum", dict(extent="bladder_or_rectum")),
    ("ovaries are clear", dict()),
    ("it's all over the abdomen", dict(extent="abdominal_multiple_sites")),
    ("no spots in the abdomen", dict()),
]

SEVERAL = [
    ("7 cm grade 3 in my thigh, nodes clear",
     dict(size_cm=7.0, grade="3", site=T, nodes="no")),
    ("my mom's tumour is 9cm, high grade, retroperitoneal and it hasn't spread",
     dict(size_cm=9.0, grade="high", site=R, nodes="no", metastasis="no")),
    ("uterine, 12 cm, spread to the lungs",
     dict(site=U, size_cm=12.0, metastasis="yes", extent="distant")),
    ("4 inch low grade lump in his arm, no lymph nodes, no mets",
     dict(size_cm=10.16, grade="low", site=T, nodes="no", metastasis="no")),
    ("it started in my uterus and spread to my bladder",
     dict(site=U, extent="bladder_or_rectum")),
    ("grade 2, about 3cm, stomach, not sure about spread",
     dict(grade="2", size_cm=3.0, site=G, nodes="unknown", metastasis="unknown")),
]

# A stage the care team already gave; never read as a size, a grade or a bare number.
STATED_STAGES = [
    ("my doctor said its stage 3, what treatments are there?", dict(stated_stage="III")),
    ("I have stage IV leiomyosarcoma", dict(stated_stage="IV")),
    ("she is stage four", dict(stated_stage="IV")),
    ("stage 3b uterine lms", dict(stated_stage="IIIB", site=U)),
    ("figo stage IIIC", dict(stated_stage="IIIC")),
    ("it was staged as stage 1", dict(stated_stage="I")),
    ("stage: 2a", dict(stated_stage="IIA")),
    ("it was stage iii, 8 cm grade 3", dict(stated_stage="III", size_cm=8.0, grade="3")),
    ("what stage is it", dict()),
    ("what stage am i", dict()),
    ("stage 2 or 3", dict()),
    ("its not stage 4", dict()),
    ("T2b N0", dict(nodes="no")),
]

# "I don't know the size / grade": unknown for the fact named, never for a question merely asked.
UNKNOWN_FACTS = [
    ("i dont know the size", dict(size_cm="unknown")),
    ("not sure how big it is", dict(size_cm="unknown")),
    ("idk the size", dict(size_cm="unknown")),
    ("size unknown", dict(size_cm="unknown")),
    ("I don't know the grade", dict(grade="unknown")),
    ("no idea what grade", dict(grade="unknown")),
    ("we haven't been told the grade yet", dict(grade="unknown")),
    ("grade 3 but not sure of the size", dict(grade="3", size_cm="unknown")),
    ("not sure of the exact size, about 6 cm", dict(size_cm=6.0)),
    ("I know the size, 6 cm", dict(size_cm=6.0)),
    ("I don't know if the grade matters", dict()),
    ("do you know the grade", dict()),
    ("what is the size", dict()),
]

ALL_CASES = (SIZES + NUMBERS_AND_NON_SIZES + GRADES + SITES + SPREAD + EXTENT + SEVERAL + STATED_STAGES
             + UNKNOWN_FACTS)


@pytest.mark.parametrize("text,facts", ALL_CASES, ids=[text for text, _ in ALL_CASES])
def test_extracts_exactly_these_facts(text, facts):
    assert facts_of(text) == expected(**facts)


def test_there_are_at_least_100_phrasings():
    assert len(ALL_CASES) >= 100


def test_facts_carry_offsets_and_text():
    text = "it's 7cm, grade 3, in my left thigh"
    for fact in extract_facts(text):
        assert text[fact["start"]:fact["end"]] == fact["text"]
        assert set(fact) == {"entity", "value", "start", "end", "text"}


def test_later_correction_comes_after_earlier_size():
    sizes = [f["value"] for f in extract_facts("it was 5 cm at first, now it's 7 cm") if f["entity"] == "size_cm"]
    assert sizes == [5.0, 7.0]


def test_build_nlp_is_blank_english_with_project_components():
    nlp = build_nlp()
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["lms_quantities", "lms_rules", "lms_tumor_facts"]


def test_figures_of_speech_and_vague_places_are_not_sites():
    # Regression: "my head is spinning" made a general treatment question personal (head and neck).
    assert facts_of("we just saw the oncologist and my head is spinning, what are the treatment options") == set()
    assert facts_of("a lump on my head is 3 cm") == expected(site="head_neck", size_cm=3.0)
    # "abdomen" could be several sites: the form explains the choices instead of guessing.
    assert facts_of("abdomen") == {("site_unclear", "abdomen")}
    assert ("site_unclear", "abdomen") not in facts_of("spread to the pelvic lymph nodes")
    assert ("site_unclear", "abdomen") not in facts_of("no spots in the abdomen")
    # Regression: a second vague answer ("around my middle") was not read, so the site was asked again.
    assert facts_of("around my middle i think") == {("site_unclear", "abdomen")}
    assert ("site_unclear", "abdomen") not in facts_of("i am in the middle of chemo, what next?")
    assert ("site_unclear", "abdomen") not in facts_of("abdominal pain after surgery")
    assert ("site", "uterus") in facts_of("LMS was found in the fibroid they removed")
    assert ("grade", "X") in facts_of("the grade couldn't be assigned")
