"""Simulated patients hold whole conversations over REST; the stage the bot states must be
the staging engine's stage for their facts, across AJCC 7th, AJCC 8th and FIGO 2009."""
import pytest

from knowledge import query
from tests.integration.simulated_patient import Profile, converse

pytestmark = pytest.mark.servers

PROFILES = [
    # AJCC 7th edition (the default outside the uterus), answered one question at a time
    Profile("trunk_extremity", 3, "1", False, False),
    Profile("trunk_extremity", 5, "1", False, False),            # exactly 5 cm is T1: IA
    Profile("trunk_extremity", 5.5, "1", False, False),
    Profile("trunk_extremity", 12, "X", False, False, opening="what stage is it? it was ungradable"),
    Profile("trunk_extremity", 4, "2", False, False),
    Profile("trunk_extremity", 4, "3", False, False),
    Profile("trunk_extremity", 8, "2", False, False),
    Profile("trunk_extremity", 8, "3", None, False),             # nodes not needed: III either way
    Profile("trunk_extremity", 2, "1", True, False),
    Profile("trunk_extremity", None, None, None, True),          # distant spread: IV at once
    Profile("retroperitoneum", 20, "2", False, False),
    Profile("retroperitoneum", 10, "1", False, False),
    Profile("head_neck", 3, "3", False, False),
    Profile("gi_tract", 9, "2", False, False),
    Profile("trunk_extremity", 7, "3", False, False,
            opening="what stage is a 7 cm grade 3 tumour in my thigh?"),
    Profile("retroperitoneum", 6, "2", False, False,
            opening="my dad's retroperitoneal LMS is 6cm, grade 2, nodes were clear. what stage?"),
    # AJCC 8th edition, on request
    Profile("trunk_extremity", 5, "2", False, False, system="ajcc8",
            opening="what stage is it using the 8th edition?"),
    Profile("trunk_extremity", 10, "3", False, False, system="ajcc8",
            opening="what stage is it in the AJCC 8th edition?"),
    Profile("trunk_extremity", 15, "2", False, False, system="ajcc8",
            opening="what stage is it in the AJCC 8th edition?"),
    Profile("trunk_extremity", 16, "1", False, False, system="ajcc8",
            opening="what stage is it in the AJCC 8th edition?"),
    Profile("trunk_extremity", 3, "1", True, False, system="ajcc8",
            opening="what stage is it in the AJCC 8th edition?"),
    Profile("retroperitoneum", 3, "1", True, False, system="ajcc8",
            opening="what stage is it in the AJCC 8th edition?"),
    # FIGO 2009 for the uterus: all nine stages, and the 5 cm boundary
    Profile("uterus", 4, extent="uterus"),
    Profile("uterus", 5, extent="uterus"),
    Profile("uterus", 11, extent="uterus"),
    Profile("uterus", 9, extent="adnexa"),
    Profile("uterus", 9, extent="pelvic_tissue"),
    Profile("uterus", 9, extent="abdominal_one_site"),
    Profile("uterus", 9, extent="abdominal_multiple_sites"),
    Profile("uterus", 9, extent="regional_nodes"),
    Profile("uterus", 9, extent="bladder_or_rectum"),
    Profile("uterus", 9, extent="distant"),
    Profile("uterus", 6, extent="uterus", opening="what stage is my 6 cm uterine leiomyosarcoma? it is confined to the uterus"),
]


def _id(profile: Profile) -> str:
    return (f"{profile.system or 'default'}-{profile.site}-{profile.size_cm}cm-g{profile.grade}"
            f"-n{profile.nodes}-m{profile.metastasis}-{profile.extent}")


@pytest.mark.parametrize("profile", PROFILES, ids=[_id(p) for p in PROFILES])
def test_the_stated_stage_is_the_engines_stage(bot_stack, profile):
    expected = query.stage_case(**profile.facts())
    assert expected.stage, f"profile {profile} should be fully determined"
    stated, conversation = converse(bot_stack.send, profile)
    assert stated == expected.stage, (
        f"expected stage {expected.stage} ({expected.explanation})\n{conversation.transcript()}")


def test_at_least_thirty_profiles_cover_the_three_systems():
    systems = {query.stage_case(**p.facts()).system for p in PROFILES}
    assert len(PROFILES) >= 30 and systems == {"ajcc7", "ajcc8", "figo2009"}
