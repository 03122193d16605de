"""Where the shared conformance vectors are, and a clear skip when they are not there."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VECTORS_DIR = Path(os.environ.get("ARA_VECTORS_DIR", REPO.parent / "shared" / "vectors"))


# CI sets ARA_REQUIRE_VECTORS=1: there a missing folder is an error, so about 1,100
# conformance tests can never vanish quietly behind a skip.
REQUIRED = os.environ.get("ARA_REQUIRE_VECTORS") == "1"


def _missing(folder: Path) -> str:
    return f"conformance vectors not found at {folder} (set ARA_VECTORS_DIR)"


def vectors(sub: str) -> Path:
    """Path of a vectors sub-folder; skips the calling test when it is absent (fails if required)."""
    folder = VECTORS_DIR / sub
    if not folder.is_dir():
        if REQUIRED:
            pytest.fail(_missing(folder))
        pytest.skip(_missing(folder))
    return folder


def vector_files(sub: str, pattern: str = "*.json") -> list[Path]:
    """Files for parametrization at collection time ([] when the folder is absent, unless required)."""
    folder = VECTORS_DIR / sub
    if folder.is_dir():
        return sorted(folder.glob(pattern))
    if REQUIRED:
        raise pytest.UsageError(_missing(folder) + "; ARA_REQUIRE_VECTORS=1 asks for them")
    return []


_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


def load_jsonc(path: Path) -> dict:
    """JSON with // comments, as Chromium's interop files are written."""
    text = path.read_text(encoding="utf-8")
    return json.loads(_COMMENT.sub(lambda m: m.group(1) or "", text))
