"""Runs every benchmark in this folder: ``python -m benchmarks`` (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    for name in names:
        print(f"== benchmarks.{name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        entry = getattr(module, "main", None)
        if entry is None:
            print("   (no main())")
            continue
        entry([]) if entry.__code__.co_argcount else entry()
    return 0


if __name__ == "__main__":
    sys.exit(main())
