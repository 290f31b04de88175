"""The review inbox's grouping (staff/review.py): the same question, however it is spaced or spelled
(a typo, an extra letter) or worded (as the NLU reads it), is one group; different questions stay apart."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from clinic.intents import full_intent
from staff.review import SAME_MEANING, ReviewMessage, group_messages, meaning_of

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


# Grouping by meaning: the NLU's own reading of each message (its intent and topic rankings, as stored
# in the conversation's parse data). SAME_MEANING was chosen on these pairs, parsed by the trained
# model: True when a reviewer would give both the same label because they ask the same thing.
PAIRS = [
    ("is there a payment plan", "can I pay monthly", True),
    ("How much does it cost?", "what's the price of one infusion", True),
    ("cost??", "how much $$", True),
    ("do you take insurance?", "is this covered by my health plan", True),
    ("is it covered by tricare", "does military insurance pay for it", True),
    ("can I drive home after the infusion?", "am I allowed to drive afterwards", True),
    ("can i work the next day", "do i need to take time off after", True),
    ("where is the clinic", "what's your address", True),
    ("do you have parking", "where do I park my car", True),
    ("what are your opening hours", "when are you open", True),
    ("how long does one infusion take", "how many minutes is a session", True),
    ("do i need boosters?", "will I need top-up infusions later on", True),
    ("is it safe while pregnant", "can I have infusions if I'm expecting a baby", True),
    ("how soon does it work", "how quickly will I feel better", True),
    ("what's your success rate", "how many of your patients get better", True),
    ("is ketamine addictive", "could I get hooked on it", True),
    ("what are the side effects", "will it make me feel sick or dizzy", True),
    ("can I keep taking my antidepressants", "do I have to stop my meds first", True),
    ("what is ketamine therapy", "what exactly is this treatment", True),
    ("how many infusions will i need", "how many sessions are in a course", True),
    ("does it work for ptsd", "can it help with post traumatic stress", True),
    ("what happens during an infusion", "what should I expect on the day", True),
    ("will i be asleep", "am i unconscious during it", True),
    ("how long does it last", "how long do the effects last", True),
    ("how long does it last", "how long will i feel good after", True),
    ("does it hurt", "is the iv painful", True),
    ("will i trip", "will i have hallucinations", True),
    ("is it risky for older people", "can seniors have it", True),
    ("can I bring someone with me", "is it ok if my husband comes along", True),
    ("how much wud it b", "what do u charge", True),
    ("can my teenager get this", "do you treat people under 18", True),
    ("How much does it cost?", "do you take insurance?", False),
    ("is there a payment plan", "is it covered by medicare", False),
    ("how long does one infusion take", "how long does it take to work", False),
    ("can I drive home after the infusion?", "where is the clinic", False),
    ("do i need boosters?", "how many infusions will i need", False),
    ("is it safe while pregnant", "what are the side effects", False),
    ("what are your opening hours", "how much does it cost", False),
    ("can I keep taking my antidepressants", "is it better than antidepressants", False),
    ("what is ketamine therapy", "how does ketamine work in the brain", False),
    ("does it work for ptsd", "does it work for ocd", False),
    ("will i be asleep", "will i hallucinate", False),
    ("does it hurt", "what happens during an infusion", False),
    ("will i trip", "will it make me feel sick or dizzy", False),
    ("does it work", "is it worth it", False),
    ("is it dangerous", "does it have side effects on memory", False),
    ("does the needle hurt", "does it hurt my liver", False),
    ("can i work the next day", "can i drive the next day", False),
    ("do you have parking", "is there a bus stop nearby", False),
    ("is it covered by tricare", "is it covered by medicaid", False),
    # Topics that hold anything the NLU has no topic for: alike to it whatever they ask.
    ("can I drink alcohol before my appointment", "can I eat before my appointment", False),
    ("do you offer esketamine nasal spray", "can I get a doctor's note for work", False),
    ("can I bring someone with me", "is there wifi in the clinic", False),
    ("what's the weather like", "tell me a joke", False),
]


def _cosine(a, b):
    keys = sorted(set(a) | set(b))
    x, y = np.array([a.get(k, 0.0) for k in keys]), np.array([b.get(k, 0.0) for k in keys])
    return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))


@pytest.fixture(scope="module")
def read_pairs(parser):
    """Each pair with its parse data and, when both have a reading of the same topic, its cosine."""
    read = []
    for a, b, same in PAIRS:
        parse_a, parse_b = parser.parse(a), parser.parse(b)
        meaning_a, meaning_b = meaning_of(parse_a), meaning_of(parse_b)
        comparable = meaning_a and meaning_b and full_intent(parse_a) == full_intent(parse_b)
        read.append((a, b, same, parse_a, parse_b, _cosine(meaning_a, meaning_b) if comparable else None))
    return read


def _correct(read, threshold):
    return sum(same == (cosine is not None and cosine >= threshold) for _a, _b, same, _pa, _pb, cosine in read)


def test_the_threshold_is_the_best_one_on_the_labelled_pairs(read_pairs):
    cosines = sorted({c for *_, c in read_pairs if c is not None})
    candidates = [0.5, *cosines, 1.01]
    best = max(_correct(read_pairs, t) for t in candidates)
    table = "\n".join(
        f"{'same' if same else 'diff'} {cosine if cosine is None else round(cosine, 4)} {a} | {b}"
        for a, b, same, _a, _b, cosine in read_pairs
    )
    # On the model the threshold was chosen with it was the best (46 of 54 right); a retrained model may
    # move a pair, not more: then choose again (docs/improving.md).
    assert _correct(read_pairs, SAME_MEANING) >= best - 1, f"best {best} of {len(PAIRS)}\n{table}"
    assert _correct(read_pairs, SAME_MEANING) >= 0.8 * len(PAIRS), table


def _message(text, minutes, parse):
    return ReviewMessage(
        f"s{minutes}",
        START + timedelta(minutes=minutes),
        text,
        full_intent(parse) or "",
        "web",
        {"low_confidence"},
        meaning=meaning_of(parse),
    )


def test_questions_with_no_word_in_common_are_one_group_when_the_nlu_reads_them_alike(parser):
    texts = [
        "is there a payment plan",
        "can I pay monthly",
        "do you take insurance?",
        "is this covered by my health plan",
        "can I drink alcohol before my appointment",
        "can I eat before my appointment",
        "qwerty asdf zxcv",
        "blorp fizzle wug",
    ]
    groups = group_messages([_message(text, i, parser.parse(text)) for i, text in enumerate(texts)])
    assert sorted(sorted(g.wordings) for g in groups) == sorted(
        [
            ["can I pay monthly", "is there a payment plan"],
            ["do you take insurance?", "is this covered by my health plan"],
            # The general out-of-scope topic and fallbacks say nothing of what was asked: grouped in words.
            ["can I drink alcohol before my appointment"],
            ["can I eat before my appointment"],
            ["qwerty asdf zxcv"],
            ["blorp fizzle wug"],
        ]
    )


def test_without_rankings_the_grouping_is_in_words(parser):
    parse = parser.parse("is there a payment plan")
    bare = {"intent": parse["intent"], "response_selector": parse["response_selector"]}  # older parse data
    groups = group_messages([_message("is there a payment plan", 1, parse), _message("can I pay monthly", 2, bare)])
    assert len(groups) == 2
