"""Replies of the action server are checked as Rasa checks them, with the schema checked once per process."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_response_schema
from bot.action_response_schema import RASA_VALIDATE_ACTION_RESULT, validate_action_result

GOOD = {
    "events": [{"event": "slot", "timestamp": None, "name": "answer_mode", "value": "offered"},
               {"event": "active_loop", "name": "tumor_form"}],
    "responses": [{"response": "utter_answer_with_source", "answer": "An answer.", "source_line": "Source: A"}],
}
BAD = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [["not", "an", "object"]]},
]


def action() -> RemoteAction:
    return RemoteAction("action_answer_question", None)


def test_a_good_reply_is_accepted_as_rasa_accepts_it():
    assert RASA_VALIDATE_ACTION_RESULT(action(), GOOD) is True
    assert validate_action_result(action(), GOOD) is True
    assert validate_action_result(action(), {}) is True


@pytest.mark.parametrize("reply", BAD)
def test_a_bad_reply_is_refused_with_rasas_own_error(reply):
    with pytest.raises(ValidationError) as rasas:
        RASA_VALIDATE_ACTION_RESULT(action(), reply)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(action(), reply)
    assert ours.value.message == rasas.value.message
    assert "/custom-actions" in ours.value.message


def test_the_schema_is_checked_once_not_on_every_reply(monkeypatch):
    action_response_schema.action_response_validator.cache_clear()
    checked = []
    validator_class = type(action_response_schema.action_response_validator())
    action_response_schema.action_response_validator.cache_clear()
    real_check = validator_class.check_schema
    monkeypatch.setattr(validator_class, "check_schema",
                        classmethod(lambda cls, schema: checked.append(1) or real_check.__func__(cls, schema)))
    for _ in range(5):
        validate_action_result(action(), GOOD)
    assert len(checked) == 1


def test_installing_it_replaces_rasas_check_for_every_remote_action(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATE_ACTION_RESULT)
    action_response_schema.use_a_validator_built_once()
    assert RemoteAction._validate_action_result is validate_action_result
    with pytest.raises(ValidationError):
        action()._validate_action_result(BAD[0])
