"""Tokenizer rules so that "7inches", "7x5cm", "6–7cm" and "grade-2" split into words."""
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex

UNIT_SUFFIX = (
    r"(?<=[0-9])(?i:inches|inch|ins|centimetres|centimeters|centimetre|centimeter|cms"
    r"|millimetres|millimeters|millimetre|millimeter|mms)"
)
EXTRA_INFIXES = [
    r"(?<=[0-9])[xX×*](?=[0-9])",  # 7x5
    r"(?<=[0-9])[–—~](?=[0-9])",  # 6–7
    r"(?<=[a-zA-Z])-(?=[0-9])",  # grade-2
    r"(?<=[0-9])-(?=[a-zA-Z])",  # 6-cm
]


def customize_tokenizer(nlp: Language) -> None:
    """Add unit suffixes and number infixes to the pipeline's tokenizer."""
    suffixes = [UNIT_SUFFIX] + list(nlp.Defaults.suffixes)
    infixes = list(nlp.Defaults.infixes) + EXTRA_INFIXES
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
