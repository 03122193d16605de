"""JSON with ``//`` comments, as Chromium's interop files are written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


def loads(text: str) -> Any:
    """Parses JSON after removing ``//`` comments outside strings."""
    return json.loads(_COMMENT.sub(lambda m: m.group(1) or "", text))


def load(path: str | Path) -> Any:
    return loads(Path(path).read_text(encoding="utf-8"))
