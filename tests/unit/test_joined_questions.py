"""Two questions joined in one message (clinic_nlu.answers.joined), the dev measure of every part answered
(`python -m clinic_nlu.evaluation joined`, `make eval-joined`): which questions are joined, and how."""

from clinic_nlu import answers
from clinic_nlu.answers import Part, Question


def question(id_, text, topic, style="faq"):
    return Question(id=id_, text=text, source=f"https://example.org/{id_}", style=style, parts=[Part(topic, [topic])])


COST = question("q1", "How much does an infusion cost?", "out_of_scope")
LENGTH = question("q2", "How long does each infusion take?", "infusion_length")
WORKS = question("q3", "How does ketamine work", "how_it_works")


def test_a_joinable_question_is_one_short_question_a_person_asks():
    assert answers.joinable(COST)
    assert answers.joinable(WORKS)  # no question mark, but it asks
    assert not answers.joinable(question("h", "Ketamine Therapy: What You Need to Know", "what_is", style="article"))
    assert not answers.joinable(question("s", "I have PTSD. Does it help?", "who_for"))
    assert not answers.joinable(question("l", "Does it help " + "very " * 20 + "much?", "effectiveness"))
    two_parts = Question("t", "How long and how often?", "written", "sms", [Part("infusion_length"), Part("schedule")])
    assert not answers.joinable(two_parts)


def test_two_questions_are_joined_each_way_in_turn_with_both_parts():
    by_id = {q.id: q for q in (COST, LENGTH, WORKS)}
    made = answers.joined(list(by_id.values()), count=6, seed=1)
    assert [m.style for m in made] == [style for style, _ in answers.JOINS]
    for message in made:
        first, second = (by_id[id_] for id_ in message.id.split("+"))
        assert message.text == dict(answers.JOINS)[message.style](first.text, second.text)
        assert message.parts == first.parts + second.parts


def test_every_way_of_joining_is_written_as_people_write_it():
    said = {style: join("How much does an infusion cost?", "How long does each infusion take?")
            for style, join in answers.JOINS}
    assert said == {
        "question marks": "How much does an infusion cost? How long does each infusion take?",
        "and": "How much does an infusion cost and how long does each infusion take?",
        "also": "How much does an infusion cost? Also, how long does each infusion take?",
        "comma": "How much does an infusion cost, how long does each infusion take?",
        "run on": "how much does an infusion cost how long does each infusion take",
        "line break": "How much does an infusion cost?\nHow long does each infusion take?",
    }
    # "I" keeps its capital after "and".
    assert answers.JOINS[1][1]("Is it safe", "I have PTSD, can I come?") == "Is it safe and I have PTSD, can I come?"


def test_questions_of_one_topic_are_never_joined_and_the_count_is_what_there_is():
    same_topic = question("q4", "How much is a booster?", "out_of_scope")
    assert answers.joined([COST, same_topic], count=5) == []
    assert len(answers.joined([COST, LENGTH, WORKS], count=100)) == 6  # every ordered pair, once
    assert answers.joined([COST, LENGTH, WORKS], count=4, seed=7) == answers.joined([COST, LENGTH, WORKS], 4, seed=7)
