"""Rasa component: closeness between two question intents is no reason to ask the person to rephrase.

Rasa's FallbackClassifier answers nlu_fallback when the top two intents are within its
ambiguity threshold. For two question intents (ask_general, ask_stage, ask_treatment,
ask_survival, ask_recurrence, ask_ajcc8) that is not a misunderstanding: both go to
action_answer_question, whose answer policy (knowledge/answering.py) decides from the words and
facts. This component, placed right after the FallbackClassifier, restores the top question
intent in that case only; a low-confidence message still falls back.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

FALLBACK_INTENT = "nlu_fallback"
QUESTION_INTENTS = ("ask_general", "ask_stage", "ask_treatment", "ask_survival", "ask_recurrence", "ask_ajcc8")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionAmbiguityResolver(GraphComponent, IntentClassifier):
    """Undoes an ambiguity fallback between two question intents."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`threshold`: the top intent must still reach the FallbackClassifier's own threshold."""
        return {"threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = config["threshold"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuestionAmbiguityResolver:
        """Return the component (nothing to train)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Restore the top intent where the fallback came from two close question intents."""
        for message in messages:
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != FALLBACK_INTENT:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != FALLBACK_INTENT]
            if (len(ranking) >= 2 and ranking[0]["confidence"] >= self.threshold
                    and ranking[0][INTENT_NAME_KEY] in QUESTION_INTENTS
                    and ranking[1][INTENT_NAME_KEY] in QUESTION_INTENTS):
                message.set(INTENT, dict(ranking[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
