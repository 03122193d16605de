"""Status vocabularies that carry their category, so every page classifies a status the same way.

Each party's statuses are an enum of :class:`Status`: the value is the string stored and sent
(``ReportStatus.PENDING == "pending"``), and each member knows whether it is good news, something
to look at, or a failure. JSON output carries the category next to the status
(:func:`Status.as_json`), and the front end colours a badge by that category alone
(``static/common/lab.js``), never by matching the status text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Category(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"

    @property
    def badge_class(self) -> str:
        """The badge's CSS class (lab.css), as static/common/lab.js picks it."""
        return {"ok": "ok", "warning": "warn", "error": "err"}[self.value]


class Status(StrEnum):
    """A status value and its category: ``PENDING = "pending", Category.WARNING``."""

    category: Category

    def __new__(cls, value: str, category: Category) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.category = Category(category)
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """Django field choices, each value its own label."""
        return [(m.value, m.value) for m in cls]

    @classmethod
    def category_of(cls, value: str, default: Category = Category.WARNING) -> Category:
        """The category of a stored value; ``default`` for a value the vocabulary does not know."""
        try:
            return cls(value).category
        except ValueError:
            return default
