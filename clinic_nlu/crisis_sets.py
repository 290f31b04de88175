"""The crisis dev sets the crisis detector learns from, brought into training by a Rasa importer.

Each crisis dev set (tests/safety/crisis_*.yml) holds crisis messages and ordinary look-alikes in the
words of a crisis, most written apart by helpers that read no file of the project. Once a set has been
measured on arrival (docs/nlu-evaluation.md) and its round is over, it is worth more as examples than
as one more measure of a detector that never saw it. `config.yml` lists the sets learned; a set not
listed (the frozen fresh set, the newest dev sets, the replies said in a conversation) is never learned.

Every example is the detector's alone (linear_component.DETECTOR_ONLY): crisis messages under the
`crisis` intent, look-alikes under `low_mood`; the topic models never see them. A message that is also
a real question of a dev or test split, an example of the held-out set or a message of a set not
learned is left out, so that no figure measured on those is a training figure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import AbstractSet, Dict, List, Optional, Set, Text, Union

import yaml
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.intents import CRISIS, LOW_MOOD
from clinic_nlu.answers import DEV_SPLITS, TEST_SPLIT, load_questions
from clinic_nlu.evaluation import HELDOUT, load_examples
from clinic_nlu.linear_component import DETECTOR_ONLY

ROOT = Path(__file__).resolve().parent.parent
SAFETY = ROOT / "tests" / "safety"
# Crisis messages that are a crisis only as the reply to what was said before them ("ok. goodbye", "yes, all
# of them"): learned alone, they would teach the detector that an ordinary goodbye or "yes" is a crisis.
IN_CONTEXT_ONLY = {"reply_fragment"}


def key(text: Text) -> Text:
    """A message as compared for leaving out: lower case, letters and digits, one space between words."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def set_messages(path: Path, kinds_left_out: AbstractSet[Text] = frozenset()) -> Dict[Text, List[Text]]:
    """A crisis set's texts by list (`crisis`, `not_crisis`...), but those of `kinds_left_out`: items are
    strings or mappings with `text` and `kind`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        name: [
            item["text"] if isinstance(item, dict) else item
            for item in items
            if not (isinstance(item, dict) and item.get("kind") in kinds_left_out)
        ]
        for name, items in data.items()
        if isinstance(items, list)
    }


class CrisisSetImporter(RasaFileImporter):
    """Rasa's importer of data/, and beside its NLU examples the crisis sets `learned` (the names of
    tests/safety/crisis_<name>.yml) as the detector's own examples."""

    def __init__(
        self,
        config_file: Optional[Text] = None,
        domain_path: Optional[Text] = None,
        training_data_paths: Optional[Union[List[Text], Text]] = None,
        learned: Optional[List[Text]] = None,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._learned = [SAFETY / f"crisis_{name}.yml" for name in learned or []]

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        data = super().get_nlu_data(language)
        # An example of data/ keeps its own intent; each message is learned once.
        seen = self._left_out() | {key(m.get(TEXT)) for m in data.training_examples if m.get(TEXT)}
        examples = []
        for path in self._learned:
            lists = set_messages(path, IN_CONTEXT_ONLY)
            for intent, texts in ((CRISIS, lists.get("crisis", [])), (LOW_MOOD, lists.get("not_crisis", []))):
                for text in texts:
                    if key(text) not in seen:
                        seen.add(key(text))
                        metadata = {METADATA_INTENT: {DETECTOR_ONLY: True}}
                        examples.append(Message(data={TEXT: text, INTENT: intent, METADATA: metadata}))
        return data.merge(TrainingData(examples))

    def _left_out(self) -> Set[Text]:
        """The keys of every message no training example may be: the sets not learned, the real questions of
        the dev and test splits, the held-out set."""
        paths = [path for path in sorted(SAFETY.glob("crisis_*.yml")) if path not in self._learned]
        texts = [text for path in paths for items in set_messages(path).values() for text in items]
        texts += [question.text for split in (*DEV_SPLITS, TEST_SPLIT) for question in load_questions(split)]
        texts += [example.text for example in load_examples(HELDOUT)]
        return {key(text) for text in texts}
