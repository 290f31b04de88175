"""People's names in a message, for the booking form's name question (actions/booking.py).

spaCy's entity recogniser alone (`models/spacy-names`, made by `make install` with
clinic_nlu.spacy_pipeline): the NLU no longer runs it on every message. Loaded on the first name
asked for (about a second and 110 MB), not when the action server imports its actions.
"""

import functools
import sys
from typing import Any, List, Text

from clinic.settings import PROJECT_ROOT

NAMES_PIPELINE = PROJECT_ROOT / "models" / "spacy-names"


@functools.lru_cache(maxsize=1)
def _recogniser() -> Any:
    # spaCy's thinc imports TensorFlow whenever it is installed (it is, for Rasa): some 300 MB and
    # seconds the action server would pay for nothing. A None entry makes that import fail, and thinc
    # goes on without it.
    block_tensorflow = "tensorflow" not in sys.modules
    if block_tensorflow:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if block_tensorflow:
            del sys.modules["tensorflow"]
    return spacy.load(NAMES_PIPELINE)


def people(text: Text) -> List[Text]:
    """The people's names spaCy finds in `text`, in order."""
    return [entity.text for entity in _recogniser()(text).ents if entity.label_ == "PERSON"]
