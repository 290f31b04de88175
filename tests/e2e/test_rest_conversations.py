"""End to end over REST: the real action server and Rasa server, a temporary SQLite DATABASE_URL (the
servers shared for the run: tests/conftest.py bot_servers)."""

import uuid

import pytest
import requests

from tests.support.database import handoff_rows

STAFF_OFFER = "connect you with our clinic staff"


@pytest.fixture
def bot(bot_servers):
    return bot_servers


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("what is ketamine infusion therapy?", ["intravenous", "treatment-resistant"]),
        # Each answer carries what the article puts beside it: an anesthetic's history, how it treats depression
        ("isn't ketamine an anesthetic?", ["pain-blocking anesthetic", "decades", "brain cells communicate"]),
        ("who is this treatment for", ["major depressive disorder", "social anxiety disorder"]),
        ("what does treatment resistant mean", ["hasn't responded successfully"]),
        ("do i need an evaluation before starting", ["full medical history"]),
        # The article's section on how it works opens with how antidepressants work: "How does it work differently?"
        ("how does ketamine work in the brain", ["serotonin and dopamine", "NMDA", "glutamate", "BDNF"]),
        ("how is it different from my ssri", ["serotonin", "within a few hours"]),
        ("what dose do you give", ["subanesthetic", "IV"]),
        ("will the dose knock me out like in surgery", ["subanesthetic", "anesthetic doses used for decades"]),
        ("how long does one infusion take", ["40 to 60 minutes"]),
        ("how many infusions will i need", ["once a week for one to four weeks"]),
        ("r boosters needed", ["booster treatments"]),
        ("how fast does it work", ["within a few hours", "weeks or longer"]),
        # why so fast: the antidepressants' way against ketamine's, in the same answer
        ("why does it kick in so much quicker than my prozac did", ["within a few hours", "serotonin", "NMDA"]),
        ("what does the expert say about it", ["Dr. Kerry D. Friesen", "The Friesen Center"]),
    ],
)
def test_each_topic_is_answered_from_the_article(bot, question, expected):
    reply = bot.say(new_sender(), question)
    for phrase in expected:
        assert phrase in reply


def test_a_what_is_question_about_something_else_is_not_told_what_the_therapy_is(bot):
    # Each was told what the therapy is ("... is an intravenous (IV) treatment for people with mental health
    # conditions ..."): an answer to another question, given as if sure.
    reply = bot.say(new_sender(), "What is microdosing in ketamine treatment?")
    assert "intravenous (IV) treatment" not in reply and STAFF_OFFER in reply
    reply = bot.say(new_sender(), "What's IV ketamine maintenance therapy?")
    assert "booster treatments" in reply and "intravenous (IV) treatment" not in reply
    assert "intravenous (IV) treatment" in bot.say(new_sender(), "What is IV ketamine therapy for PTSD?")


def test_first_greeting_says_it_is_an_automated_assistant(bot):
    reply = bot.say(new_sender(), "hello")
    assert "automated assistant" in reply and "not a clinician" in reply
    assert "medical advice" in reply


def test_bot_challenge_is_answered_honestly(bot):
    assert "not a person" in bot.say(new_sender(), "am i talking to a real human?")


def test_help_lists_the_topics_with_buttons(bot):
    messages = bot.send(new_sender(), "what can you help me with")
    assert "how long an infusion takes" in messages[0]["text"]
    assert any(b["title"] == "Boosters" for b in messages[0]["buttons"])


def test_listed_condition_gets_yes_with_context_and_the_staff_offer(bot):
    reply = bot.say(new_sender(), "does it help with PTSD?")
    assert "Yes. Post-traumatic stress disorder (PTSD) is one of the conditions" in reply
    assert STAFF_OFFER in reply


def test_a_topic_asked_about_a_named_condition_gets_both_answers(bot):
    # The classifier reads the condition's name as the question (who it is for); read without it, the
    # message asks what the therapy is.
    reply = bot.say(new_sender(), "what is ketamine infusion therapy for PTSD?")
    assert "intravenous (IV) treatment" in reply
    assert "Yes. Post-traumatic stress disorder (PTSD) is one of the conditions" in reply


def test_a_close_second_topic_of_a_question_naming_a_condition_is_answered_not_offered(bot):
    # The conditions list comes first (0.55), how it works close behind: the condition's own answer
    # already says whether PTSD is listed, so the second topic is answered rather than offered as a choice.
    messages = bot.send(new_sender(), "how can you treat ptsd with ketamine?")
    reply = "\n".join(m.get("text", "") for m in messages)
    assert "NMDA" in reply and "Yes. Post-traumatic stress disorder (PTSD) is one of the conditions" in reply
    assert "Did you mean" not in reply


def test_a_part_asking_about_a_named_condition_gets_its_answer_not_the_conditions_list_too(bot):
    # The second question reads as who it is for; the condition's own answer says it, so the whole list
    # of conditions said beside it only made the reply longer.
    reply = bot.say(new_sender(), "Can ketamine help my depression, and is it covered by insurance?")
    assert "insurance coverage" in reply
    assert "Yes. Major depressive disorder (depression) is one of the conditions" in reply
    assert "for these conditions" not in reply and "The conditions it lists" not in reply
    assert STAFF_OFFER in reply
    # an unlisted condition still gets the list, once
    reply = bot.say(new_sender(), "Does ketamine work for anxiety and how soon will I feel better?")
    assert "Anxiety other than social anxiety disorder is not among" in reply and "within a few hours" in reply
    assert reply.count("postpartum depression") == 1


def test_the_story_around_a_forum_question_gets_no_answer_of_its_own(bot):
    # "I've been struggling for years" read as a question of its own was answered with what
    # treatment-resistant means; only the two questions are answered.
    reply = bot.say(new_sender(), "I've been struggling for years. My psychiatrist mentioned ketamine. How long does "
                                  "each infusion take and how many would I need?")
    assert "40 to 60 minutes" in reply and "once a week for one to four weeks" in reply
    assert "Treatment-resistant means" not in reply


def test_an_unclear_question_whose_part_reads_clearly_gets_that_answer_then_the_choices(bot):
    # Unclear as a whole (treatment-resistant 0.43, medications 0.42); set apart from the condition it
    # names, it is about medications: that answer, then the question back, the staff and the crisis line.
    messages = bot.send(new_sender(), "Do You Need to Stop Medications Before Ketamine for Depression?")
    assert messages[0]["text"].startswith("I don't have information about medications")
    assert "Did you mean one of these?" in messages[-1]["text"]
    assert "connect you with our clinic staff" in messages[-1]["text"] and "988" in messages[-1]["text"]
    assert messages[-1]["buttons"][-1]["title"] == "Something else"


def test_unlisted_condition_is_not_claimed(bot):
    reply = bot.say(new_sender(), "can it treat schizophrenia")
    assert "Schizophrenia is not among the conditions our information lists" in reply
    assert "The conditions it lists are major depressive disorder" in reply
    assert "full medical history" in reply and STAFF_OFFER in reply


def test_a_question_naming_an_unlisted_condition_gets_the_list_once_and_the_staff_offer(bot):
    # Answered with the conditions list (who it is for), then the condition's line: no second list.
    reply = bot.say(new_sender(), "can ketamine therapy help with fibromyalgia?")
    assert "Fibromyalgia is not among the conditions our information lists" in reply
    assert reply.count("postpartum depression") == 1
    assert STAFF_OFFER in reply


def test_a_texters_two_questions_joined_by_n_are_both_answered(bot):
    reply = bot.say(new_sender(), "how long is each session n how many will i need?")
    assert "40 to 60 minutes" in reply and "once a week for one to four weeks" in reply


def test_an_unclear_message_of_three_questions_gets_each_answered_and_the_staff_offer_not_a_question_back(bot):
    # Unclear as a whole (nlu_fallback); its three parts read clearly, the selector's guess among them. It
    # was answered, then asked back ("Did you mean one of these?"); after "how long do sessions take, how
    # often do i come in, can i work after", "Sorry, I'm not sure I understood... Could you rephrase?".
    sender = new_sender()
    messages = bot.send(sender, "How does ketamine work, how many sessions, and does insurance cover it?")
    texts = [message["text"] for message in messages]
    assert "NMDA" in texts[0]
    assert "once a week for one to four weeks" in texts[1]
    assert texts[2].startswith("I don't have information about insurance")
    assert texts[-1].endswith("Would you like me to connect you with our clinic staff?") and len(texts) == 4
    reply = bot.say(new_sender(), "how long do sessions take, how often do i come in, can i work after")
    assert "40 to 60 minutes" in reply and "once a week for one to four weeks" in reply and "working" in reply
    assert "not sure I understood" not in reply and reply.rstrip().endswith("connect you with our clinic staff?")
    assert "What name should our staff ask for?" in bot.say(sender, "yes")


def test_an_unclear_message_of_clear_questions_is_answered_after_the_staff_offer_and_after_a_question_back(bot):
    # After the staff offer, such a message got only the clinic's contact details ("still unclear after the
    # staff offer"); after a question back, only the staff offer: its questions were never answered.
    message = "How does ketamine work, how many sessions, and does insurance cover it?"
    for first in ("How much does it cost?", "qwerty asdf zxcv"):
        sender = new_sender()
        bot.say(sender, first)
        texts = [m["text"] for m in bot.send(sender, message)]
        assert "NMDA" in texts[0] and "once a week for one to four weeks" in texts[1], (first, texts)
        assert texts[2].startswith("I don't have information about insurance"), (first, texts)
        assert texts[-1].endswith("Would you like me to connect you with our clinic staff?"), (first, texts)


def test_a_request_to_book_that_asks_the_cost_gets_that_answer_then_the_booking(bot):
    # The booking once started at once, and the cost question was lost.
    messages = bot.send(new_sender(), "whats the first step to get started and how much does it cost")
    texts = [message["text"] for message in messages]
    assert texts[0].startswith("I don't have information about the cost")
    assert texts[1].startswith("The first step is a consultation") and STAFF_OFFER in texts[1]
    assert texts[-1] == "What name should our staff ask for?"


def test_asking_for_a_person_and_the_cost_gets_that_answer_then_the_phone_and_the_booking(bot):
    messages = bot.send(new_sender(), "can I talk to a person? how much is it?")
    texts = [message["text"] for message in messages]
    assert texts[0].startswith("I don't have information about the cost")
    assert texts[1].startswith("You can call our clinic staff at")
    assert texts[-1] == "What name should our staff ask for?"
    # A question after a comma and "also" is a question of its own, not lost to the handoff.
    messages = bot.send(new_sender(), "I want to speak to someone, also do you take insurance")
    texts = [message["text"] for message in messages]
    assert texts[0].startswith("I don't have information about insurance")
    assert texts[-1] == "What name should our staff ask for?"


def test_two_things_asked_in_one_clause_get_both_answers(bot):
    reply = bot.say(new_sender(), "Is ketamine addictive or dangerous?")
    assert "risk of addiction" in reply and "pain-blocking anesthetic" in reply
    assert "connect you with our clinic staff" in reply


def test_a_question_of_several_about_a_named_condition_gets_its_topic_not_only_the_list(bot):
    # "is it effective for ocd" alone read as the list of conditions, so it never said how effective it is.
    reply = bot.say(new_sender(), "can I drive after? also is it effective for ocd")
    assert "driving" in reply and "no success rates" in reply
    assert "Yes. Obsessive-compulsive disorder (OCD) is one of the conditions" in reply


def test_a_second_question_read_as_the_first_ones_topic_gets_its_next_likeliest(bot):
    # "How can it help me" read as how it works, nearly as likely its benefits: only the mechanism was told.
    reply = bot.say(new_sender(), "How Does Ketamine Work & How Can it Help Me?")
    assert "NMDA" in reply and "The main benefit is speed" in reply


def test_a_question_about_what_its_comma_follows_is_read_with_it(bot):
    # "is that each visit" alone read as the schedule: the 40 minutes were never confirmed.
    reply = bot.say(new_sender(), "do people get addicted to it? and the 40 min thing, is that each visit")
    assert "risk of addiction" in reply and "40 to 60 minutes" in reply


def test_a_request_to_book_that_depends_on_the_answer_before_it_is_told_the_first_step(bot):
    reply = bot.say(new_sender(), "is it covered by insurance? if not can i still book a consult")
    assert "insurance coverage" in reply and "The first step is a consultation" in reply


def test_asking_whether_it_works_is_told_the_speed_no_success_rates_and_the_boosters(bot):
    # The benefits answer said the speed and that there are no success rates, not that many patients need
    # boosters to keep the effect: half of what the article says about whether it works.
    reply = bot.say(new_sender(), "does it actually work")
    assert "within a few hours" in reply and "no success rates" in reply and "booster treatments" in reply


def test_four_questions_in_one_message_get_four_answers(bot):
    message = "how long is each infusion, how many will I need, do I need boosters and does insurance cover it?"
    reply = bot.say(new_sender(), message)
    assert "40 to 60 minutes" in reply and "once a week for one to four weeks" in reply
    assert "booster treatments" in reply and "insurance coverage" in reply


def test_a_line_that_ends_by_asking_about_itself_is_a_question_answered(bot):
    # "... does that matter" opens with no question word, so it was taken for the texter's story.
    message = "is it covered by insurance\nalso how many infusions will i need\ni only tried 1 antidepressant does that matter"
    reply = bot.say(new_sender(), message)
    assert "insurance coverage" in reply and "once a week for one to four weeks" in reply
    assert "Treatment-resistant means" in reply


def test_numbered_questions_get_an_answer_each(bot):
    reply = bot.say(new_sender(), "ok 2 questions. 1) how long is the infusion 2) do i need boosters")
    assert "40 to 60 minutes" in reply and "booster treatments" in reply


def test_a_question_asked_inside_a_sentence_of_a_story_is_answered(bot):
    # "Before I commit ... I'd like to understand what ..." does not open by asking: it was taken for the story.
    message = (
        "My doctor brought this up. Before I commit to anything I'd like to understand what ketamine infusion "
        "therapy is. Also how many sessions would I need?"
    )
    reply = bot.say(new_sender(), message)
    assert "once a week for one to four weeks" in reply and "intravenous (IV) treatment" in reply


def test_questions_run_together_in_a_text_get_an_answer_each(bot):
    # No punctuation between them: the first was answered, the insurance question left without the staff offer.
    reply = bot.say(new_sender(), "how long does one infusion take how soon does it work is it covered by insurance")
    assert "40 to 60 minutes" in reply and "within a few hours" in reply and "insurance" in reply
    assert reply.rstrip().endswith("connect you with our clinic staff?")


def test_a_subject_asked_in_a_word_beside_a_question_is_answered_with_it(bot):
    # "side effects??" was too short to be a question of its own: the message was read as that alone, and how long
    # an infusion is went unanswered.
    reply = bot.say(new_sender(), "side effects?? and how long r u there")
    assert "side effects" in reply and "40 to 60 minutes" in reply
    assert reply.rstrip().endswith("connect you with our clinic staff?")


def test_what_happens_at_the_first_appointment_is_told_the_medical_history_then_the_infusion(bot):
    # It was told the infusion alone; the article's first step, the doctor's full medical history, went unsaid.
    reply = bot.say(new_sender(), "What happens at my first appointment?")
    assert "full medical history" in reply and "40 to 60 minutes" in reply


def test_lettered_questions_get_an_answer_each(bot):
    reply = bot.say(new_sender(), "a) will I need boosters b) how are boosters priced c) how long is each infusion")
    assert "booster treatments" in reply and "cost of treatment" in reply and "40 to 60 minutes" in reply


def test_a_part_of_a_question_the_bot_cannot_read_is_left_to_the_staff(bot):
    reply = bot.say(new_sender(), "how does ketamine work? also my cat keeps staring at me, normal?")
    assert "NMDA" in reply and reply.rstrip().endswith("connect you with our clinic staff?")


def test_is_it_safe_gets_what_the_article_says_its_limit_and_the_staff(bot):
    reply = bot.say(new_sender(), "is ketamine safe?")
    assert "pain-blocking anesthetic" in reply and "doesn't cover its risks" in reply
    assert reply.rstrip().endswith("connect you with our clinic staff?")


def test_a_question_that_also_asks_to_sign_up_ends_with_the_staff_offer_and_yes_starts_the_booking(bot):
    sender = new_sender()
    reply = bot.say(sender, "how long is each infusion, and how do i sign up?")
    assert "40 to 60 minutes" in reply and reply.rstrip().endswith("connect you with our clinic staff?")
    # The part that asks to book is answered too: what the first step is; the booking does not say it again.
    assert "The first step is a consultation" in reply
    booking = bot.say(sender, "yes")
    assert "What name should our staff ask for?" in booking and "four quick questions" in booking
    assert "The first step is a consultation" not in booking


def test_an_unclear_question_naming_a_condition_says_whether_it_is_listed_then_asks(bot):
    # Without "therapy" the classifiers are unsure (nlu_fallback): the condition's line and the list come
    # first, then the general question back with the crisis line.
    messages = bot.send(new_sender(), "can ketamine help with fibromyalgia?")
    assert messages[0]["text"].startswith("Fibromyalgia is not among the conditions our information lists")
    assert "The conditions it lists are major depressive disorder" in messages[1]["text"]
    assert "not sure I understood" in messages[-1]["text"] and "988" in messages[-1]["text"]


def test_unanswerable_question_says_so_and_accepting_starts_the_booking(bot):
    sender = new_sender()
    reply = bot.say(sender, "how much does it cost?")
    assert "don't have information about the cost" in reply and STAFF_OFFER in reply
    assert "$" not in reply
    assert "What name should our staff ask for?" in bot.say(sender, "yes please")



@pytest.mark.parametrize(
    "question",
    ["Is this the same as Spravato?", "can i do ketamine at home instead", "IV vs lozenges, which is better?"],
)
def test_another_form_of_ketamine_is_told_what_this_therapy_is_not_compared_and_offered_staff(bot, question):
    # Each got "I don't have information about that" alone, and nothing of what this therapy is.
    reply = bot.say(new_sender(), question)
    assert "intravenous (IV)" in reply and "doesn't cover other forms of ketamine" in reply
    assert reply.rstrip().endswith("Would you like me to connect you with our clinic staff?")


@pytest.mark.parametrize(
    "question, answered",
    [
        ("what will my first infusion feel like?", "doesn't describe how an infusion feels"),
        # Trips and dissociation are what an infusion is like, not a side effect afterwards.
        ("do people have bad trips on it?", "doesn't describe how an infusion feels"),
        ("how long does one infusion take, and is it covered by insurance?", "40 to 60 minutes"),
    ],
)
def test_an_answer_that_leaves_part_to_the_staff_offers_them_and_yes_starts_the_handoff(bot, question, answered):
    sender = new_sender()
    reply = bot.say(sender, question)
    assert answered in reply and reply.rstrip().endswith("Would you like me to connect you with our clinic staff?")
    assert "What name should our staff ask for?" in bot.say(sender, "/affirm")


def test_an_answer_the_article_covers_whole_offers_no_staff(bot):
    reply = bot.say(new_sender(), "how does ketamine work in the brain")
    assert "NMDA" in reply and STAFF_OFFER not in reply


def test_crisis_gets_988_and_911_first_and_flags_the_conversation(bot):
    sender = new_sender()
    bot.say(sender, "how long is one infusion?")
    messages = bot.send(sender, "how much does it cost? honestly i want to end my life")
    assert "988" in messages[0]["text"] and "911" in messages[0]["text"]
    tracker = bot.tracker(sender)
    assert tracker["slots"]["crisis"] is True


@pytest.mark.parametrize(
    "message, expected",
    [
        ("my last infusion took about 50 minutes, is that normal?", "40 to 60 minutes"),
        ("had all 6 infusions. boosters?", "booster"),
    ],
)
def test_an_amount_of_time_or_infusions_is_answered_not_taken_for_an_overdose(bot, message, expected):
    """The lexicon's overdose pattern once read any amount after "took" or "had" as pills taken."""
    sender = new_sender()
    reply = bot.say(sender, message)
    assert expected in reply and "988" not in reply
    assert bot.tracker(sender)["slots"]["crisis"] is False


@pytest.mark.parametrize(
    "message",
    [
        "I have no thoughts of hurting myself, I just want to feel something again",
        "I'm not suicidal, just exhausted by this depression",
    ],
)
def test_a_denial_raises_no_crisis_alarm_and_the_reply_still_carries_988(bot, message):
    """The classifier and the detector once read the denied words ("hurting myself") as a crisis."""
    sender = new_sender()
    reply = bot.say(sender, message)
    assert "988" in reply and "911" not in reply
    assert bot.tracker(sender)["slots"]["crisis"] is False
    # It asks nothing: no answer read off its words (the contraindications, the conditions list).
    assert "who shouldn't receive" not in reply and "conditions our information lists" not in reply


def test_danger_beside_a_denial_is_still_a_crisis(bot):
    sender = new_sender()
    reply = bot.say(sender, "not suicidal, but I've been looking up how many of my sleeping pills it would take")
    assert "988" in reply and "911" in reply
    assert bot.tracker(sender)["slots"]["crisis"] is True


def test_a_question_beside_a_veiled_hint_of_despair_is_answered_with_the_crisis_line_and_no_alarm(bot):
    """The crisis detector leans towards a crisis it is not sure of (clinic_nlu.crisis_guard): the answer,
    the crisis line, the staff offer; not the crisis reply, and a handoff asking staff to read the
    conversation, not an urgent one."""
    sender = new_sender()
    reply = bot.say(sender, "how much is one infusion? there's not much left for me to lose")
    assert "I don't have information about the cost" in reply
    assert "If you're in crisis, call or text 988 any time." in reply
    assert reply.rstrip().endswith("Would you like me to connect you with our clinic staff?")
    assert "911" not in reply and "flagged" not in reply
    assert bot.tracker(sender)["slots"]["crisis"] is False
    [handoff] = handoff_rows(bot.database_url, sender)
    assert (handoff["kind"], handoff["urgent"], handoff["status"]) == ("possible_crisis", False, "new")
    assert handoff["reason"].startswith("Possible crisis, not confirmed")
    # An ordinary question about the same thing carries no crisis line, and asks nothing of the staff.
    ordinary = new_sender()
    assert "988" not in bot.say(ordinary, "how much is one infusion?")
    assert handoff_rows(bot.database_url, ordinary) == []


def test_a_thank_you_that_may_be_a_goodbye_gets_the_crisis_line_after_the_reply(bot):
    sender = new_sender()
    reply = bot.say(sender, "thank you for being kind to me")
    assert reply.startswith("You're welcome") and reply.rstrip().endswith("call or text 988 any time.")
    assert bot.tracker(sender)["slots"]["crisis"] is False
    assert "988" not in bot.say(new_sender(), "thank you so much, this was really helpful")


def test_informational_question_about_suicidal_thoughts_carries_988(bot):
    sender = new_sender()
    reply = bot.say(sender, "can ketamine help with suicidal thoughts?")
    assert "suicidal thoughts" in reply and "988" in reply
    tracker = bot.tracker(sender)
    assert tracker["slots"]["crisis"] is False


def test_a_history_long_over_told_beside_a_question_gets_the_988_answer_and_the_question_answered(bot):
    # The guard reads the history as long over and gives the answer about suicidal thoughts (988, no alarm);
    # the question beside it was lost, never answered (clinic_nlu.answer_plan).
    sender = new_sender()
    reply = bot.say(sender, "For my medical history: I made a suicide attempt when I was 17. I'm 42 now and "
                            "have been stable for decades. Do you treat OCD?")
    assert "suicidal thoughts" in reply and "988" in reply and "flagged" not in reply
    assert "Obsessive-compulsive disorder (OCD) is one of the conditions" in reply
    assert bot.tracker(sender)["slots"]["crisis"] is False
    # A question the article does not answer is said so, and the staff offered, after the 988 answer.
    reply = bot.say(new_sender(), "I had a suicide attempt in 2003, long behind me now. How much does an infusion cost?")
    assert reply.index("988") < reply.index("I don't have information about the cost")
    assert reply.rstrip().endswith("Would you like me to connect you with our clinic staff?")
    assert "flagged" not in reply


def test_gibberish_gets_a_clarification_with_topics_then_the_staff_offer(bot):
    sender = new_sender()
    first = bot.send(sender, "qwpoeiru zxmcnv")
    assert "not sure I understood" in first[0]["text"] and "988" in first[0]["text"]
    assert any(b["title"] == "Talk to staff" for b in first[0]["buttons"])
    assert STAFF_OFFER in bot.say(sender, "lkjhasd poiuqwe")


def test_a_question_whose_intent_is_unclear_gets_its_likely_topics_and_the_staff_as_choices(bot):
    """The intent classifier is unsure of this one (Rasa's FallbackClassifier): the reply offers the
    topics it most likely asks about and "something else", not a request to rephrase."""
    sender = new_sender()
    messages = bot.send(sender, "how should i prepare for ketamine")
    assert bot.tracker(sender)["latest_message"]["intent"]["name"] == "nlu_fallback"
    assert "Did you mean one of these?" in messages[0]["text"] and STAFF_OFFER in messages[0]["text"]
    titles = [button["title"] for button in messages[0]["buttons"]]
    assert "Am I a candidate?" in titles and titles[-1] == "Something else"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t ",
        "x" * 20000,
        "how long is an infusion " * 800,
        "😀😀😀",
        "<script>alert('x')</script><b>hi</b>",
        "'; DROP TABLE events; --",
        "hello\x00\x07\x1b[31mworld",
    ],
)
def test_bad_input_never_gets_a_5xx_or_an_empty_reply(bot, message):
    messages = bot.send(new_sender(), message)
    assert messages and all(m.get("text", "").strip() for m in messages)
    assert all("<script>" not in m["text"] for m in messages)


def test_non_english_message_gets_english_only_the_staff_phone_the_crisis_line_and_reaches_staff(bot):
    # Whatever a message the bot cannot read says, the person gets the crisis line in Spanish too, and the
    # staff are asked to read it: once per conversation session, not urgent.
    sender = new_sender()
    reply = bot.say(sender, "¿Cuánto cuesta el tratamiento con ketamina?")
    assert "only answer in English" in reply and "(555) 010-0199" in reply
    assert "llame al 988 y oprima 2" in reply and "call 911" in reply
    bot.say(sender, "¿Tienen citas los sábados?")  # the same session: still one
    [handoff] = handoff_rows(bot.database_url, sender)
    assert (handoff["kind"], handoff["urgent"], handoff["status"]) == ("request", False, "new")
    assert handoff["reason"].startswith("Wrote in a language the assistant does not answer")


def test_a_crisis_written_in_spanish_gets_the_crisis_reply_and_the_line_in_spanish(bot):
    # It got the English crisis reply only: the 988 line's Spanish option was never said.
    sender = new_sender()
    reply = bot.say(sender, "mi hija dice que va a desaparecer para siempre, ¿me pueden ayudar?")
    assert "flagged this" in reply and "llame al 988 y oprima 2" in reply
    [handoff] = handoff_rows(bot.database_url, sender)
    assert (handoff["kind"], handoff["urgent"]) == ("crisis", True)
    assert "oprima" not in bot.say(new_sender(), "I want to end my life")


@pytest.mark.parametrize(
    "body, reason",
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "Expected a JSON object"),
        ('{"sender": "x", "message": 42}', '"message" must be a string'),
        ('{"message": "hi"}', '"sender" must be'),
        ('{"sender": "x", "message": "hi", "metadata": "no"}', '"metadata" must be'),
    ],
)
def test_malformed_requests_get_a_400_with_the_reason(bot, body, reason):
    response = requests.post(
        f"{bot.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert reason in response.json()["message"]


def test_the_conversation_survives_a_restart_of_the_rasa_server(bot):
    sender = new_sender()
    assert "automated assistant" in bot.say(sender, "hi")
    bot.say(sender, "how long does one infusion take")
    bot.restart_rasa()
    tracker = bot.tracker(sender)
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["hi", "how long does one infusion take"]
    assert bot.say(sender, "hi") == "Hi again! What would you like to know about ketamine infusion therapy?"
