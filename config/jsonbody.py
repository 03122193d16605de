"""JSON request bodies, bounded: size, nesting depth and text that can be stored.

Python's parser recurses once per level, so a 20 KB body of ``[[[[...`` is a RecursionError
(a 500) rather than a clear 400; and a value nested hundreds deep that does parse still breaks
the code that walks it later. No body this project accepts nests more than a few levels (a
report, a registration, a createJob request), so the bound is generous.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

MAX_DEPTH = 32
# A JSON API body: room for the validator's 64 KiB header values, far less than Django's 2.5 MB.
MAX_BODY_BYTES = 256 * 1024


class JSONBodyError(ValueError):
    """A body that is not JSON this server accepts; the message says why."""


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, refusing depth over ``max_depth`` and lone surrogates with :class:`JSONBodyError`."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except UnicodeDecodeError as exc:
        raise JSONBodyError(f"the body is not JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise JSONBodyError(f"the JSON nests more than {max_depth} levels deep") from None
    except ValueError as exc:
        raise JSONBodyError(f"the body is not JSON: {exc}") from None
    problem = check(value, max_depth=max_depth)
    if problem:
        raise JSONBodyError(problem)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH) -> str:
    """Why a parsed value is refused (too deep, a lone surrogate in a string), or ``""``."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                return f"the JSON nests more than {max_depth} levels deep"
            for key, child in item.items():
                if not _storable(key):
                    return "a key holds a lone surrogate (\\ud800-\\udfff), which is not text"
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                return f"the JSON nests more than {max_depth} levels deep"
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and not _storable(item):
            return "a string holds a lone surrogate (\\ud800-\\udfff), which is not text"
    return ""


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BodyTooLarge(APIException):
    status_code = 413
    default_detail = "the request body is too large"
    default_code = "too_large"


class BoundedJSONParser(BaseParser):
    """DRF's JSON parser with a size bound and :func:`loads`' checks; errors are 400 ``{"detail"}``."""

    media_type = "application/json"
    max_bytes = MAX_BODY_BYTES

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(self.max_bytes + 1) if stream is not None else b""
        if len(raw) > self.max_bytes:
            raise BodyTooLarge(f"the body is over {self.max_bytes} bytes")
        if not raw.strip():
            return {}
        try:
            return loads(raw)
        except JSONBodyError as exc:
            raise ParseError(str(exc)) from None


class BoundedPlainTextJSONParser(BoundedJSONParser):
    """The same, for JSON sent as ``text/plain`` (a CORS-simple request, no preflight)."""

    media_type = "text/plain"
