"""`python -m bot ask`: the bot's answer over the REST channel, as text or JSON."""
import json

from bot.__main__ import main

ANSWER = [
    {"text": "Leiomyosarcoma is a rare cancer of smooth muscle.\nSource: Verywell Health (June 2023)"},
    {"text": "What would you like to know next?",
     "buttons": [{"title": "How is it staged?", "payload": "How is it staged?"},
                 {"title": "How is it treated?", "payload": "How is it treated?"}]},
]


def test_prints_the_answer_with_follow_up_questions(fake_rasa, capsys):
    rasa = fake_rasa({"What is LMS?": ("ask_general", ["action_answer_question"], ANSWER)})

    assert main(["ask", "What is LMS?", "--url", rasa.url]) == 0

    out = capsys.readouterr().out
    assert out == (
        "Leiomyosarcoma is a rare cancer of smooth muscle.\nSource: Verywell Health (June 2023)\n\n"
        "What would you like to know next?\n\n"
        "Follow-up questions: How is it staged?; How is it treated?\n"
    )
    assert rasa.messages[0]["message"] == "What is LMS?"
    assert rasa.messages[0]["sender"].startswith("rest-")


def test_every_question_is_a_new_conversation(fake_rasa, capsys):
    rasa = fake_rasa({"hi": ("greet", ["utter_greet"], [{"text": "Hello."}])})
    main(["ask", "hi", "--url", rasa.url])
    main(["ask", "hi", "--url", rasa.url])
    assert rasa.messages[0]["sender"] != rasa.messages[1]["sender"]


def test_json_has_the_question_the_messages_and_the_sender(fake_rasa, capsys):
    rasa = fake_rasa({"What is LMS?": ("ask_general", ["action_answer_question"], ANSWER)})

    assert main(["ask", "What is LMS?", "--json", "--url", rasa.url]) == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed["question"] == "What is LMS?"
    assert printed["sender"] == rasa.messages[0]["sender"]
    assert [message["text"] for message in printed["answer"]] == [m["text"] for m in ANSWER]
    assert printed["answer"][1]["buttons"][0]["title"] == "How is it staged?"


def test_says_to_start_the_bot_when_none_answers(free_url, capsys):
    assert main(["ask", "What is LMS?", "--url", free_url]) == 3
    captured = capsys.readouterr()
    assert "make run" in captured.err
    assert "Traceback" not in captured.err


def test_an_empty_reply_is_reported(fake_rasa, capsys):
    rasa = fake_rasa({"hi": ("greet", [], [])})
    assert main(["ask", "hi", "--url", rasa.url]) == 1
    assert "no reply" in capsys.readouterr().err
