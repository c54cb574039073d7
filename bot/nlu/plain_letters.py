"""Undoes the Unicode tricks that hide words from the keyword nets: what a reader sees is what is matched.

- NFKC folds compatibility forms into plain letters (full-width "ｋｉｌｌ", ligatures, superscripts).
  Vulgar fractions are written as decimals first ("2½ cm" is 2.5 cm), because NFKC would turn
  "2½" into "21⁄2", which reads as 21.
- Invisible format characters are dropped: zero-width spaces and joiners between letters,
  soft hyphens, word joiners and Unicode tag characters. A zero-width joiner between emoji
  stays (it builds one emoji from several).
- In a word that mixes Latin letters with lookalike Cyrillic or Greek ones, the lookalikes
  become the Latin letters they resemble (patterns/lookalike_letters.yml).

The channel guard (bot/channels.py) applies it to every message before the NLU, and the crisis
keyword net (bot/nlu/safety_net.py) applies it again to whatever text reaches it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict

from bot.nlu.patterns_loader import load_yaml

LOOKALIKE_FILE = "lookalike_letters.yml"
# Zero-width space and non-joiner, LTR/RTL marks, soft hyphen, word joiner and invisible
# operators, Mongolian vowel separator, and the tag characters.
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u00ad\u2060-\u2064\u180e\U000e0000-\U000e007f]")
_JOINER_BETWEEN_LETTERS = re.compile(r"(?<=\w)\u200d(?=\w)")
_WORD = re.compile(r"\w+")
_FRACTION = re.compile(r"(\d+)?\s?([\u00bc-\u00be\u2150-\u215e])")
_LATIN = re.compile(r"[a-zA-Z]")


@lru_cache(maxsize=1)
def _lookalikes() -> Dict[str, str]:
    table = {str(letter): str(latin) for letter, latin in load_yaml(LOOKALIKE_FILE).items()}
    table.update({letter.upper(): latin.upper() for letter, latin in list(table.items())})
    return table


def _latin_word(match: re.Match) -> str:
    word = match.group(0)
    if not _LATIN.search(word):
        return word  # wholly another alphabet: a real word of that language
    table = _lookalikes()
    return "".join(table.get(letter, letter) for letter in word)


def _decimal(match: re.Match) -> str:
    value = int(match.group(1) or 0) + unicodedata.numeric(match.group(2))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def plain_letters(text: str) -> str:
    """Returns the text as a reader sees it: NFKC, no invisible characters, lookalike letters made Latin."""
    text = unicodedata.normalize("NFKC", _FRACTION.sub(_decimal, text))
    text = _JOINER_BETWEEN_LETTERS.sub("", _INVISIBLE.sub("", text))
    return _WORD.sub(_latin_word, text)
