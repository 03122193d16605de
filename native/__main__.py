"""``python -m native install`` fetches Chrome 149; ``python -m native path`` prints where it is."""

from __future__ import annotations

import sys

from native import chrome


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "install"
    if command == "install":
        try:
            chrome.install()
        except chrome.ChromeUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    if command == "path":
        path = chrome.executable()
        if path is None:
            print(chrome.missing_reason(), file=sys.stderr)
            return 1
        print(path)
        return 0
    print("usage: python -m native [install|path]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
