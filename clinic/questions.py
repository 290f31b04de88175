"""Which parts of a message ask something: "I've been struggling for years. How long does each infusion
take?" is a story and a question. Read by the NLU (clinic_nlu.question_parts: which parts get answers of
their own) and by the action server (actions/clarify.py: whether an unclear message asks at all;
actions/booking.py: whether a message during the booking form is a question or the answer asked for), and what a
"what is" question asks about when it is not the therapy (clinic_nlu.question_parts)."""

import re
from typing import List, Tuple

from clinic.conditions import default_lexicon

_QUESTION_WORDS = r"(?:how|what|whats|what's|does|do|is|are|can|could|will|would|when|why|who|should|and is|and do)"
# Not knowing, said of a question: "I have no idea how many weeks it takes", "not sure if I can drive after".
_UNSURE = (
    r"(?:i (?:have )?no idea|i(?:'m| am) not sure|i don't know|i do not know) (?:how|what|if|whether|when|why|which)"
)
# A statement that asks, said after another question: "how does it work in the brain, wondering about the side
# effects as well", "how long does an infusion take and I'd also like to know if insurance covers it".
# (Its pieces `_WONDERING` and `_TO_KNOW` are `_ASKED_WITHIN`'s too.)
_WONDERING = r"(?:wondering|curious) (?:if|whether|about|what|how|why|when)"
_TO_KNOW = r"to (?:know|ask|understand|find out)"
_WANTING = (
    rf"(?:(?:i'm|im|i am) )?(?:also |just |still |really )?{_WONDERING}"
    r"|i (?:also |just |still )?wonder"
    rf"|i(?:'d| would)? (?:also |really |just |still )?(?:like|want|need) {_TO_KNOW}"
)
# A question asked in the negative, its subject after it: "isn't ketamine an anesthetic", "dont i need a referral"
# ("don't want to wait" is no question).
_NEGATIVE_QUESTION = (
    r"(?:is|are|does|do|can|will|would|should|could|did|was)(?:n't|nt) (?:it|i|you|u|they|we|he|she|there|this|that"
    r"|ketamine|the|my|your|ur|infusions?|treatments?|insurance)"
)
# The parts of a message: at question marks, sentence ends, line breaks, list numbers and letters ("1) how
# long is it 2) do i need boosters", "a) is it safe b) does it hurt"), and "and" (or a texter's "n", "&",
# "+", "plus")/commas before a question word or an "if" ("and" also before not knowing: "and I have no idea
# how long it takes"); a comma also before "whether" ("how many sessions people need, whether the effect
# wears off") and before "also", "but", "so" or "plus" and a question word ("I want to speak to someone,
# also do you take insurance"); a comma or "and" also before a statement that asks (`_WANTING`) and before a
# question asked in the negative (`_NEGATIVE_QUESTION`).
_SPLIT = re.compile(
    rf"[?!.;]+\s*|\s*\n\s*|\s*(?<![\w)])\(?(?:\d|[a-e])\)\s*"
    rf"|,\s*(?=(?:(?:also|but|so|plus)\s+)?(?:{_QUESTION_WORDS}|{_NEGATIVE_QUESTION}|whether|{_WANTING})\b)"
    rf"|\s+(?:and|n|&|\+|plus)\s+(?=(?:{_QUESTION_WORDS}|{_NEGATIVE_QUESTION}|which|if|whether|{_UNSURE}|{_WANTING})\b)",
    re.IGNORECASE,
)
# A part that asks: it ends with a question mark, or opens (after "and", "also", "hi"...) with a question
# word, a texter's one ("r", "wat", "hw"), a question in the negative (`_NEGATIVE_QUESTION`), or a request to
# be told ("want to know...": with its subject, such a request may also come later in the part,
# `_ASKED_WITHIN`). "where", "which", "did" and "am" open a question but are not split at: after a comma they
# mostly start a clause ("my doctor, where I live").
_ASKING = re.compile(
    rf"^(?:(?:and|also|so|but|or|ok|okay|hi|hey|then|just|plus|n|&|\+)\W+)*"
    rf"(?:{_QUESTION_WORDS}|{_NEGATIVE_QUESTION}|where|which|did|am|r|wat|wats|hw|wht|wut|if|whether|tell me|explain"
    rf"|(?:i(?:'m| am) )?(?:wondering|curious)|(?:no idea|no clue|dunno) (?:how|what|if|whether|when|which)"
    rf"|(?:i |i'd |i'm )?(?:also |really |just |still )?(?:want|wanted|need|like|would like|trying)"
    rf" to (?:know|ask|understand))\b",
    re.IGNORECASE,
)


# A part that ends by asking about what it just said: "i only tried 1 antidepressant does that matter",
# "he's 70, is that too old for this".
_ASKED_AFTER = re.compile(
    r"\b(?:does|do|is|are|would|will|can|could|should)\s+(?:that|this|it)\b[^.?!,;]{0,30}$", re.IGNORECASE
)


# Words that point back at what was said before them.
_BACK = r"(?:that|this|these|those)"
_POINTS_BACK = re.compile(rf"\b{_BACK}\b", re.IGNORECASE)
# A request to be told, anywhere in the part: "Before I go down this road I'd like to understand what the
# treatment even is", "my sister was wondering if it helps".
_ASKED_WITHIN = re.compile(
    r"\b(?:i(?:'d| would)?(?: also| really| just| still)? like|i(?: also| really| just| still)? want(?:ed)?"
    r"|i(?: also| still)? need|i(?:'m| am) (?:trying|hoping))"
    rf" {_TO_KNOW}\b"
    rf"|\b{_WONDERING}\b|\bi wonder\b"
    r"|\bwonder(?:s|ed)? (?:\w+ )?(?:if|whether|what|how|why|when|who|which)\b"
    r"|\b(?:can|could) (?:you|someone|anyone) (?:tell|explain)\b"
    rf"|\b{_UNSURE}\b",
    re.IGNORECASE,
)


# A question that starts inside a run-on text, with nothing before it ("how fast does it kick in how long does it
# last is it covered by bcbs"): "how" (with a word, "how successful", or a measure and what it measures, "how many
# infusions") or "why" and the verb before its subject ("how many infusions I will need", with the subject first, is
# a clause of the sentence before it), "how" and a verb before any subject ("how do antidepressants complement it"),
# "how long per session", "what happens", "what" or "which" and up to three words before them ("what kinds of
# disorders does ketamine treat"), a question word and "to" ("what to bring"), or a verb and a pronoun ("is it",
# "can u") or, for a verb that is not "do" (a main verb too: "can I still do ketamine"), another subject ("can
# ketamine help", "would my insurance cover it"; for "is" and "are" only after a question, `_run_on`), or a
# statement that asks (`_WANTING`: "how long does it take also wondering if insurance covers it") unless it asks
# about what came before it ("so I'm wondering if that rules it out"); at least three words in all. A lookahead, so
# that a question starting inside another's match ("what exactly is ketamine can ketamine help") is found too.
_RUN_ON_QUESTION = re.compile(
    r"\b(?=(?:(?:(?:how|hw)(?: (?:long|fast|soon|quickly|many|much|often)(?: \S+){0,2}?| \w+)?|why)"
    r" (?:does|do|is|are|am|can|will|would|should|has|have|did|r) (?:it|i|u|you|they|there|we|he|she|ketamine|the|my"
    r"|your|ur|each|a|an|one"
    r"|results?|effects?|sessions?|infusions?|treatments?|boosters?|people|ppl|folks|patients"
    r"|in|needed|required|usually|typically|normally|recommended)"
    r"|(?:what|wat|wats|whats|what's) (?:is|are|does|do|should|will|would|happens|helps)"
    r"|(?:how|hw) long (?:per|each|for each|is each|is a|is one|is the)"
    r"|(?:how|hw) (?:does|do|did|can|could|will|would|should) \w+"
    r"|(?:what|wat|which) (?:\S+ ){1,3}?(?:does|do|can|will|would|should)"
    r" (?:ketamine|it|i|u|you|they|we|my|the|your|ur|be)"
    r"|(?:what|wat|how|hw|when|where) to \w+"
    r"|(?:wats|whats|what's) (?:the|a|an|ur|your|my|it|this|that)"
    r"|(?:is|are|does|do|can|could|will|would|should) (?:it|i|u|you|they|there|we|he|she)"
    r"|(?:does|can|could|will|would|should) (?:ketamine|my|the|your|ur|insurance|people|patients|anyone|someone)"
    r"|(?P<copula>(?:is|are)"
    r" (?:ketamine|esketamine|spravato|infusions?|treatments?|therapy|iv|the|my|your|ur|insurance))"
    rf"|(?:{_WANTING})(?! {_BACK}\b))"
    r"(?= \S))",
    re.IGNORECASE,
)
# Words after which such words go on the clause instead ("tell me how long it takes", "not sure what is
# best", "it depends on how you respond", "how long is it", "can i do it after work", "I've been looking up
# which hotel would be quietest", "planning how to tell them"); nor is a heading cut
# from its question ("Treatment Resistant Depression: What Is It?"). "this" and "that" ask about what came
# before them ("i only tried 1 antidepressant does that matter": `_ASKED_AFTER`). Nor after "I'm", "just", "still"
# or "really" ("im just wondering if ...", "can i just do it in person"), nor after a preposition ("walk me
# through what happens", "don't blame yourselves for what happens next").
_RUN_ON_GOES_ON = frozenset(
    "know knows knew wonder wondering wondered sure idea tell told explain understand ask asked asking about "
    "on of see learn out clue care matter decide question unsure curious whether if and or n "
    "how hw what wat when where why which who long fast soon many much often far i you u we they he she "
    "ppl people can could will would should to not does do did is are was were be been have has had "
    "up look looking looked plan planning planned figure figuring figured research researching check checking "
    "read reading google googling remember forget forgot am i'm im just still really through for from with by".split()
)
# Words that are the subject of an "is" or "are" after them.
_SUBJECTS = frozenset("this that these those it what which who there here".split())
_TOLD_ME = frozenset("tell show explain ask let remind teach".split())
# A word that opens the next question with it ("set up a consult also is it iv"): the cut goes before it.
_RUN_ON_JOINERS = frozenset("also but so plus then".split())
# A question word with no verb after it yet: what follows is its own question's ("how many infusions do i
# need", "what age groups do you treat").
_WH_WORDS = frozenset("how hw what wat which when where why who".split())
# (A texter's "r" is "are": "wat r the benefits".)
_VERBS = frozenset(
    "is are was were am r does do did can could will would should has have had whats what's wats".split()
)


# The verbs that complete a question word's clause: a verb inside a contraction too ("how long before i'm
# functional again how many infusions will i need").
_CLAUSE_VERBS = _VERBS | frozenset("i'm im it's i've you're they're we're there's that's".split())


def _run_on(part: str) -> List[str]:
    """The part cut where a question starts inside it with no comma or "and" before it."""
    pieces, start = [], 0
    for found in _RUN_ON_QUESTION.finditer(part):
        words = list(re.finditer(r"\S+", part[: found.start()]))
        words = [w for w in words if w.start() >= start]
        if words and words[-1].group().lower() in _RUN_ON_JOINERS:
            words.pop()
        if len(words) < 2:
            continue
        said = [w.group().lower().strip(",;-*") for w in words]
        # A filler "like" after a comma goes on too: "is that normal, like why do they need all that".
        filler = said[-1] == "like" and words[-2].group().endswith(",")
        told = said[-1] == "me" and said[-2] in _TOLD_ME
        if said[-1] in _RUN_ON_GOES_ON or told or said[-1].endswith(":") or filler:
            continue
        asked = [n for n, word in enumerate(said) if word in _WH_WORDS]
        if asked and not _CLAUSE_VERBS & set(said[asked[-1] :]):
            continue
        # "is"/"are" before a subject is also a main verb ("My biggest worry is ketamine flipping my mood", "this is
        # my last try"): a question starts there only after a question ("what patients are candidates are ketamine
        # infusions safe") and not after a subject of its own.
        if found["copula"] and (said[-1] in _SUBJECTS or not _ASKING.match(part[start : words[-1].end()])):
            continue
        pieces.append(part[start : words[-1].end()].strip())
        start = words[-1].end()
    return [*pieces, part[start:].strip()]


# A question about the words before its comma, when they are no clause of their own: "and the 40 min thing,
# is that each visit" is one part ("my biggest worry is hypomania, is that a real risk" two).
_ABOUT_WHAT_CAME = re.compile(rf"{_QUESTION_WORDS}\s+(?:that|this)\b", re.IGNORECASE)


def _about_what_came(text: str, start: int, separator: "re.Match[str]") -> bool:
    before = re.findall(r"[\w']+", text[start : separator.start()].lower())
    return (
        separator.group().startswith(",")
        and bool(_ABOUT_WHAT_CAME.match(text, separator.end()))
        and not (_VERBS & set(before))
    )


# A heading's words before its colon: no sentence or clause ends among them (a part never holds "?", ".", ";"
# or "!": segments are cut there).
_HEADING = r"[^:?,.;!]"
# A heading before the question it titles: "Ketamine for OCD: How Quickly It Works" asks how quickly.
_HEADED = re.compile(rf"^{_HEADING}{{1,60}}:\s+(?=\S)")


# A subject asked about in a word or two and a question mark ("side effects?? and how long r u there", "cost?
# insurance?"), unless it names nothing ("ok?", "really??", "and then?").
_NAMED_AND_ASKED = re.compile(
    r"(?!(?:ok|okay|really|right|seriously|why|what|how|huh|so|and|then|yes|no|sure|hello|hi|hey|thanks|please|me"
    r"|you|u|it|that|this|anyone|anybody|someone)\b)[a-z][\w'-]{2,}(?: [\w'-]+)?",
    re.IGNORECASE,
)


# The fewest words a part has to be a part (`segments`), but for a subject asked in a word or two.
_PART_WORDS = 3


def segments(text: str, min_words: int = _PART_WORDS, short_asked: bool = False) -> List[Tuple[str, bool]]:
    """The message's parts of `min_words` words or more (with `short_asked`, shorter ones too when a question mark
    says they ask about something, `_NAMED_AND_ASKED`), each with whether it asks something."""
    found, start = [], 0
    for separator in [*_SPLIT.finditer(text), None]:
        if separator and _about_what_came(text, start, separator):
            continue
        end = separator.start() if separator else len(text)
        pieces = _run_on(text[start:end].strip(" ,;:"))
        for number, part in enumerate(pieces, 1):
            marked = bool(number == len(pieces) and separator and "?" in separator.group())
            if len(part.split()) >= min_words or short_asked and marked and _NAMED_AND_ASKED.fullmatch(part):
                asked = _ASKING.match(part) or _ASKING.match(_HEADED.sub("", part)) or _ASKED_AFTER.search(part)
                within = None if asked else _ASKED_WITHIN.search(part)
                # A request to be told inside the part is its question, what comes before it the asker's story
                # ("Before I go down this road I'd like to understand what the treatment even is"), unless the
                # request points back at it ("She's breastfeeding too so I'm wondering if that rules it out").
                told = part[within.start() :] if within else ""
                if len(told.split()) >= min_words and not _POINTS_BACK.search(told):
                    part = told
                found.append((part, marked or bool(asked or within)))
        start = separator.end() if separator else end
    return found


def asked_parts(text: str) -> List[str]:
    """The parts of a message of several that ask something; "I've been struggling for years." before
    "How long does each infusion take?" is the asker's story, not a question of its own. All the parts
    when none reads as a question; none for a message of one part (its reading is the whole message's)."""
    found = segments(text, short_asked=True)
    # Beside a question, a subject asked about in a word or two is a question too ("side effects?? and how long r u
    # there"); alone, it does not make the story around it no question ("slept 11 hrs. normal?").
    if not any(asking for part, asking in found if len(part.split()) >= _PART_WORDS):
        found = [(part, asking) for part, asking in found if len(part.split()) >= _PART_WORDS]
    if len(found) < 2:
        return []
    return [part for part, asking in found if asking] or [part for part, _ in found]


def asks(text: str) -> bool:
    """Whether any part of the message asks something ("I'm not suicidal, just exhausted by this
    depression" does not; "can ketamine help with fibromyalgia" does, and so does a heading that lists what it
    covers, `_listed`)."""
    return any(asking for _, asking in segments(text, min_words=1)) or bool(_listed(text))


# Words that are not a question's subject of their own, so "and" / "or" between them joins clauses or
# phrases, not two things asked about ("is it safe and effective": two; "can I eat and then drive": not).
_FUNCTION_WORDS = frozenset(
    "i you it we they he she me my your our their the a an is are was do does did can could will would should "
    "to of for with in on at by from how what when why who which where if so then that this there be been have "
    "has had not no get go after before".split()
)
# "The difference between antidepressants and ketamine", "are esketamine and ketamine the same": one
# thing asked about both.
_COMPARED = re.compile(r"\b(?:between|both|same|differ\w*|compar\w*|versus|vs)\b", re.IGNORECASE)
_JOINED = re.compile(r"\b([\w'-]+) (?:and|or|&) ([\w'-]+)\b", re.IGNORECASE)


def _each_word_alone(part: str) -> List[str]:
    """The part with each of two words it joins by "and" / "or" alone, or the part itself."""
    joined = _JOINED.search(part)
    if not joined or {joined.group(1).lower(), joined.group(2).lower()} & _FUNCTION_WORDS or _COMPARED.search(part):
        return [part]
    return [part[: joined.end(1)] + part[joined.end(2) :], part[: joined.start(1)] + part[joined.start(2) :]]


# What makes a question depend on the answer before it ("is it covered by insurance? if not can i still book
# a consult"): the question is read without it.
_IF_SO = re.compile(r"^(?:(?:and|but)\s+)?(?:if (?:not|so|yes|no)|otherwise)\b[\s,]*(?=\S)", re.IGNORECASE)


# A heading that lists what it covers after its colon ("Ketamine for Social Anxiety: Benefits, Side Effects,
# and Drug Interactions"): each item is a question, read with the heading's subject. Not a heading whose
# tail asks one question ("Ketamine for Depression: What You Need to Know"), says one thing, or offers
# answers to choose from ("speed of relief: hours, days, or weeks?").
_LISTED = re.compile(rf"^(?P<head>{_HEADING}{{3,60}}):\s+(?P<items>[^:?.;!]+?)\??$")
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)


def _listed(text: str) -> List[str]:
    listed = _LISTED.match(text.strip())
    if not listed or _ASKING.match(listed["items"]) or re.search(r"\bor\b", listed["items"], re.IGNORECASE):
        return []
    items = [item for item in _LIST_SEPARATOR.split(listed["items"]) if item]
    if len(items) < 2 or any(len(item.split()) > 6 for item in items):
        return []
    return [f"{listed['head']}: {item}" for item in items]


def questions_asked(text: str) -> List[str]:
    """Each question of a message read on its own: its asking parts (`asked_parts`) without an opening "if
    not" or "if so", and a part that joins two words with "and" or "or" read with each word alone: "Is
    ketamine addictive or dangerous?" asks whether it is addictive and whether it is dangerous; each item a
    heading lists after its colon (`_listed`). None for a message of one plain question."""
    listed = _listed(text)
    if listed:
        return listed
    parts = [_IF_SO.sub("", part) for part in asked_parts(text)]
    if parts:
        return [reading for part in parts for reading in _each_word_alone(part)]
    alone = _each_word_alone(text.strip()) if asks(text) else []
    return alone if len(alone) > 1 else []


# A question asking what something is ("What is integration in ketamine therapy?", "whats ketamine tx"), its
# subject up to the end of the clause or a second question ("... and how does it work").
_WHAT_IS = re.compile(
    r"^\W*(?:(?:so|but|and|ok|okay|wait|hi|hey|also)\W+)*(?:what|wat)(?:'s|’s|s\b|\s+(?:exactly\s+|even\s+|really\s+)?"
    r"(?:is|are|r)\b)\s*(?:(?:exactly|even|really|actually)\s+)?(?P<subject>[^?.!:,;]+?)"
    r"(?=\s+(?:and|&)\s+(?:how|what|why|who|when|where|is|are|can|does|do|will|should)\b|[?.!:,;]|$)",
    re.IGNORECASE,
)
# The therapy's own names, and the words around them that name nothing else ("the", "this", "what's the deal
# with"); a condition the subject names is read by the condition's answer (clinic/conditions.py).
_THERAPY_WORDS = frozenset(
    "ketamine ketamine's ketamines ket iv intravenous infusion infusions therapy therapies treatment treatments "
    "tx".split()
)
_NAMING_NOTHING = frozenset(
    "the a an this that these those it its thing stuff exactly even really actually basically deal in for of with w "
    "to as on about and & or".split()
)


def something_else_asked_about(text: str) -> str:
    """What a "what is" question asks about when that is not the therapy itself: "integration" in "What is
    integration in ketamine therapy?", "maintenance" in "What is ketamine maintenance therapy?", "dissociation"
    in "What is dissociation?"; "" when it asks what the therapy is ("What is IV ketamine therapy for
    depression?", "whats ketamine tx", "What is the ketamine treatment you offer?": words after the therapy's
    name do not change what it names). Read on the message's first part that asks it."""
    parts = asked_parts(text) or [text.strip()]
    asked = next((found for found in map(_WHAT_IS.match, parts) if found), None)
    if not asked:
        return ""
    subject = asked["subject"]
    for mention in sorted(default_lexicon().find(subject), key=lambda m: m.start, reverse=True):
        subject = subject[: mention.start] + " " + subject[mention.end :]
    words = re.findall(r"[\w'’&-]+", subject)
    named = [i for i, word in enumerate(words) if word.lower() in _THERAPY_WORDS]
    before = words[: named[-1]] if named else words
    return " ".join(word for word in before if word.lower() not in _THERAPY_WORDS | _NAMING_NOTHING)
