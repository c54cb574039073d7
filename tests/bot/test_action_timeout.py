"""A hung action server against Rasa's own RemoteAction: the turn's calls end within ACTION_TIMEOUT_SECONDS,
the patient hears that part of the answer is missing, and the conversation lock outlives the longest turn.

The action server here is a real HTTP server that takes each call and never answers
(tests/hung_action_server.py); tests/integration/test_faults.py points the real Rasa server at one.
"""
import asyncio
import logging
import re
import time
from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.action_timeout import (
    ACTION_TIMEOUT_ENV,
    DEFAULT_ACTION_TIMEOUT_SECONDS,
    ActionServerTooSlow,
    BoundedActionEndpoint,
    action_timeout_seconds,
    bound_action_calls,
    check_lock_outlives_a_turn,
    lock_lifetime_seconds,
    longest_turn_seconds,
    turn_of_actions,
)
from bot.channels import SERVICE_UNAVAILABLE, handle_guarded
from bot.cluster import Cluster
from tests.bot.test_channels import domain_text
from tests.hung_action_server import HungActionServer

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ["action_answer_question", "validate_tumor_form", "action_ask_site"]
DOMAIN = Domain.from_dict({"actions": ACTIONS})


@pytest.fixture
def hung_server():
    with HungActionServer() as server:
        yield server


async def run_remote_action(name: str, endpoint: EndpointConfig) -> list:
    """Runs a custom action through Rasa's RemoteAction, as Rasa's processor does; returns its events."""
    tracker = DialogueStateTracker("patient-1", slots=[])
    return await RemoteAction(name, endpoint).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN)


async def test_a_hung_action_server_is_given_up_when_the_turns_time_is_up(hung_server, monkeypatch):
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, "1.5")
    endpoint = BoundedActionEndpoint(hung_server.url)
    with turn_of_actions() as turn:
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await run_remote_action("action_answer_question", endpoint)
        first = time.monotonic() - started
        # The turn's time is used up: the next call of the same turn is not even made.
        with pytest.raises(ActionServerTooSlow):
            await run_remote_action("validate_tumor_form", endpoint)
        both = time.monotonic() - started
    assert 1.4 <= first < 4, first  # Rasa's own timeout would be 300 s
    assert both - first < 0.5, both - first
    assert turn.failed
    assert hung_server.actions == ["action_answer_question"]


async def test_the_turns_clock_starts_at_its_first_action_call(hung_server, monkeypatch):
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, "2")
    endpoint = BoundedActionEndpoint(hung_server.url)
    with turn_of_actions():
        await asyncio.sleep(0.5)  # the NLU and the policies: not the action server's time
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await run_remote_action("action_answer_question", endpoint)
        took = time.monotonic() - started
    assert 1.9 <= took < 4, took


async def test_a_call_outside_a_chat_turn_gets_the_whole_time(hung_server, monkeypatch):
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, "1")
    endpoint = BoundedActionEndpoint(hung_server.url)
    for name in ("action_answer_question", "action_ask_site"):
        with pytest.raises(asyncio.TimeoutError):
            await run_remote_action(name, endpoint)
    assert hung_server.actions == ["action_answer_question", "action_ask_site"]


def test_the_agent_calls_actions_through_the_bounded_endpoint_with_rasas_settings(monkeypatch):
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")
    rasas = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    processor = type("Processor", (), {"action_endpoint": rasas})()
    agent = type("Agent", (), {"processor": processor, "action_endpoint": rasas})()
    bound_action_calls(agent)
    bounded = agent.processor.action_endpoint
    assert isinstance(bounded, BoundedActionEndpoint)
    assert bounded == rasas and bounded.url == "http://localhost:5055/webhook"
    assert agent.action_endpoint is bounded
    bound_action_calls(agent)  # once per agent
    assert agent.processor.action_endpoint is bounded


async def test_an_action_that_fails_after_part_of_the_answer_still_gets_the_notice(
    hung_server, monkeypatch, caplog
):
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, "1")
    endpoint = BoundedActionEndpoint(hung_server.url)

    async def a_turn_like_rasas(message: UserMessage) -> None:
        # As Rasa's processor: a response goes out, then a custom action fails, and Rasa logs
        # the failure and finishes the turn without raising.
        await message.output_channel.send_response(message.sender_id, {"text": "the first part"})
        try:
            await run_remote_action("validate_tumor_form", endpoint)
        except Exception:
            logging.getLogger("rasa.core.processor").exception("Encountered an exception")

    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage("thank you", collector, "patient-1"), a_turn_like_rasas, domain_text)
    assert [m["text"] for m in collector.messages] == ["the first part", domain_text(SERVICE_UNAVAILABLE)]
    assert "did not answer within 1 s" in caplog.text


async def test_a_turn_without_failed_actions_gets_no_notice() -> None:
    async def answered(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "the whole answer"})

    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage("What is LMS?", collector, "patient-1"), answered, domain_text)
    assert [m["text"] for m in collector.messages] == ["the whole answer"]


# --- the lock outlives the longest turn ----------------------------------------------------


def _python_setting(path: str, name: str) -> float:
    found = re.search(rf"^{name} = (\d+)$", (ROOT / path).read_text(), re.MULTILINE)
    assert found, f"{path} sets no {name}"
    return float(found.group(1))


def _deploy_setting(path: str, name: str) -> float:
    text = (ROOT / path).read_text()
    found = re.search(rf'{name}:\s*"(\d+)"', text) or re.search(
        rf'name: {name}\b[^\n]*\n\s*value:\s*"(\d+)"', text)
    assert found, f"{path} sets no {name}"
    return float(found.group(1))


def test_the_shipped_lock_lifetimes_outlive_the_longest_turn(monkeypatch, tmp_path):
    monkeypatch.delenv(ACTION_TIMEOUT_ENV, raising=False)
    monkeypatch.delenv("TICKET_LOCK_LIFETIME", raising=False)
    assert action_timeout_seconds() == DEFAULT_ACTION_TIMEOUT_SECONDS == 10
    longest = longest_turn_seconds()
    # The actions, the model and the store: README and docs/architecture.md say "+ 26.5 s".
    assert longest == DEFAULT_ACTION_TIMEOUT_SECONDS + 26.5
    lifetimes = {
        "make run (Rasa's default)": lock_lifetime_seconds(),
        "make run-cluster": float(Cluster(data_dir=tmp_path).lock_lifetime),
        "the cluster tests": _python_setting("tests/cluster/conftest.py", "LOCK_LIFETIME_SECONDS"),
    }
    for path in ("deploy/docker-compose.yml", "deploy/helm/rasa-values.yml"):
        lifetimes[path] = _deploy_setting(path, "TICKET_LOCK_LIFETIME")
        assert longest_turn_seconds(_deploy_setting(path, ACTION_TIMEOUT_ENV)) < lifetimes[path], path
    assert lifetimes["make run (Rasa's default)"] == 60
    for where, lifetime in lifetimes.items():
        assert lifetime > longest, f"{where}: the lock ({lifetime} s) expires within a turn ({longest} s)"
        check_lock_outlives_a_turn(lifetime)


def test_a_lock_that_could_expire_within_a_turn_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store")
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "30")
    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):
        LockStore.create(config)
    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):
        Cluster(data_dir=tmp_path)
    # A longer wait for actions needs a longer lock, too.
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "120")
    LockStore.create(config)
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, "120")
    with pytest.raises(ValueError, match="ACTION_TIMEOUT_SECONDS"):
        LockStore.create(config)


@pytest.mark.parametrize("raw", ["soon", "0", "-5"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(monkeypatch, raw):
    monkeypatch.setenv(ACTION_TIMEOUT_ENV, raw)
    with pytest.raises(ValueError, match=ACTION_TIMEOUT_ENV):
        action_timeout_seconds()
