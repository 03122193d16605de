"""The set of report IDs a shard has accepted, with memory bounded however large the batch.

Recent IDs live in a Python set. When it holds ``memory_limit`` of them they move, sorted
and in one statement, to a temporary SQLite file, and their bits go into a fixed-size Bloom
filter. A new ID is then looked up on disk only when the filter says it may be there: for
a batch of a million distinct reports that is under one lookup in a hundred, so the cost
per report stays near that of a set while memory stays flat (set, filter and SQLite's page
cache are all bounded).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

MEMORY_LIMIT = 1 << 16  # IDs held in memory before they move to disk (about 6 MB)
FILTER_BITS = 1 << 24  # Bloom filter over the IDs on disk: 2 MB; each ID sets three of its bits
_HASH_MASK = (1 << 64) - 1


class ReportIdSet:
    """Report IDs seen so far; ``add`` says whether an ID is new."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT, filter_bits: int = FILTER_BITS) -> None:
        if memory_limit < 1 or not 8 <= filter_bits <= 1 << 24 or filter_bits & (filter_bits - 1):
            raise ValueError("memory_limit must be positive and filter_bits a power of two in 8..2**24")
        self._recent: set[bytes] = set()
        self._limit = memory_limit
        self._bits = filter_bits
        self._filter: bytearray | None = None  # created at the first spill: small batches never need it
        self._dir: tempfile.TemporaryDirectory | None = None
        self._db: sqlite3.Connection | None = None
        self.on_disk = 0

    def add(self, report_id: bytes) -> bool:
        """True if ``report_id`` is new (and now remembered), False if it was seen before."""
        recent = self._recent
        if report_id in recent:
            return False
        if self._filter is not None and self._maybe_on_disk(report_id) and self._on_disk(report_id):
            return False
        recent.add(report_id)
        if len(recent) >= self._limit:
            self._spill()
        return True

    def __len__(self) -> int:
        return len(self._recent) + self.on_disk

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
        self._recent = set()
        self._filter = None

    def __enter__(self) -> ReportIdSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _positions(self, report_id: bytes) -> tuple[int, int, int]:
        # Three 24-bit slices of the (per-process keyed) hash the set has already computed.
        h = hash(report_id) & _HASH_MASK
        mask = self._bits - 1
        return h & mask, (h >> 20) & mask, (h >> 40) & mask

    def _maybe_on_disk(self, report_id: bytes) -> bool:
        bits = self._filter
        a, b, c = self._positions(report_id)
        return bool(
            bits[a >> 3] & (1 << (a & 7)) and bits[b >> 3] & (1 << (b & 7)) and bits[c >> 3] & (1 << (c & 7))
        )

    def _on_disk(self, report_id: bytes) -> bool:
        return self._db.execute("SELECT 1 FROM ids WHERE id = ?", (report_id,)).fetchone() is not None

    def _spill(self) -> None:
        if self._db is None:
            self._dir = tempfile.TemporaryDirectory(prefix="aggregation-ids-")
            self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite3", isolation_level=None)
            self._db.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
                "CREATE TABLE ids (id BLOB PRIMARY KEY) WITHOUT ROWID;"
            )
            self._filter = bytearray(self._bits // 8)
        ids = sorted(self._recent)  # in key order, the B-tree fills page by page
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO ids VALUES (?)", zip(ids))
        self._db.execute("COMMIT")
        bits = self._filter
        for report_id in ids:
            for position in self._positions(report_id):
                bits[position >> 3] |= 1 << (position & 7)
        self.on_disk += len(ids)
        self._recent = set()
