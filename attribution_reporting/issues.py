"""Issues found while validating a header, and the context that collects them.

An issue carries a JSON path (keys and list indexes) so a person can find the offending
value; ``path=None`` marks a failure to parse the header at all, which is different from
``path=[]`` (a problem with the value as a whole).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    path: list[str | int] | None
    msg: str
    # Set on the source limits Chromium checks when storing a parsed source rather than while
    # parsing it; the code is the verbose debug report type the browser sends for it.
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "msg": self.msg}
        if self.code is not None:
            out["code"] = self.code
        return out


@dataclass
class ValidationResult:
    """Errors, warnings and notes of one header, plus its normalized value (or None)."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)
    value: Any = None

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [i.to_json() for i in self.errors],
            "warnings": [i.to_json() for i in self.warnings],
            "notes": [i.to_json() for i in self.notes],
            "value": self.value,
        }


class _Scope:
    __slots__ = ("_ctx", "_component")

    def __init__(self, ctx: Context, component: str | int) -> None:
        self._ctx = ctx
        self._component = component

    def __enter__(self) -> Context:
        self._ctx.path.append(self._component)
        return self._ctx

    def __exit__(self, *exc: object) -> None:
        self._ctx.path.pop()


class Context:
    """Collects issues at the current path while a parser walks a value."""

    __slots__ = ("path", "errors", "warnings", "notes", "error_as_warning")

    def __init__(self) -> None:
        self.path: list[str | int] = []
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.notes: list[Issue] = []
        # Optional parts of a header (aggregatable debug reporting) only warn: the browser
        # drops them and keeps the rest of the registration.
        self.error_as_warning = False

    def at(self, component: str | int) -> _Scope:
        return _Scope(self, component)

    def error(self, msg: str, code: str | None = None) -> None:
        if self.error_as_warning:
            self.warning(msg)
        else:
            self.errors.append(Issue(list(self.path), msg, code))

    def warning(self, msg: str) -> None:
        self.warnings.append(Issue(list(self.path), msg))

    def note(self, msg: str) -> None:
        self.notes.append(Issue(list(self.path), msg))

    def finish(self, value: Any = None, top_level_error: str | None = None) -> ValidationResult:
        errors = list(self.errors)
        if top_level_error is not None:
            errors.append(Issue(None, top_level_error))
        return ValidationResult(errors, list(self.warnings), list(self.notes), value)
