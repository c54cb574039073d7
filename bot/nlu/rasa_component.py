"""Rasa graph component that adds the spaCy tumor facts to each message as entities."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language

from bot.nlu.pipeline import build_nlp


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class TumorFactsExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts site, size_cm, size_uncertain, grade, nodes, metastasis, extent and number."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the default config (the component has no settings)."""
        return {}

    def __init__(self, config: Dict[Text, Any], nlp: Language) -> None:
        self.component_config = config
        self.nlp = nlp

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TumorFactsExtractor:
        """Return a new extractor with the spaCy pipeline built once."""
        return cls(config, build_nlp())

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TumorFactsExtractor:
        """Return an extractor for a trained model (there is nothing to load: rules are code and data)."""
        return cls.create(config, model_storage, resource, execution_context)

    def entities_for(self, text: Text) -> List[Dict[Text, Any]]:
        """Return the Rasa entity dicts for one text."""
        entities = [
            {"entity": fact["entity"], "value": fact["value"], "start": fact["start"],
             "end": fact["end"], "confidence_entity": 1.0}
            for fact in self.nlp(text)._.facts
        ]
        return self.add_extractor_name(entities)

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the tumor facts of each message to its entities."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            message.set(ENTITIES, message.get(ENTITIES, []) + self.entities_for(text), add_to_output=True)
        return messages
