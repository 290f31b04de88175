"""When a message places what it tells: long ago, by a year, a count of years, an age then and now.

The crisis lexicon's `resolved` patterns say a history is over in so many words ("fine for ten years now",
"long behind me"). Many people only date it and leave the rest unsaid: "Intake question: ever attempted
suicide? Yes, once, 1998.", "Years ago I overdosed and was in the ICU", "I self-harmed as a teenager but
haven't in over 10 years", "when I was 19 ... I'm 52 now", "back in college ... I'm 41 now". Those are
read here, by arithmetic a list of words cannot do (a year against today's, an age or a time of life then
against an age now), on the lexicon's normalised words (clinic.text.normalise: lower case, "i'm" -> "i am").

`long_ago` only says the message places something at least `MIN_YEARS` years back, or tells that long a
time of being well since. clinic.crisis decides what that means: a history or words about suicide dated
long ago, with nothing saying it is back, is not a crisis by the lexicon alone, and the learned detector
still decides on its meaning (clinic_nlu.crisis_guard).
"""

import re
from datetime import date
from typing import Optional

# How far back a time must be to be long ago: the lexicon's `resolved` patterns read five years or more.
MIN_YEARS = 5
_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "couple": 2,
    "a few": 3,
    "few": 3,
    "several": 5,
    "many": 10,
}
_COUNT = "(" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r"|\d+)"
_ABOUT = r"(?:(?:over|about|almost|nearly|more than|well over|around|roughly|like) )?"
# A year, or a decade ("the 2000s"); not one a state has lasted since ("suicidal since my divorce in 2015").
_YEAR = re.compile(r"\b(since(?: \w+){0,3} )?((?:19[3-9]|20[0-9])\d)s?\b")
_YEARS_AGO = re.compile(rf"\b{_COUNT} (?:years|yrs|decades) ago\b")
# Not "not long ago", which is lately.
_UNCOUNTED_AGO = re.compile(
    r"\b(?:years|decades|a decade|ages) ago\b|(?<!not )(?<!not that )(?<!not so )\b(?:a long time|long) ago\b"
    r"|\b(?:a decade|decades) back\b"
)
# Years of being well, or without it: "sober for 30 years", "haven't in over 10 years", "nothing in over a decade";
# not years of being unwell ("have not been well for 10 years", "no relief in years").
_WELL_FOR = re.compile(
    r"(?:\b(?<!not )(?<!not been )(?<!not felt )(?:free|clean|sober|stable|well|fine|better|good|great|healthy|safe"
    r"|under control|in remission|recovered|nothing|none|no (?:thoughts|urges|attempts|episodes|incidents))"
    r"(?: [\w']+){0,5}"
    r"|\b(?:have|has|had) not(?: (?:done it|done that|had (?:any|one|them|it)|cut|self harmed|hurt \w+self|attempted"
    r"|felt (?:that way|suicidal|like that)|thought about it))?)"
    rf" (?:for|in|over) (?:the (?:last|past) )?{_ABOUT}(?:{_COUNT} (?:years|yrs|decades)|(a decade|decades))\b"
)
# "It's been over a decade" ("it is been" once normalised), not "it has been ten years of this" nor "... since I".
_BEEN = re.compile(
    rf"\b(?:it|that|this) (?:has|had|is) been {_ABOUT}(?:{_COUNT} (?:years|yrs)|(a decade|decades))\b"
    r"(?! (?:of|since|that i|i have))"
)
_AGE_THEN = re.compile(r"\b(?:when i was|at age|aged|at the age of) (\d{1,2})\b")
# A time of life, by the oldest one is in it: "as a teenager ... I'm 46 now", "back in college ... I'm 41".
_STAGES = {"teen": 19, "teenager": 19, "kid": 12, "child": 12, "high school": 18, "middle school": 14, "college": 23}
_STAGE_THEN = re.compile(r"\b(?:as a|when i was a|in|back in|during) (" + "|".join(_STAGES) + r")\b")
_AGE_NOW = re.compile(r"\bi am (?:now )?(\d{2})\b|\bnow (?:at |aged? )?(\d{2})\b")


def long_ago(words: str, today: Optional[date] = None) -> bool:
    """Whether the normalised words place something `MIN_YEARS` or more years back (a year, a count of
    years ago, "years ago", an age or a time of life then and an age now), or tell that many years of being well."""
    this_year = (today or date.today()).year
    if any(not since and this_year - int(year) >= MIN_YEARS for since, year in _YEAR.findall(words)):
        return True
    if any(_count(count) >= MIN_YEARS for count in _YEARS_AGO.findall(words)):
        return True
    if _UNCOUNTED_AGO.search(_YEARS_AGO.sub(" ", words)):
        return True
    for match in (*_WELL_FOR.finditer(words), *_BEEN.finditer(words)):
        count, uncounted = match.groups()
        if uncounted or _count(count) >= MIN_YEARS:
            return True
    now = _AGE_NOW.search(words)
    if not now:
        return False
    age_now = int(now.group(1) or now.group(2))
    ages_then = [int(age) for age in _AGE_THEN.findall(words)] + [_STAGES[s] for s in _STAGE_THEN.findall(words)]
    return any(age_now - age_then >= MIN_YEARS for age_then in ages_then)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]
