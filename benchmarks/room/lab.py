"""Where the room is, and what a run counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
KINDS = ("page", "registration", "action")


@dataclass
class Lab:
    """The address to connect to and the host names of the parties."""

    connect: str  # scheme://address:port the client connects to
    scheme: str
    domain: str
    port: int

    def host(self, sub: str) -> str:
        name = f"{sub}.{self.domain}" if sub else self.domain
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"

    def origin(self, sub: str) -> str:
        return f"{self.scheme}://{self.host(sub)}"

    @classmethod
    def from_url(cls, url: str) -> Lab:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = "127.0.0.1" if parts.hostname in ("localhost", "127.0.0.1") else parts.hostname
        domain = "localhost" if parts.hostname == "127.0.0.1" else parts.hostname
        return cls(f"{parts.scheme}://{address}:{port}", parts.scheme, domain, port)


@dataclass
class Tally:
    """Every request's latency, by kind (page, registration, action) and by request name.

    Polls are page requests; their names start with ``poll`` so they can be told apart.
    """

    latencies: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    by_request: dict[str, list[float]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # request names, in the order their answers came
    server_errors: int = 0
    unexpected: list[str] = field(default_factory=list)

    def add(self, kind: str, name: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)
        self.by_request.setdefault(name, []).append(seconds)
        self.log.append(name)

    def polls(self) -> dict[str, list[float]]:
        return {name: v for name, v in self.by_request.items() if name.startswith("poll ")}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {"n": len(ordered), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99)}
