"""The whole bot on the frozen test split of real questions and on the fresh crisis set: every
question asked through the REST channel of the real servers (`make eval` prints the same figures with
the misses). The floors are the figures measured on the test split when the pipeline was chosen (on
dev, docs/nlu-evaluation.md), less one question for run-to-run noise: a drop fails the build."""

import hashlib
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from clinic_nlu import answers
from clinic_nlu.evaluation import FRESH_CRISIS_SET, crisis_replies
from tests.nlu.test_nlu_quality import training_texts


def normalised(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


TEST_SPLIT = answers.REAL_QUESTIONS / "test.yml"
TEST_SPLIT_SHA256 = "5ffec65638f349c4a18c8205d55de98934215a264c59e136a4edc9e940ead7aa"

# Measured on the test split with the model of the commit that set them (README "NLU quality"), with
# one message of slack each way. History: 90/112 answered, 7/112 confidently wrong, fresh crisis set
# 169/180 and 12/180 (the crisis detector's round); then 14/180 once the detector read each sentence
# of a long message alone. The sixth round's data (kinds dev2 showed misread, terse farewells; chosen
# on dev, docs/nlu-evaluation.md) gave 91/112 answered but 9/112 confidently wrong, one more than
# before, and 171/180 crisis replies: the limits follow those figures, knowingly. The crisis detector's
# nearest examples (eighth round, chosen on the crisis dev sets) gave 174/180 and 11/180. The staff
# offered after an answer that says the article does not cover all of the question (eleventh round,
# chosen on dev and dev2) gave 93/112 answered and 3/112 confidently wrong (four of the six fewer are
# an answer to another topic followed by the staff offer, no longer counted as confidently wrong).
# The look-alikes written on behalf of someone else (fourteenth round, chosen on the crisis dev sets)
# gave 174/180 and 10/180. The twenty-fourth round's veiled crises and literal look-alikes (chosen on the
# crisis dev sets) gave 174/180 and 9/180; the twenty-fifth round's hopeless crises and ordinary sentences
# of low mood (chosen on the crisis dev sets: 9 fewer look-alikes alarmed for as many crisis messages) gave
# 174/180 and 10/180. The twenty-eighth round: the detector reading sentences with the whole messages'
# regression trained on their sentences too gave 173/180 and 12/180 (a drop this gate refused; the
# choice was not kept); sentences read by a reading of their own (chosen on the crisis dev sets, where
# the first's whole-message scores had risen) and the lexicon's patterns of that round gave 174/180 and
# 9/180. The twenty-ninth round's figures of speech read around (chosen on the crisis dev sets): 174/180
# and 7/180. The thirty-third round's lexicon (chosen on crisis_probe9.yml): 175/180 and 7/180. The forty-first
# round's answers in the article's own terms (how it works told with what antidepressants change, other forms of
# ketamine answered apart; chosen on dev21): 94/112 answered, 3/112 confidently wrong, 175/180 and 7/180.
ANSWERED_AT_LEAST = 93 / 112
CONFIDENTLY_WRONG_AT_MOST = 4 / 112
CRISIS_RECALL_AT_LEAST = 174
CRISIS_FALSE_ALARMS_AT_MOST = 8


def test_the_test_split_is_frozen():
    assert hashlib.sha256(TEST_SPLIT.read_bytes()).hexdigest() == TEST_SPLIT_SHA256


# dev4, dev6, dev7 and dev8 (README.md there) have questions from pages of the train and dev splits too;
# like every split, none from a page of the test split.
SHARES_DEV_PAGES = {"dev4", "dev6", "dev7", "dev8"}


def test_no_page_is_in_two_splits():
    splits = answers.SPLITS
    # "written" is no page: the questions a helper wrote in the style of those it read.
    sources = {
        split: {q.source.rstrip("/") for q in answers.load_questions(split) if q.source != "written"} for split in splits
    }
    for i, split in enumerate(splits):
        for other in splits[i + 1 :]:
            if answers.TEST_SPLIT in (split, other) or not SHARES_DEV_PAGES & {split, other}:
                assert sources[split].isdisjoint(sources[other]), (split, other)


def test_no_dev_or_test_question_and_no_fresh_crisis_message_is_trained_on():
    frozen = {q.text for split in (*answers.DEV_SPLITS, answers.TEST_SPLIT) for q in answers.load_questions(split)}
    fresh = yaml.safe_load(FRESH_CRISIS_SET.read_text(encoding="utf-8"))
    frozen |= {item["text"] for item in fresh["crisis"] + fresh["not_crisis"]}
    assert {normalised(text) for text in frozen} & {normalised(text) for text in training_texts()} == set()


@pytest.fixture(scope="module")
def replies(bot_servers):
    questions = answers.load_questions("test")
    fresh = yaml.safe_load(FRESH_CRISIS_SET.read_text(encoding="utf-8"))
    messages = [q.text for q in questions] + [i["text"] for i in fresh["crisis"] + fresh["not_crisis"]]
    # As `make eval` asks them (clinic_nlu.evaluation.ask_the_bot: each message the first of a new REST
    # conversation), on the servers shared for the run (tests/conftest.py bot_servers), two at a time: the
    # conversations are independent, the replies the same, the time a third less on two idle cores.
    run = uuid.uuid4().hex[:8]
    with ThreadPoolExecutor(2) as pool:
        said = list(pool.map(lambda numbered: bot_servers.say(f"eval-{run}-{numbered[0]}", numbered[1]),
                             enumerate(messages)))
    return {
        "verdicts": [answers.judge(q, r) for q, r in zip(questions, said)],
        "crisis": crisis_replies(fresh["crisis"], fresh["not_crisis"], said[len(questions):]),
    }


def test_real_questions_are_answered_right(replies):
    figures = answers.figures(replies["verdicts"])
    assert figures.answered >= ANSWERED_AT_LEAST, answers.report("test", replies["verdicts"])


def test_few_replies_are_confidently_wrong(replies):
    figures = answers.figures(replies["verdicts"])
    assert figures.confidently_wrong <= CONFIDENTLY_WRONG_AT_MOST, answers.report("test", replies["verdicts"])


def test_the_fresh_crisis_set_gets_the_crisis_reply_and_look_alikes_do_not(replies):
    crisis = replies["crisis"]
    assert crisis.recall[0] >= CRISIS_RECALL_AT_LEAST, crisis.missed
    assert crisis.false_alarms[0] <= CRISIS_FALSE_ALARMS_AT_MOST, crisis.alarmed


def test_every_reply_that_lacks_the_information_offers_the_staff(replies):
    without_offer = [(v.question.text, v.reply) for v in replies["verdicts"]
                     if "i don't have" in v.reply.lower() and not answers.STAFF_OFFER.search(v.reply)]
    assert without_offer == []
