"""Rasa graph component: a message with no word the bot was trained on goes to nlu_fallback.

DIET's softmax is confident even about keyboard mash ("qwerty uiop" came out as `stop`,
"xyzzy" as `urgent_symptom`). A message in which not one word appears in the training
data, and from which the tumor-facts extractor read nothing, cannot have been understood,
so its intent becomes `nlu_fallback` and the bot asks to rephrase. The vocabulary is the
training data's own words, learned at training time and stored with the model.

It runs after the FallbackClassifier and before the crisis keyword safety net, which keeps
the last word.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.forced_intent import force_intent

FALLBACK_INTENT = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.json"
_WORD = re.compile(r"[^\W\d_]+")


def words(text: Text) -> Set[Text]:
    """Return the lowercase words of a text (letters only; numbers and signs are not words)."""
    return {word.lower() for word in _WORD.findall(text or "")}


def understood(text: Text, vocabulary: Set[Text]) -> bool:
    """Return whether the text has a known word, or no word at all (numbers and emoji only)."""
    found = words(text)
    return not found or bool(found & vocabulary)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    """Sets nlu_fallback for messages with no known word and no extracted tumor fact."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the default config (the vocabulary comes from the training data)."""
        return {}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Set[Text]) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> UnknownWordsFallback:
        """Return an untrained component with an empty vocabulary."""
        return cls(config, model_storage, resource, set())

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the vocabulary of the training messages and store it with the model."""
        vocabulary: Set[Text] = set()
        for example in training_data.training_examples:
            vocabulary |= words(example.get(TEXT))
        self.vocabulary = vocabulary
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> UnknownWordsFallback:
        """Return the component with the vocabulary stored at training time."""
        with model_storage.read_from(resource) as directory:
            vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, vocabulary)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the intent to nlu_fallback where no word is known and no tumor fact was read."""
        for message in messages:
            if message.get(ENTITIES) or understood(message.get(TEXT), self.vocabulary):
                continue
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == FALLBACK_INTENT:
                continue
            force_intent(message, FALLBACK_INTENT)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Return the training data unchanged (the component only learns from it)."""
        return training_data
