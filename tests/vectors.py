"""Where the shared conformance vectors are, and a clear skip when they are not there."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VECTORS_DIR = Path(os.environ.get("ARA_VECTORS_DIR", REPO.parent / "shared" / "vectors"))


def vectors(sub: str) -> Path:
    """Path of a vectors sub-folder; skips the calling test when it is absent."""
    folder = VECTORS_DIR / sub
    if not folder.is_dir():
        pytest.skip(f"conformance vectors not found at {folder} (set ARA_VECTORS_DIR)")
    return folder


def vector_files(sub: str, pattern: str = "*.json") -> list[Path]:
    """Files for parametrization at collection time ([] when the folder is absent)."""
    folder = VECTORS_DIR / sub
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


def load_jsonc(path: Path) -> dict:
    """JSON with // comments, as Chromium's interop files are written."""
    text = path.read_text(encoding="utf-8")
    return json.loads(_COMMENT.sub(lambda m: m.group(1) or "", text))
