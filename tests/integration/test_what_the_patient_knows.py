"""What the patient already knows, end to end over REST: a stage the care team gave, a fact
they say they don't have, and a survival question that needs only the site."""
import pytest

pytestmark = pytest.mark.servers


def joined(bot, replies):
    return "\n".join(bot.texts(replies))


def test_a_stage_from_the_care_team_answers_treatment_at_once_then_for_the_site(bot_stack, sender):
    # The general answer for the stage comes first, without the form; the site is asked only
    # when the person accepts the offer to make it specific.
    bot = bot_stack
    first = joined(bot, bot.send(sender, "my doctor said its stage 3, what treatments are there?"))
    assert "Stage II-III" in first and "Source:" in first, first
    assert bot.response_text("utter_ask_site") not in first
    assert bot.response_text("utter_offer_personal_treatment") in first
    assert bot.slot(sender, "stated_stage") == "III"

    assert bot.response_text("utter_ask_site") in bot.texts(bot.send(sender, "yes please"))
    answer = joined(bot, bot.send(sender, "it's in her arm"))
    assert "You mentioned **stage III**" in answer
    assert "Stage II-III sarcomas" in answer and "Source:" in answer
    assert bot.response_text("utter_ask_size_cm") not in answer
    assert not bot.tracker(sender)["active_loop"].get("name")


def test_i_dont_know_the_size_while_asked_the_extent_keeps_the_extent_question(bot_stack, sender):
    bot = bot_stack
    assert bot.response_text("utter_ask_extent") in bot.texts(bot.send(sender, "what stage is my uterine LMS?"))

    replies = bot.texts(bot.send(sender, "i dont know the size"))
    assert replies == [bot.response_text("utter_other_fact_left_open"), bot.response_text("utter_ask_extent")], replies
    assert bot.slot(sender, "size_cm") == "unknown" and bot.slot(sender, "extent") is None

    answer = joined(bot, bot.send(sender, "it is only in the uterus"))
    assert "could be stage IA or IB" in answer, answer
    assert bot.response_text("utter_where_to_find_facts") in answer


def test_survival_for_uterine_lms_is_answered_at_once(bot_stack, sender):
    bot = bot_stack
    answer = joined(bot, bot.send(sender, "what is the survival rate for uterine LMS?"))
    assert "uterine leiomyosarcoma" in answer and "60%" in answer and "12%" in answer, answer
    assert "population statistics" in answer and "Source:" in answer
    assert not bot.tracker(sender)["active_loop"].get("name")


def test_a_question_the_bot_is_unsure_of_offers_the_nearest_topic_and_the_button_answers_it(bot_stack, sender):
    # Below the answering threshold the bot does not answer, but names the nearest topic it has
    # checked information on; pressing the button sends that topic's question, which is answered.
    bot = bot_stack
    replies = bot.send(sender, "how many ppl get leiomyosarcoma a year")
    offers = [reply for reply in replies if reply.get("text") == bot.response_text("utter_no_vetted_answer_nearest_topic")]
    assert offers and len(offers[0].get("buttons", [])) == 1, replies
    button = offers[0]["buttons"][0]
    assert button["title"] == button["payload"] and "common" in button["payload"], button
    answer = joined(bot, bot.send(sender, button["payload"]))
    assert "Source:" in answer and "15,000" in answer, answer
