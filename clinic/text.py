"""Text normalisation shared by the deterministic matchers (crisis guard, condition lexicon), and the
correction of typos the crisis matcher applies to words near its lexicon."""

import re
import unicodedata
from typing import Dict, List, Set, Tuple

# SMS shorthand and contractions, expanded so that one pattern covers every spelling.
_SHORTHAND = {
    "im": "i am",
    "i'm": "i am",
    "ima": "i am going to",
    "imma": "i am going to",
    "ive": "i have",
    "i've": "i have",
    "i'll": "i will",
    "ill": "i will",
    "i'd": "i would",
    "id": "i would",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gunna": "going to",
    "tryna": "trying to",
    "dont": "do not",
    "don't": "do not",
    "didnt": "did not",
    "didn't": "did not",
    "doesnt": "does not",
    "doesn't": "does not",
    "cant": "can not",
    "can't": "can not",
    "cannot": "can not",
    "wont": "will not",
    "won't": "will not",
    "isnt": "is not",
    "isn't": "is not",
    "arent": "are not",
    "aren't": "are not",
    "whats": "what is",
    "what's": "what is",
    "it's": "it is",
    "its": "it is",
    "u": "you",
    "ur": "your",
    "r": "are",
    "ppl": "people",
    "abt": "about",
    "yrs": "years",
    "bc": "because",
    "rn": "right now",
    "pls": "please",
    "plz": "please",
    "myslf": "myself",
    "meself": "myself",
    "b": "be",
    "wnt": "want",
    "lfe": "life",
    "lyf": "life",
    "thinkin": "thinking",
    "bout": "about",
    "anymre": "anymore",
    "2nite": "tonight",
    "2day": "today",
    "nvm": "never mind",
    "tryed": "tried",
    "tryd": "tried",
    "killin": "killing",
    "tn": "tonight",
    "tonite": "tonight",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "4ever": "forever",
    "w": "with",
    "od'd": "overdosed",
    "od'ed": "overdosed",
    "wasnt": "was not",
    "wasn't": "was not",
    "werent": "were not",
    "weren't": "were not",
    "couldnt": "could not",
    "couldn't": "could not",
    "wouldnt": "would not",
    "wouldn't": "would not",
    "havent": "have not",
    "haven't": "have not",
    "hasnt": "has not",
    "hasn't": "has not",
    "i'm'a": "i am going to",
    "that's": "that is",
    "thats": "that is",
    "there's": "there is",
    "theres": "there is",
    "it'd": "it would",
    "it'll": "it will",
    "he'll": "he will",
    "she'll": "she will",
    "they'll": "they will",
    "he's": "he is",
    "she's": "she is",
    "they're": "they are",
    "we're": "we are",
}

# "2" as "to" after verbs ("want 2 die", "going 2"), without touching numbers ("2 weeks"), and "too"
# after a few of them ("want too die"), without touching "have too many".
_TWO_AS_TO = re.compile(
    r"\b(?:(want|going|have|need|trying|try|wish|plan|ready|about|used) 2|(want|going|trying|wish) too)\b"
)

# Words written around a filter or for effect: "sewer slide", "s*icide", "k!ll", "su1c1de", "$elf".
_PHRASES = [
    (re.compile(r"\bsewer ?(slide|side)s?\b"), "suicide"),
    (re.compile(r"\bsewerslid(al|ing)\b"), "suicidal"),
]
_LEET = {"!": "i", "1": "i", "3": "e", "0": "o", "4": "a", "@": "a", "$": "s", "5": "s"}
_LEET_INSIDE = re.compile(r"(?<=[a-z])[!1304@$5*]+(?=[a-z])|(?<![a-z0-9])[@$](?=[a-z])")

_TOKEN = re.compile(r"[a-z0-9*]+(?:'[a-z]+)?")


def _folded(text: str) -> str:
    """Lower-case, straight quotes, and letters written as digits or signs inside words ("su1c1de")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _LEET_INSIDE.sub(lambda m: "".join(_LEET.get(ch, ch) for ch in m.group(0)), text)


def normalise(text: str) -> str:
    """Lower-case, fold accents and quotes, and expand shorthand; returns space-separated words."""
    text = unicodedata.normalize("NFKD", text or "")
    text = _folded("".join(ch for ch in text if not unicodedata.combining(ch)))
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    words = [_SHORTHAND.get(token, token) for token in _TOKEN.findall(text)]
    return _TWO_AS_TO.sub(lambda m: (m.group(1) or m.group(2)) + " to", " ".join(words))


def normalised_words(text: str) -> List[Tuple[str, int, int]]:
    """normalise's words, each with the (start, end) in `text` of the written word it comes from ("i'm"
    gives "i" and "am", both of its span), for finding a phrase in the text as written. Only the steps
    that keep the text's length are taken (not the accents folded, nor a phrase spelt around a filter),
    and none at all for a text whose lower case has another length: its words are not mapped ([])."""
    folded = _folded(text)
    if len(folded) != len(text):
        return []
    return [
        (word, match.start(), match.end())
        for match in _TOKEN.finditer(folded)
        for word in _SHORTHAND.get(match.group(0), match.group(0)).split()
    ]


class TypoCorrector:
    """Maps a misspelt word to the one keyword it is one slip away from ("myslef" -> "myself").

    A slip is two neighbouring letters swapped, one letter missing, one letter too many (keywords of
    five letters or more) or one letter wrong (keywords of six letters or more), never the first
    letter, which readers and writers rarely get wrong and where most real neighbouring words differ
    ("billing" / "killing", "sending" / "ending"). A "*" stands for any one letter ("s*icide").
    Real words one slip from a keyword ("lie" from "life") are listed in `real_words` and left alone,
    and so is a spelling one slip from two keywords.
    """

    def __init__(self, keywords, real_words=()):
        self.keywords = set(keywords)
        keep = self.keywords | set(real_words) | set(_SHORTHAND) | set(_SHORTHAND.values())
        found: Dict[str, Set[str]] = {}
        for keyword in self.keywords:
            for variant in _slips(keyword):
                if variant not in keep:
                    found.setdefault(variant, set()).add(keyword)
        self._corrections = {v: k.pop() for v, k in found.items() if len(k) == 1}
        self._by_length: Dict[int, List[str]] = {}
        for keyword in self.keywords:
            self._by_length.setdefault(len(keyword), []).append(keyword)

    def correct(self, words: str) -> str:
        return " ".join(self._correct_word(word) for word in words.split(" "))

    def _correct_word(self, word: str) -> str:
        if "*" in word:
            return self._unmask(word)
        return self._corrections.get(word, word)

    def _unmask(self, word: str) -> str:
        pattern = re.compile(re.escape(word).replace(r"\*", "[a-z]") + "$")
        candidates = [k for k in self._by_length.get(len(word), []) if pattern.match(k)]
        return candidates[0] if len(candidates) == 1 else word.replace("*", "")


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _slips(word: str):
    n = len(word)
    for i in range(1, n - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if n >= 4:
        for i in range(1, n):
            yield word[:i] + word[i + 1 :]
    if n >= 5:
        for i in range(1, n + 1):
            for ch in _LETTERS:
                yield word[:i] + ch + word[i:]
    if n >= 6:
        for i in range(1, n):
            for ch in _LETTERS:
                if ch != word[i]:
                    yield word[:i] + ch + word[i + 1 :]
