"""Command line: ``python -m attribution_reporting validate --header source < header.json``.

Prints the validation result as JSON. Exit status: 0 valid, 1 invalid, 2 usage error.
Other subcommands live in their own modules (``interop``: ``attribution_reporting.interop``)
and are dispatched by name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .validate import HEADERS, SOURCE_TYPES, validate

USAGE = "usage: python -m attribution_reporting {validate,interop} ..."


def _validate_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m attribution_reporting validate",
        description="Validate one Attribution Reporting header read from standard input.",
    )
    parser.add_argument("--header", required=True, choices=HEADERS, help="which header the input is")
    parser.add_argument("--source-type", choices=SOURCE_TYPES, default=None, help="for --header source")
    parser.add_argument("--notes", action="store_true", help="add information-gain notes for sources")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    if args.source_type and args.header != "source":
        print("--source-type applies only to --header source", file=sys.stderr)
        return 2
    raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # A trailing newline from `echo` or a file is not part of the header value.
    value = text.rstrip("\r\n") if text is not None else raw
    result = validate(args.header, value, source_type=args.source_type, note_info_gain=args.notes)
    out = result.to_json()
    if not result.notes:
        del out["notes"]
    try:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    except UnicodeEncodeError:  # a terminal that cannot show it, or a lone surrogate
        print(json.dumps(out, indent=2))
    return 0 if result.valid else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    command, rest = argv[0], argv[1:]
    if command == "validate":
        return _validate_main(rest)
    if command == "interop":
        try:
            from .interop import main as interop_main
        except ImportError as e:
            print(f"the interop runner is not available ({e})", file=sys.stderr)
            return 2
        return interop_main(rest)
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2
