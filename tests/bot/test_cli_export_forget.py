"""`python -m bot export` and `forget`: work on the conversation store directly, no server."""
import asyncio

import pytest
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from bot.__main__ import main
from bot.tracker_store import ProjectSQLTrackerStore

EVENTS = [
    ActionExecuted("action_session_start"),
    SessionStarted(),
    ActionExecuted("action_listen"),
    UserUttered("what stage is my tumor?", {"name": "ask_stage", "confidence": 0.97}),
    ActionExecuted("tumor_form"),
    ActiveLoop("tumor_form"),
    SlotSet("requested_slot", "grade"),
    BotUttered("What grade is it?"),
    ActionExecuted("action_listen"),
    UserUttered("it is grade 3", {"name": "inform", "confidence": 0.91},
                [{"entity": "grade", "value": "3", "start": 6, "end": 13}]),
    SlotSet("grade", "3"),
    ActionExecuted("tumor_form"),
    SlotSet("requested_slot", None),
    ActiveLoop(None),
    ActionExecuted("action_answer"),
    BotUttered("That is stage III."),
    ActionExecuted("action_listen"),
]


PRIVATE_WORDS = "it is grade 3, my name is Jane Doe and I was born in 1961"


@pytest.fixture(autouse=True)
def training_data(tmp_path, monkeypatch):
    """Makes export compare messages with a small NLU file that has one of EVENTS' messages."""
    import bot.cli.export

    path = tmp_path / "nlu.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: ask_stage\n  examples: |\n'
                    '    - What stage is my tumor?\n    - what is the stage\n')
    monkeypatch.setattr(bot.cli.export, "TRAINING_DATA", path)
    return path


@pytest.fixture
def stored(tracker_url, domain, domain_file):
    """Saves one staging conversation as 'patient-7' in the temporary store."""
    store = ProjectSQLTrackerStore(domain=domain)
    asyncio.run(store.save(DialogueStateTracker.from_events("patient-7", EVENTS, domain.slots)))
    return store


def read_back(text, domain):
    """Returns the single story step Rasa reads from the YAML text."""
    steps = YAMLStoryReader(domain, "test_stories.yml").read_from_string(text)
    assert len(steps) == 1
    return steps[0]


def test_export_writes_a_test_story_rasa_reads_back(stored, domain, capsys):
    assert main(["export", "patient-7", "--reviewed"]) == 0
    text = capsys.readouterr().out

    assert text.startswith("# Exported from conversation patient-7")
    story = read_back(text, domain)
    users = [e for e in story.events if isinstance(e, UserUttered)]
    assert [(u.text, u.intent_name) for u in users] == [
        ("what stage is my tumor?", "ask_stage"), ("it is grade 3", "inform")]
    assert users[1].entities[0]["entity"] == "grade" and users[1].entities[0]["value"] == "3"
    steps = [(type(e).__name__, getattr(e, "action_name", None) or getattr(e, "key", None)
              or getattr(e, "name", None)) for e in story.events if not isinstance(e, UserUttered)]
    assert ("ActionExecuted", "tumor_form") in steps
    assert ("ActionExecuted", "action_answer") in steps
    assert ("SlotSet", "grade") in steps
    assert ("ActiveLoop", "tumor_form") in steps
    assert all(name not in ("action_listen", "action_session_start") for _, name in steps)
    assert "That is stage III." not in text  # bot text is not part of the story


def test_export_leaves_out_the_words_of_messages_that_are_not_training_examples(
        tracker_url, domain, domain_file, capsys):
    events = [*EVENTS[:9], UserUttered(PRIVATE_WORDS, {"name": "inform", "confidence": 0.91},
                                       [{"entity": "grade", "value": "3", "start": 6, "end": 13}]),
              *EVENTS[10:]]
    store = ProjectSQLTrackerStore(domain=domain)
    asyncio.run(store.save(DialogueStateTracker.from_events("patient-9", events, domain.slots)))

    assert main(["export", "patient-9"]) == 0
    text = capsys.readouterr().out

    assert "Jane" not in text and "1961" not in text
    assert "words of 1 message(s)" in text
    story = read_back(text, domain)
    users = [e for e in story.events if isinstance(e, UserUttered)]
    # A training example keeps its words; the patient's own message keeps only its intent.
    assert [(u.text, u.intent_name) for u in users] == [
        ("what stage is my tumor?", "ask_stage"), (None, "inform")]
    assert ("grade", "3") in [(e.key, e.value) for e in story.events if isinstance(e, SlotSet)]


def test_export_reviewed_keeps_the_patients_words(tracker_url, domain, domain_file, capsys):
    events = [*EVENTS[:3], UserUttered(PRIVATE_WORDS, {"name": "inform", "confidence": 0.9})]
    store = ProjectSQLTrackerStore(domain=domain)
    asyncio.run(store.save(DialogueStateTracker.from_events("patient-10", events, domain.slots)))

    assert main(["export", "patient-10", "--reviewed"]) == 0
    text = capsys.readouterr().out
    assert "--reviewed" in text
    assert [e.text for e in read_back(text, domain).events if isinstance(e, UserUttered)] == [PRIVATE_WORDS]


def test_export_to_a_new_file_and_then_append(stored, domain, tmp_path, capsys):
    output = tmp_path / "tests" / "test_stories_exported.yml"
    assert main(["export", "patient-7", "--output", str(output)]) == 0
    assert main(["export", "patient-7", "--output", str(output)]) == 0

    steps = YAMLStoryReader(domain, str(output)).read_from_string(output.read_text())
    assert len(steps) == 2
    assert "Appended the story" in capsys.readouterr().err


def test_export_of_an_unknown_conversation_says_so(stored, capsys):
    assert main(["export", "nobody"]) == 1
    assert "No conversation with id 'nobody'" in capsys.readouterr().err


def test_forget_deletes_the_conversation(stored, capsys):
    assert main(["forget", "patient-7"]) == 0
    assert f"{len(EVENTS)} events removed" in capsys.readouterr().out
    assert asyncio.run(stored.retrieve("patient-7")) is None


def test_forget_of_an_unknown_conversation_exits_1(stored, capsys):
    assert main(["forget", "nobody"]) == 1
    assert "nothing was deleted" in capsys.readouterr().err


def test_export_keeps_the_words_once_when_entities_overlap(tracker_url, domain, domain_file, capsys):
    # Regression: "[confined to the uterus]{extent}[uterus](site)" was written, so the story's
    # text read "It is confined to the uterusuterus" and replay sent that to the bot.
    text = "It is confined to the uterus"
    events = EVENTS[:3] + [UserUttered(text, {"name": "inform", "confidence": 0.9}, [
        {"entity": "extent", "value": "uterus", "start": 6, "end": 28},
        {"entity": "site", "value": "uterus", "start": 22, "end": 28}])]
    store = ProjectSQLTrackerStore(domain=domain)
    asyncio.run(store.save(DialogueStateTracker.from_events("patient-8", events, domain.slots)))

    assert main(["export", "patient-8", "--reviewed"]) == 0
    story = read_back(capsys.readouterr().out, domain)
    user = next(e for e in story.events if isinstance(e, UserUttered))
    assert user.text == text
    assert [(e["entity"], e["value"]) for e in user.entities] == [("extent", "uterus")]


@pytest.fixture
def deleting_bot(monkeypatch):
    """A stand-in Rasa server that deletes through DELETE /webhooks/<channel>/conversation when the token is right."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bot.conversation_tokens import ConversationTokens

    secret = "forget-test-secret-0123456789abcdef0123"
    monkeypatch.setenv("SERVER_SECRET", secret)
    tokens = ConversationTokens(secret)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_DELETE(self):  # noqa: N802
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            channel = self.path.split("/")[2]
            conversation = tokens.conversation_of(token, {"socketio": "ws", "rest": "rest"}[channel])
            seen.append((self.path, conversation))
            body = json.dumps({"deleted": conversation == "ws-0123456789abcdef"} if conversation
                              else {"error": "bad token"}).encode()
            self.send_response(200 if conversation else 401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_forget_goes_through_the_running_bot_which_holds_the_lock(deleting_bot, tracker_url, capsys):
    url, seen = deleting_bot
    assert main(["forget", "ws-0123456789abcdef", "--url", url]) == 0
    assert seen == [("/webhooks/socketio/conversation", "ws-0123456789abcdef")]
    assert "through the running bot" in capsys.readouterr().out
    assert main(["forget", "rest-0123456789abcdef", "--url", url]) == 1
    assert seen[-1] == ("/webhooks/rest/conversation", "rest-0123456789abcdef")


def test_forget_refuses_to_guess_when_the_bot_rejects_the_secret(deleting_bot, tracker_url, monkeypatch, capsys):
    url, _ = deleting_bot
    monkeypatch.setenv("SERVER_SECRET", "a-different-secret-0123456789abcdef0123")
    assert main(["forget", "ws-0123456789abcdef", "--url", url]) == 1
    assert "SERVER_SECRET" in capsys.readouterr().err


def test_forget_without_a_running_bot_deletes_from_the_store(stored, free_url, monkeypatch, capsys):
    monkeypatch.setenv("SERVER_SECRET", "forget-test-secret-0123456789abcdef0123")
    assert main(["forget", "patient-7", "--url", free_url]) == 0
    assert asyncio.run(stored.retrieve("patient-7")) is None
