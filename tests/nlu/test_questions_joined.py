"""Two of the dev splits' questions joined in one message, asked of the whole bot through the REST channel of
the real servers (`make eval-joined` prints the same figures with the misses): every part must be answered.
The floors are the figures measured on the model of the commit that set them, less three messages for run-to-run
noise: a drop fails the build. A dev measure: no question of the test split is used."""

import uuid

from clinic_nlu.answers import JOINED_MESSAGES
from clinic_nlu.evaluation import joined_verdicts

# On model 46dd5f0c0bb61bc1: 310/360 answered in both parts and 11 confidently wrong before the thirty-fifth
# round, 317 and 10 with its run-on splits (the run-on way 38 -> 45/60), 326 and 7 with a condition's "how"
# answered too; on model 905d7dacbd0cd9a2 (the same data), 328 and 6 with "how" and any word starting a
# run-on question ("how successful is the treatment"). Thirty-sixth round, with dev16's questions among the
# singles (model b782d3e176c2936f): 330 and 9; 333 and 7 with "what happens" and "through"/"for" going on; 336
# and 5 with "how" and a verb before any subject, "how has/am", "how long per"; 340 and 3 with a question of how
# or what about a condition read without the phrase naming it (model 57b0f9a99b7b9b09, the same data); 343 and 2
# with "is"/"are" and a subject starting a run-on question after a question (model 5e922f722b7fe990). Thirty-seventh
# round, with dev17's questions among the singles the sample is another: 327 and 7 on the round's starting model
# (a45fb97b3bee0820), and the same at its end (the same weights; a question asked in the negative read).
# Thirty-eighth round, with dev18's questions among the singles another sample again: 330 and 6 with the round's
# unlisted conditions and crisis lexicon kinds (models 388027a08ef55463 and 043e3daea02e1bbc; its later changes read no
# dev question differently). Thirty-ninth round, with dev19's questions among the singles: 334 and 3 on the round's
# models (cce506133b1b23f3, 0cc88dc17b87fcaf; training examples that would have drawn another sample were not kept).
# Fortieth round, with dev20's questions among the singles: 338 and 1 on the round's weights (959bcb2ede193d8a), with
# and without several questions answered in the order asked; last round's training examples, measured again, drew
# another sample and got 325 and 6 (not kept).
# Forty-first round: the messages were drawn from the singles a model answers right alone, so two models were asked
# different messages and their figures did not compare (on one draw from the singles both answered alone, the
# round's starting model 418f54522b93833b answered 323 and the next model 325; each on its own draw, 338 and 333).
# They are now drawn from every single question, the same for every model: 310 and 13 confidently wrong on
# 418f54522b93833b (307 of the 331 whose two questions it answers right alone). How it works told with what
# antidepressants change, and other forms of ketamine answered apart from other questions (model 2a87a775f9534391):
# 315 and 12. With dev21's questions among the singles, other messages: 308 and 4 on 418f54522b93833b, 314 and 4 on
# 2a87a775f9534391. Forty-fifth round, with dev22's questions among the singles (single questions needing two topics'
# facts: another sample again): 326 and 6 on the round's starting model (c0aa5bfd4e13896c) and the same on its end
# (11d59d93a2deb097, the same weights with a longer answer about an infusion). Forty-sixth round, with dev23's
# questions among the singles (another sample): 311 and 6 on the round's starting model (60c0fc89b74f955e) and the
# same on its end (8072b91929cee03b, the same weights with five answers carrying one more fact of the article).
# Forty-eighth round: 312 and 5 with the question less sure of a topic two questions share taking its second.
ANSWERED_AT_LEAST = 309
CONFIDENTLY_WRONG_AT_MOST = 8


def test_two_questions_in_one_message_are_both_answered(bot_servers):
    singles, right, verdicts, _ = joined_verdicts(bot_servers, JOINED_MESSAGES, prefix=f"joined-{uuid.uuid4().hex[:8]}")
    assert len(verdicts) == JOINED_MESSAGES and right >= singles // 2, (singles, right)
    misses = "\n".join(f"{v.question.style}: {v.question.text!r} {v.parts_answered}" for v in verdicts if not v.answered)
    assert sum(v.answered for v in verdicts) >= ANSWERED_AT_LEAST, misses
    assert sum(v.confidently_wrong for v in verdicts) <= CONFIDENTLY_WRONG_AT_MOST, misses
