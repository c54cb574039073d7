"""spaCy component `lms_quantities`: one token per written number, and size units marked."""
import re
from typing import Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Token

from bot.nlu.patterns_loader import load_yaml

DIGITS = re.compile(r"^(\d+)(?:([.,])(\d+))?$")
FRACTION = re.compile(r"^([1-3])/([248])$")  # the "1/2" of "2 1/2"
QUOTES = ('"', "''")

for _name in ("number", "cm_per_unit"):
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=None)
if not Token.has_extension("is_number"):
    Token.set_extension("is_number", getter=lambda token: token._.number is not None)
if not Token.has_extension("is_unit"):
    Token.set_extension("is_unit", getter=lambda token: token._.cm_per_unit is not None)


@Language.factory("lms_quantities")
def make_quantity_tagger(nlp: Language, name: str) -> "QuantityTagger":
    """Return a QuantityTagger configured by patterns/quantities.yml."""
    return QuantityTagger(load_yaml("quantities.yml"))


def digits_value(text: str) -> Optional[float]:
    """Return the value of "6", "6.5", "6,5" (decimal comma) or "1,000"; None otherwise."""
    match = DIGITS.match(text)
    if not match:
        return None
    whole, separator, fraction = match.groups()
    if separator == "," and len(fraction) == 3:
        return float(whole + fraction)
    return float(f"{whole}.{fraction}") if fraction else float(whole)


class QuantityTagger:
    """Merges "five and a half" into one token with `._.number`; sets `._.cm_per_unit` on units."""

    def __init__(self, config: dict):
        self.words = {word: float(value) for word, value in config["number_words"].items()}
        self.fractions = {word: float(value) for word, value in config["fraction_words"].items()}
        self.units = {unit: float(cm) for unit, cm in config["units_cm"].items()}
        self.inch_in_next = set(config["inch_in_next_words"])

    def __call__(self, doc: Doc) -> Doc:
        numbers = []
        i = 0
        while i < len(doc):
            read = self._read_number(doc, i)
            if read is None:
                i += 1
                continue
            end, value = read
            numbers.append((doc[i].idx, doc[end - 1].idx + len(doc[end - 1]), value))
            i = end
        with doc.retokenize() as retokenizer:
            for start_char, end_char, _ in numbers:
                span = doc.char_span(start_char, end_char)
                if len(span) > 1:
                    retokenizer.merge(span)
        for start_char, end_char, value in numbers:
            doc.char_span(start_char, end_char)[0]._.number = value
        for token in doc:
            if token.lower_ in self.units and self._is_unit(token):
                token._.cm_per_unit = self.units[token.lower_]
        return doc

    def _word_value(self, token: Token) -> Optional[float]:
        """Return the value of a digit string or a number word."""
        value = digits_value(token.text)
        return value if value is not None else self.words.get(token.lower_)

    def _is_unit_word(self, doc: Doc, i: int) -> bool:
        return i < len(doc) and doc[i].lower_ in self.units and doc[i].lower_ != "in"

    def _read_number(self, doc: Doc, i: int) -> Optional[Tuple[int, float]]:
        """Return (end token index, value) of the number phrase starting at token i."""
        low = doc[i].lower_
        if low in ("a", "an") and self._is_unit_word(doc, i + 1):
            return i + 1, 1.0
        if low == "half" and i + 1 < len(doc) and doc[i + 1].lower_ in ("a", "an"):
            if self._is_unit_word(doc, i + 2):
                return i + 2, 0.5
        value = self._word_value(doc[i])
        if value is None:
            return None
        j = i + 1
        if low in self.words and value >= 20 and value % 10 == 0:
            k = j + 1 if j < len(doc) and doc[j].text == "-" else j
            if k < len(doc) and 1 <= self.words.get(doc[k].lower_, 0) <= 9:
                value += self.words[doc[k].lower_]
                j = k + 1
        if j + 1 < len(doc) and doc[j].lower_ == "point" and value == int(value):
            decimal = doc[j + 1]
            if decimal.text.isdigit() or 0 <= self.words.get(decimal.lower_, -1) <= 9:
                digits = decimal.text if decimal.text.isdigit() else str(int(self.words[decimal.lower_]))
                return j + 2, float(f"{int(value)}.{digits}")
        words = [token.lower_ for token in doc[j:j + 3]]
        if len(words) >= 3 and words[:2] == ["and", "a"] and words[2] in self.fractions:
            return j + 3, value + self.fractions[words[2]]
        if len(words) >= 2 and words[0] == "and" and words[1] in self.fractions:
            return j + 2, value + self.fractions[words[1]]
        if j < len(doc) and FRACTION.match(doc[j].text):
            top, bottom = FRACTION.match(doc[j].text).groups()
            return j + 1, value + int(top) / int(bottom)
        return j, value

    def _is_unit(self, token: Token) -> bool:
        """Return whether a unit word stands for a unit here ("3 in across", not "3 in my leg")."""
        doc, i = token.doc, token.i
        if token.lower_ == "in":
            if i == 0 or not doc[i - 1]._.is_number:
                return False
            return i + 1 == len(doc) or doc[i + 1].is_punct or doc[i + 1].lower_ in self.inch_in_next
        if token.text in QUOTES:
            opened = doc.text[: token.idx].count('"') % 2 == 1
            return i > 0 and doc[i - 1]._.is_number and not opened
        return True
