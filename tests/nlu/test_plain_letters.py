"""Unicode tricks do not hide a crisis from the keyword net, and do not change what a patient meant."""
import pytest

from bot.channels import guard
from bot.nlu.plain_letters import plain_letters
from bot.nlu.safety_net import safety_intent

HIDDEN_CRISIS = [
    "I want to kill\u200b myself",             # zero-width space
    "I want to ki\u00adll myself",             # soft hyphen inside the word
    "I want to k\u0456ll myself",              # Cyrillic і
    "I want to ｋｉｌｌ ｍｙｓｅｌｆ",            # full-width letters
    "I want to kill\U000e0020 myself",         # a tag character
    "i w\u2060ant to e\u200dnd my l\u0456fe",  # word joiner, zero-width joiner, Cyrillic і
]


@pytest.mark.parametrize("message", HIDDEN_CRISIS)
def test_a_hidden_crisis_is_still_a_crisis(message):
    # Through the channel guard (what the NLU gets), and straight into the keyword net.
    cleaned, _ = guard(message)
    assert safety_intent(cleaned) == "crisis", cleaned
    assert safety_intent(message) == "crisis"


@pytest.mark.parametrize("text, plain", [
    ("2½ cm tumour", "2.5 cm tumour"),     # NFKC alone would make it "21⁄2", read as 21 cm
    ("it is 3 ¾ cm", "it is 3.75 cm"),
    ("grade ２", "grade 2"),
    ("привет", "привет"),                   # a word wholly in another alphabet stays
    ("café au lait", "café au lait"),
    ("👨\u200d👩\u200d👧 our family", "👨\u200d👩\u200d👧 our family"),  # the emoji's joiners stay
])
def test_plain_letters_keep_what_the_patient_meant(text, plain):
    assert plain_letters(text) == plain
