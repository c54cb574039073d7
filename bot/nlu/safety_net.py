"""Rasa graph component that forces `crisis` / `urgent_symptom` when keyword patterns match."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.forced_intent import force_intent
from bot.nlu.patterns_loader import load_yaml
from bot.nlu.plain_letters import plain_letters

KEYWORD_FILE = "crisis_keywords.yml"


class KeywordGroup:
    """One intent with its regular expressions and the exceptions that cancel them."""

    def __init__(self, intent: Text, patterns: List[Text], exceptions: List[Text]) -> None:
        self.intent = intent
        self.patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        self.exceptions = [re.compile(p, re.IGNORECASE) for p in exceptions]

    def matches(self, text: Text) -> bool:
        """Return whether the normalized text matches a pattern and no exception."""
        return any(p.search(text) for p in self.patterns) and not any(p.search(text) for p in self.exceptions)


def normalize(text: Text) -> Text:
    """Return the plain letters (bot/nlu/plain_letters.py) in lowercase, without apostrophes, with single spaces."""
    text = re.sub(r"[’'`]", "", plain_letters(text).lower())
    return re.sub(r"\s+", " ", text)


def load_keyword_groups() -> List[KeywordGroup]:
    """Return the keyword groups of patterns/crisis_keywords.yml, in priority order."""
    return [KeywordGroup(group["intent"], group["patterns"], group.get("except") or [])
            for group in load_yaml(KEYWORD_FILE).values()]


def safety_intent(text: Text, groups: Optional[List[KeywordGroup]] = None) -> Optional[Text]:
    """Return the intent forced by the first matching keyword group, or None."""
    normalized = normalize(text)
    for group in groups if groups is not None else load_keyword_groups():
        if group.matches(normalized):
            return group.intent
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisKeywordSafetyNet(GraphComponent, IntentClassifier):
    """Overrides the predicted intent on a keyword match: crisis, urgent symptoms, treatment decisions, short replies."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the default config (the keywords live in patterns/crisis_keywords.yml)."""
        return {}

    def __init__(self, config: Dict[Text, Any], groups: List[KeywordGroup]) -> None:
        self.component_config = config
        self.groups = groups

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CrisisKeywordSafetyNet:
        """Return a safety net with the keyword patterns loaded."""
        return cls(config, load_keyword_groups())

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CrisisKeywordSafetyNet:
        """Return a safety net for a trained model (nothing is persisted)."""
        return cls.create(config, model_storage, resource, execution_context)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent to crisis / urgent_symptom (confidence 1.0) where the keywords match."""
        for message in messages:
            forced = safety_intent(message.get(TEXT) or "", self.groups)
            if forced is None:
                continue
            original = message.get(INTENT) or {}
            if original.get(INTENT_NAME_KEY) == forced and original.get("confidence", 0) >= 1.0:
                continue
            force_intent(message, forced)
        return messages
