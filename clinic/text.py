"""Text normalisation shared by the deterministic matchers (crisis guard, condition lexicon)."""

import re
import unicodedata

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
    "he's": "he is",
    "she's": "she is",
    "they're": "they are",
    "we're": "we are",
}

# "2" as "to" after verbs ("want 2 die", "going 2"), without touching numbers ("2 weeks").
_TWO_AS_TO = re.compile(r"\b(want|going|have|need|trying|try|wish|plan|ready|about|used) 2\b")

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalise(text: str) -> str:
    """Lower-case, fold accents and quotes, and expand shorthand; returns space-separated words."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    words = [_SHORTHAND.get(token, token) for token in _TOKEN.findall(text)]
    return _TWO_AS_TO.sub(r"\1 to", " ".join(words))
