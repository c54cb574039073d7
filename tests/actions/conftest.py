"""Fixtures for testing actions as plain Python, the way Rasa's demo bots do."""
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import knowledge.loader as loader

DOMAIN_PATH = Path(__file__).resolve().parents[2] / "domain.yml"


@pytest.fixture(scope="session", autouse=True)
def knowledge_db(tmp_path_factory):
    """Builds a throw-away knowledge database and points the query module at it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.db'}"
    patcher = pytest.MonkeyPatch()
    patcher.setenv("KNOWLEDGE_DB_URL", url)
    loader.build()
    yield url
    patcher.undo()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """Returns a dispatcher that collects what an action says."""
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """Returns domain.yml as the action server receives it."""
    import yaml

    return yaml.safe_load(DOMAIN_PATH.read_text())


def make_tracker(slots: Optional[Dict[str, Any]] = None, intent: str = "inform",
                 text: str = "", entities=None, active_loop: Optional[str] = None) -> Tracker:
    """Returns a Tracker built with Tracker.from_dict from the arguments."""
    return Tracker.from_dict({
        "sender_id": "test-patient",
        "slots": dict(slots or {}),
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": entities or []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": active_loop} if active_loop else {},
        "latest_action_name": "action_listen",
    })


def responses(dispatcher: CollectingDispatcher):
    """Returns the names of the responses an action dispatched, in order."""
    return [message.get("response") for message in dispatcher.messages]
