"""The Rasa server checks each action server reply with a JSON-schema validator built once, not once per call.

Rasa 3.6 checks every reply of the action server against its response schema
(`RemoteAction._validate_action_result`) with `jsonschema.validate`, which first checks the
schema itself against JSON Schema's meta-schema, then builds a validator, on every call. The
schema (Rasa's events schema) never changes while the server runs, yet checking it costs
about 30 ms of CPU per action call on a 2-core machine, about 35 times the check of the reply
itself: 35 to 105 ms of every turn with one to three custom actions (docs/performance.md).

`use_a_validator_built_once()` replaces that method, in this process, with one that checks
the schema and builds the validator on its first call and keeps them. A reply is accepted
or refused exactly as before: the same schema, the same validator class, the same error
(jsonschema's best match, with Rasa's pointer to its documentation added to the message).
The Rasa server's entry point (bot/rasa_server.py) calls it before Rasa starts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import exceptions
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

RASA_VALIDATE_ACTION_RESULT = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """Returns the validator of Rasa's action response schema; the schema is checked here, once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Returns True when the action server's reply fits Rasa's schema; raises ValidationError as Rasa does."""
    if type(self).action_response_format_spec is not RemoteAction.action_response_format_spec:
        return RASA_VALIDATE_ACTION_RESULT(self, result)  # a subclass with a schema of its own
    error = exceptions.best_match(action_response_validator().iter_errors(result))
    if error is not None:
        # Rasa's own wording (rasa/core/actions/action.py).
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def use_a_validator_built_once() -> None:
    """Makes every RemoteAction of this process check replies with the validator built once."""
    RemoteAction._validate_action_result = validate_action_result
