"""The domain holds every response the bot uses, and uses every response it holds."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


YAML_NAME = r"\b(utter_\w+)\b"
PYTHON_NAME = r"[\"'](utter_\w+)[\"']"


def _named_in(paths, pattern=YAML_NAME):
    found = set()
    for path in paths:
        found |= set(re.findall(pattern, path.read_text()))
    return found


def test_every_response_is_used_by_a_rule_a_story_an_action_a_form_or_a_channel():
    used = _named_in((ROOT / "data").rglob("*.yml"))
    used |= _named_in((ROOT / "actions").glob("*.py"), PYTHON_NAME)
    used |= _named_in((ROOT / "bot").glob("*.py"), PYTHON_NAME)
    # Rasa itself asks a form's slots with utter_ask_<slot>, utters utter_restart on
    # restart and utter_default on a core fallback.
    used |= {f"utter_ask_{slot}" for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    used |= {"utter_restart", "utter_default"}
    # Families an action names with an f-string, e.g. f"utter_left_open_{slot}".
    prefixes = _named_in((ROOT / "actions").glob("*.py"), r"f[\"'](utter_\w+_)\{")
    used |= {name for name in DOMAIN["responses"] if name.startswith(tuple(prefixes))}
    unused = set(DOMAIN["responses"]) - used
    assert not unused, f"responses nothing uses: {sorted(unused)}"


def test_every_response_named_in_code_or_data_exists():
    named = _named_in((ROOT / "data").rglob("*.yml")) | _named_in((ROOT / "actions").glob("*.py"), PYTHON_NAME)
    missing = named - set(DOMAIN["responses"])
    assert not missing, f"responses missing from domain.yml: {sorted(missing)}"


def test_buttons_send_plain_text_never_intent_payloads():
    # Typed "/intent{...}" strings are refused, so the bot's own buttons must not rely on them.
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            for button in variation.get("buttons", []):
                assert not button["payload"].startswith("/"), f"{name}: {button}"


def test_the_greeting_says_it_is_an_automated_assistant_not_a_doctor():
    text = DOMAIN["responses"]["utter_greet"][0]["text"]
    assert "automated" in text and "not a doctor" in text


def test_the_tumour_facts_have_one_name_in_the_entities_the_slots_and_the_engine():
    from knowledge.facts import SITES, TUMOUR_FACTS

    assert set(TUMOUR_FACTS) <= set(DOMAIN["slots"]) and set(TUMOUR_FACTS) <= set(DOMAIN["entities"])
    # The site names the NLU gives (bot/nlu/patterns/site.yml) and the staging vocabulary's are the engine's.
    patterns = yaml.safe_load((ROOT / "bot" / "nlu" / "patterns" / "site.yml").read_text())
    vocabulary = yaml.safe_load((ROOT / "knowledge" / "data" / "staging" / "vocabulary.yml").read_text())
    assert set(patterns["SITE"]) <= set(SITES)
    assert {site["id"] for site in vocabulary["sites"]} - {"unknown"} == set(SITES)


def test_no_safety_or_control_message_fills_a_tumour_fact_from_its_entities():
    """'I want to kill myself, it's 5 cm' or 'stop, it's grade 3' must not fill a slot on the way."""
    safety_and_control = {"crisis", "urgent_symptom", "stop", "restart", "out_of_scope"}
    entity_mappings = [(name, mapping) for name, slot in DOMAIN["slots"].items()
                       for mapping in slot.get("mappings", []) if mapping["type"] == "from_entity"]
    assert len(entity_mappings) >= 9
    for name, mapping in entity_mappings:
        assert set(mapping.get("not_intent", [])) >= safety_and_control, name
    # One list, reused through a YAML anchor, so the next mapping cannot forget an intent.
    assert (ROOT / "domain.yml").read_text().count("[crisis, urgent_symptom") == 1
