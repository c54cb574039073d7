"""Sets a message's intent outright, for the components that overrule the classifier."""
from typing import Text

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def force_intent(message: Message, intent: Text) -> None:
    """Make `intent` the message's intent with confidence 1.0, first in its ranking."""
    top = {INTENT_NAME_KEY: intent, "confidence": 1.0}
    ranking = [entry for entry in message.get(INTENT_RANKING_KEY) or [] if entry.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
