"""Opaque-response blocking (ORB) as Chrome 149 decided it, before the Attribution API saw a response.

A ``no-cors`` request to another origin than its initiator's (``<img>``, ``<script>``, a background
``attributionsrc`` request, ``fetch(url, {mode: "no-cors"})``) gets an opaque response, and Chrome's
network service drops such a response when it is likely data a page should not read: HTML, JSON,
XML, a PDF. A dropped response reaches nobody, the Attribution API included: its registration
headers are never processed. Redirects are not subject to it (each hop still registers); the
final response is. This is Chromium's implementation (``services/network/orb``), which departs
from the ORB draft (https://github.com/annevk/orb) in one important way: it sniffs the first
1024 bytes for HTML, XML and JSON instead of parsing JavaScript, and lets through what it cannot
classify (a non-2xx status or ``nosniff`` alone does not block).

:func:`blocked` is the decision; it reads only the response's status, headers and first bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from attribution_reporting.sites import InvalidURL, origin_of

SNIFF_BYTES = 1024  # net::kMaxBytesToSniff

# Never sniffed: blocked on the Content-Type alone (unlikely to be an image, a script or a style).
NEVER_SNIFFED = frozenset(
    {
        "application/gzip",
        "application/x-gzip",
        "application/x-protobuf",
        "application/zip",
        "text/event-stream",
        "application/msexcel",
        "application/mspowerpoint",
        "application/msword",
        "application/msword-template",
        "application/pdf",
        "application/vnd.ces-quickpoint",
        "application/vnd.ces-quicksheet",
        "application/vnd.ces-quickword",
        "application/vnd.ms-excel",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-powerpoint.presentation.macroenabled.12",
        "application/vnd.ms-word",
        "application/vnd.ms-word.document.12",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.msword",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.template",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        "application/vnd.presentation-openxml",
        "application/vnd.presentation-openxmlm",
        "application/vnd.spreadsheet-openxml",
        "application/vnd.wordprocessing-openxml",
        "text/csv",
        "text/pdf",
        "multipart/signed",
        "multipart/byteranges",
    }
)
# Opaque-safelisted in Chromium: always let through (audio/* and video/* too).
SAFELISTED = frozenset(
    {
        "text/css",
        "image/svg+xml",
        "application/ogg",
        "application/dash+xml",
        "application/vnd.apple.mpegurl",
        "text/vtt",
    }
)
# Image, audio and video signatures (net::SniffMimeTypeFromLocalData): "." matches any byte; a
# response that starts with one is let through whatever its Content-Type says.
_MEDIA_SIGNATURES = (
    b"#define",  # image/x-xbitmap
    b"\x00\x00\x01\x00",  # image/x-icon
    b"RIFF....WAVEfmt ",
    b"RIFF....AVI LIST",
    b"OggS\x00",
    b"....ftyp",  # video/mp4, video/3gpp (and AVIF)
    b"....moov",
    b"FLV",
    b"fLaC",
    b"#!AMR\n",
    b"II\x2a\x00\x10\x00\x00\x00CR",
    b"II\x1a\x00\x00\x00HEAPCCDR",
    b"\x00MRM",
    b"MMOR",
    b"IIRO",
    b"IIRS",
    b"FUJIFILMCCD-RAW ",
    b"IIU\x00\x08\x00\x00\x00",
    b"IIU\x00\x18\x00\x00\x00",
    b"MMMMRaw",
    b"FOVb",
    b"GIF87a",
    b"GIF89a",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"BM",
    b"\x2eRMF",  # audio/x-pn-realaudio
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c",  # video/x-ms-asf
    b"I I",
    b"II*",
    b"MM\x00*",
    b"ID3",
    b"RIFF....WEBPVP",
    b"\x1a\x45\xdf\xa3",  # video/webm
)
_HTML_SIGNATURES = (
    b"<!doctype html",
    b"<script",
    b"<html",
    b"<head",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<p",
)
_PARSER_BREAKERS = (b")]}'", b"{}&&", b"{} &&", b"for(;;);", b"while(1);", b"for (;;);", b"while (1);")
_WHITESPACE = b" \t\r\n"


def applies(mode: str, initiator: str, url: str) -> bool:
    """Whether ORB looks at this response: a ``no-cors`` request whose final URL is another origin's."""
    if mode != "no-cors" or not initiator:
        return False
    try:
        return origin_of(initiator) != origin_of(url)
    except InvalidURL:
        return True


def blocked(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> str | None:
    """Why Chrome 149 drops this cross-origin no-cors response, or None when it lets it through."""
    pairs = [(k.lower(), v) for k, v in headers]
    mime = _essence([v for k, v in pairs if k == "content-type"])
    nosniff = ", ".join(v.strip() for k, v in pairs if k == "x-content-type-options").lower() == "nosniff"
    if mime:
        if mime in SAFELISTED or mime.startswith(("audio/", "video/")):
            return None
        if mime in NEVER_SNIFFED:
            return f"its Content-Type ({mime}) is never an image, script or style sheet"
        if nosniff and _family(mime):
            return f"it is labelled {mime} with X-Content-Type-Options: nosniff"
    if status == 206 and _middle_of_resource(pairs):
        return "it is a range response from the middle of a resource ORB has not seen the start of"
    data = body[:SNIFF_BYTES]
    if _starts_with_media(data) or not mime:
        return None
    if _sniff_html(data):
        return f"its body starts like HTML (Content-Type {mime})"
    if data.lstrip(_WHITESPACE).startswith(b"<?xml"):
        return f"its body starts like XML (Content-Type {mime})"
    if data.startswith(_PARSER_BREAKERS) or _sniff_json(data):
        return f"its body starts like JSON (Content-Type {mime})"
    return None


def _essence(values: list[str]) -> str:
    """The MIME type's essence (the last valid Content-Type, lower-case), or "" (none, or invalid)."""
    found = ""
    for value in values:
        essence = value.split(";", 1)[0].strip().lower()
        if "/" in essence and essence != "*/*" and all(part.strip() for part in essence.split("/", 1)):
            found = essence
    return found


def _family(mime: str) -> str:
    """ "html", "json", "xml" or "plain" for the types nosniff blocks; "" otherwise."""
    if mime in ("image/svg+xml", "application/dash+xml"):
        return ""
    if mime == "text/html":
        return "html"
    if mime in ("application/json", "text/json", "application/json+protobuf") or mime.endswith("+json"):
        return "json"
    if mime in ("application/xml", "text/xml") or mime.endswith("+xml"):
        return "xml"
    return "plain" if mime == "text/plain" else ""


def _middle_of_resource(pairs: list[tuple[str, str]]) -> bool:
    value = next((v for k, v in pairs if k == "content-range"), "").strip().lower()
    if not value.startswith("bytes "):
        return False
    first = value[6:].split("-", 1)[0].strip()
    return first.isdigit() and int(first) > 0


def _matches(data: bytes, signature: bytes) -> bool:
    return len(data) >= len(signature) and all(s in (data[i], ord(".")) for i, s in enumerate(signature))


def _starts_with_media(data: bytes) -> bool:
    if any(_matches(data, s) for s in _MEDIA_SIGNATURES):
        return True
    # video/mpeg and audio/mpeg are matched under a mask.
    if len(data) >= 4 and data[:3] == b"\x00\x00\x01" and data[3] & 0xF0 == 0xB0:
        return True
    return len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0


def _sniff_html(data: bytes) -> bool:
    """A known HTML tag first, after whitespace and complete ``<!-- -->`` comments (each to its line's end)."""
    while data:
        data = data.lstrip(_WHITESPACE)
        lowered = data.lower()
        if any(lowered.startswith(s) for s in _HTML_SIGNATURES):
            return True
        if not data.startswith(b"<!--"):
            return False
        end = data.find(b"-->", 4)
        if end < 0:
            return False
        rest = data[end + 3 :]
        line_end = min((i for i in (rest.find(b"\n"), rest.find(b"\r"), _ls_ps(rest)) if i >= 0), default=-1)
        if line_end < 0:
            return False
        data = rest[line_end:]
    return False


def _ls_ps(data: bytes) -> int:
    """The first U+2028 or U+2029 (a JavaScript line terminator) in UTF-8, or -1."""
    found = [i for i in (data.find("\u2028".encode()), data.find("\u2029".encode())) if i >= 0]
    return min(found, default=-1)


def _sniff_json(data: bytes) -> bool:
    """``{``, a string, ``:``: a JSON object, which is a syntax error as a script."""
    state = "start"
    for byte in data:
        c = chr(byte)
        if state not in ("string", "escape") and c in " \t\r\n":
            continue
        if state == "start":
            if c != "{":
                return False
            state = "brace"
        elif state == "brace":
            if c != '"':
                return False
            state = "string"
        elif state == "string":
            state = "closed" if c == '"' else "escape" if c == "\\" else "string"
        elif state == "escape":
            state = "string"
        else:
            return c == ":"
    return False
