"""A tiny foreign web server on a loopback port: an engineer's own page and ad-tech server.

It records every request it gets (method, path, headers, body), serves a page that loads the
shim from the simulated browser, the one-line service worker that imports the browser's, and
registration endpoints that answer as an ad tech would.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


class Foreign:
    def __init__(self, page: str = "", browser_origin: str = "", destination: str = "") -> None:
        self.page, self.browser_origin, self.destination = page, browser_origin, destination
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.origin = f"http://localhost:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def seen(self, path: str = "/reg") -> list[dict]:
        with self.lock:
            return [r for r in self.log if r["path"] == path]

    def clear(self) -> None:
        with self.lock:
            self.log.clear()

    def _handler(self):
        foreign = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with foreign.lock:
                    foreign.log.append(
                        {
                            "method": self.command,
                            "path": parts.path,
                            "query": query,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body.decode("utf-8", "replace"),
                        }
                    )
                extra: dict[str, str] = {}
                status, content, ctype = 200, b"", "text/plain"
                if parts.path == "/page.html":
                    content, ctype = foreign.page.encode(), "text/html; charset=utf-8"
                elif parts.path == "/attributionlab-sw.js":
                    content = f'importScripts("{foreign.browser_origin}/sw.js");\n'.encode()
                    ctype = "text/javascript"
                elif parts.path == "/redirect":
                    status, extra["Location"] = 302, query["to"]
                elif parts.path in ("/reg", "/trig"):
                    eligible = self.headers.get("Attribution-Reporting-Eligible")
                    keys = {k.strip().split("=")[0] for k in (eligible or "").split(",") if k.strip()}
                    if parts.path == "/reg" and keys & {"event-source", "navigation-source"}:
                        extra["Attribution-Reporting-Register-Source"] = json.dumps(
                            {"destination": foreign.destination, "source_event_id": query.get("id", "1")}
                        )
                    if parts.path == "/trig" and (eligible is None or "trigger" in keys):
                        extra["Attribution-Reporting-Register-Trigger"] = json.dumps(
                            {"event_trigger_data": [{"trigger_data": "2"}]}
                        )
                    if query.get("to"):
                        status, extra["Location"] = 302, query["to"]
                    kind = query.get("as")
                    if kind == "img":
                        content, ctype = GIF, "image/gif"
                    elif kind == "script":
                        content, ctype = b"window.scriptRan = (window.scriptRan || 0) + 1;", "text/javascript"
                    elif self.headers.get("Sec-Fetch-Mode") == "no-cors":
                        # A background attributionsrc request: JSON would be dropped by Chrome's
                        # opaque-response blocking, registration headers and all.
                        status, content, ctype = (status if status == 302 else 204), b"", ""
                    else:
                        content, ctype = (
                            json.dumps({"ok": True, "method": self.command}).encode(),
                            "application/json",
                        )
                        extra["Access-Control-Allow-Origin"] = "*"
                        extra["X-Answer"] = "from-the-ad-tech"
                else:
                    status = 404
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Cache-Control", "no-store")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = do_PUT = _answer

            def do_OPTIONS(self) -> None:
                parts = urlsplit(self.path)
                with foreign.lock:
                    foreign.log.append(
                        {
                            "method": "OPTIONS",
                            "path": parts.path,
                            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": "",
                        }
                    )
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT")
                self.send_header("Access-Control-Allow-Headers", "*")
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
