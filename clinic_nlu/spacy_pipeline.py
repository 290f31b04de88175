"""The two spaCy pipelines made at install time from the hash-pinned en_core_web_sm package.

- `models/spacy`, the NLU's (config.yml, SpacyNLP): tokens, tags and lemmas, for the character n-grams
  and the condition and crisis readers. The package's pipeline without its dependency parser (which
  Rasa's SpacyNLP disabled anyway) and without its entity recogniser, which found people's names in
  every message (2.4 of spaCy's 4.6 ms a message) for the one answer that needs a name.
- `models/spacy-names`, the entity recogniser alone: the action server reads the name in the answer
  to the booking form's name question with it (actions/names.py). It has its own token-to-vector
  layer, so it finds the same entities as the whole pipeline.

Removing components leaves the others' output unchanged: the tagger listens to the shared
token-to-vector layer, the attribute ruler and the lemmatizer read the tags, and the entity
recogniser ran last.

    python -m clinic_nlu.spacy_pipeline export PACKAGE_DIR MODELS_DIR   # make install
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Sequence

NLU_DIR = "spacy"
NAMES_DIR = "spacy-names"
NLU_EXCLUDE = ("parser", "ner")
NAMES_COMPONENT = "ner"


def export(package_dir: Path, models_dir: Path) -> None:
    """Writes both pipelines under `models_dir`, replacing what is there (a link of an older layout too)."""
    import spacy

    full = spacy.load(package_dir)
    pipelines = {
        NLU_DIR: list(NLU_EXCLUDE),
        NAMES_DIR: [name for name in full.component_names if name != NAMES_COMPONENT],
    }
    for directory, exclude in pipelines.items():
        target = models_dir / directory
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        spacy.load(package_dir, exclude=exclude).to_disk(target)


def main(argv: Sequence[str]) -> None:
    if len(argv) != 3 or argv[0] != "export":
        sys.exit(__doc__)
    export(Path(argv[1]), Path(argv[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
