"""`python -m bot replay`: test stories played against a (fake) running bot."""
import pytest

from bot.__main__ import main

STORIES = """
version: "3.1"
stories:
- story: greeting
  steps:
  - user: |
      hello there
    intent: greet
  - action: utter_greet

- story: staging questions
  steps:
  - user: |
      what stage is my tumor?
    intent: ask_stage
  - action: tumor_form
  - active_loop: tumor_form
  - slot_was_set:
    - requested_slot: grade
  - user: |
      it is [grade 3]{"entity": "grade", "value": "3"}
    intent: inform
  - action: tumor_form
  - active_loop: null
  - action: action_answer
"""

GOOD_BOT = {
    "hello there": ("greet", ["utter_greet"], [{"text": "Hello."}]),
    "what stage is my tumor?": ("ask_stage", ["tumor_form"], [{"text": "What grade is it?"}]),
    "it is grade 3": ("inform", ["tumor_form", "action_answer"], [{"text": "That is stage III."}]),
}


@pytest.fixture
def stories_file(tmp_path, domain_file):
    path = tmp_path / "test_stories.yml"
    path.write_text(STORIES)
    return path


def test_matching_stories_pass(fake_rasa, stories_file, capsys):
    rasa = fake_rasa(GOOD_BOT, token="secret")

    code = main(["replay", str(stories_file), "--url", rasa.url, "--token", "secret"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS  greeting" in out and "PASS  staging questions" in out
    assert out.rstrip().endswith("2 stories, 2 passed, 0 failed")
    # entity annotations are stripped: the bot gets what a patient would type
    assert [m["message"] for m in rasa.messages] == ["hello there", "what stage is my tumor?", "it is grade 3"]
    senders = {m["sender"] for m in rasa.messages}
    assert len(senders) == 2 and all(s.startswith("rest-") for s in senders)


def test_a_different_action_is_reported_with_the_turn_and_the_bot_text(fake_rasa, stories_file, capsys):
    bot = dict(GOOD_BOT)
    bot["it is grade 3"] = ("inform", ["tumor_form", "utter_ask_grade"], [{"text": "What grade is it?"}])
    rasa = fake_rasa(bot)

    code = main(["replay", str(stories_file), "--url", rasa.url])

    out = capsys.readouterr().out
    assert code == 1
    assert "PASS  greeting" in out
    assert "FAIL  staging questions" in out
    assert 'turn 2, user: "it is grade 3"' in out
    assert "expected actions: tumor_form, action_answer" in out
    assert "actual actions:   tumor_form, utter_ask_grade   <- differs" in out
    assert "bot said: What grade is it?" in out
    assert "turn 1," not in out
    assert out.rstrip().endswith("2 stories, 1 passed, 1 failed")


def test_a_different_intent_is_reported(fake_rasa, stories_file, capsys):
    bot = dict(GOOD_BOT)
    bot["hello there"] = ("affirm", ["utter_greet"], [{"text": "Hello."}])
    rasa = fake_rasa(bot)

    assert main(["replay", str(stories_file), "--url", rasa.url]) == 1
    assert "intent   expected greet, got affirm   <- differs" in capsys.readouterr().out


def test_the_token_comes_from_the_environment(fake_rasa, stories_file, monkeypatch, capsys):
    rasa = fake_rasa(GOOD_BOT, token="from-env")
    monkeypatch.setenv("RASA_API_TOKEN", "from-env")
    assert main(["replay", str(stories_file), "--url", rasa.url]) == 0


def test_a_refused_token_is_explained(fake_rasa, stories_file, monkeypatch, capsys):
    rasa = fake_rasa(GOOD_BOT, token="right")
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    assert main(["replay", str(stories_file), "--url", rasa.url, "--token", "wrong"]) == 1
    assert "refused the API token" in capsys.readouterr().err


def test_intent_only_steps_cannot_be_replayed(fake_rasa, tmp_path, domain_file, capsys):
    path = tmp_path / "stories.yml"
    path.write_text('version: "3.1"\nstories:\n- story: no text\n  steps:\n  - intent: greet\n  - action: utter_greet\n')
    rasa = fake_rasa(GOOD_BOT)
    assert main(["replay", str(path), "--url", rasa.url]) == 1
    out = capsys.readouterr().out
    assert "cannot replay: turn 1: 'intent: greet' has no 'user:' text" in out
    assert rasa.messages == []


def test_no_server_says_to_start_one(stories_file, free_url, capsys):
    assert main(["replay", str(stories_file), "--url", free_url]) == 3
    assert "make run" in capsys.readouterr().err


def test_a_missing_file_is_explained(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.yml")]) == 2
    assert "There is no stories file" in capsys.readouterr().err


def test_an_invalid_file_is_explained(tmp_path, domain_file, capsys):
    path = tmp_path / "broken.yml"
    path.write_text("stories:\n- story: x\n  steps: [{user: hi, intent: greet, bogus: 1}]\n")
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a valid Rasa stories file" in err and "Traceback" not in err
