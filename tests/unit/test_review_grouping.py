"""The review inbox's grouping (staff/review.py): the same question, however it is spaced or spelled
(a typo, an extra letter), is one group; different questions stay apart."""

from datetime import datetime, timedelta

from staff.review import ReviewMessage, group_messages

START = datetime(2026, 12, 1, 9, 0)


def message(text, minutes, topic="out_of_scope/cost", sender=None):
    return ReviewMessage(sender or f"s{minutes}", START + timedelta(minutes=minutes), text, topic, "web",
                         {"out_of_scope"})


def test_the_same_question_spelled_differently_is_one_group_and_different_ones_are_not():
    groups = group_messages([
        message("How much does it cost?", 1),
        message("how much   does it COST", 2),
        message("how much does it costs??", 3),
        message("how much dose it cost", 4),
        message("Is it covered by my insurance?", 5, topic="out_of_scope/insurance"),
        message("Can I drive home after the infusion?", 6, topic="out_of_scope/driving"),
        message("how long does one infusion take", 7, topic="faq/infusion_length"),
        message("how long does an infusion take", 8, topic="faq/infusion_length"),
        message("how long does it take to work", 9, topic="faq/how_fast"),
    ])
    by_size = sorted(groups, key=lambda g: g.count, reverse=True)
    assert [g.count for g in by_size] == [4, 2, 1, 1, 1]
    cost = by_size[0]
    assert cost.text == "how much dose it cost"  # the latest wording
    assert cost.wordings == {"How much does it cost?", "how much   does it COST", "how much does it costs??",
                             "how much dose it cost"}
    assert len(cost.conversations) == 4 and cost.topic == "out_of_scope/cost"
    assert by_size[1].wordings == {"how long does one infusion take", "how long does an infusion take"}
    assert {g.text for g in by_size[2:]} == {"Is it covered by my insurance?", "Can I drive home after the infusion?",
                                             "how long does it take to work"}


def test_a_question_with_more_to_it_is_not_merged_into_the_short_one():
    groups = group_messages([message("How much does it cost?", 1), message("how much is it", 2),
                             message("How much does it cost? text me at 415 555 2671", 3)])
    assert len(groups) == 3
