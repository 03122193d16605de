"""Native mode: a real Chrome 149 walks the workshop against the running demo.

``python manage.py real_chrome`` (``make native``) starts Chrome 149 (``make real-chrome`` installs it)
with the flags that enroll the demo's reporting origins and allow its aggregation coordinator, on the
port and domain from the settings, then sees the ads, clicks the tent ad, buys the tent and prints each
report Chrome sends the ad tech, ending with a summary report of Chrome's aggregatable reports.
"""

from __future__ import annotations

import os
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from native import chrome
from native.workshop import Lab, Walk, WalkFailed


def _demo_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Command(BaseCommand):
    help = "Start Chrome 149 (native ARA) against the running demo and walk the workshop flow."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--headful",
            action="store_true",
            help="show the browser window (needs a display; falls back to headless without one)",
        )
        parser.add_argument(
            "--keep-open", action="store_true", help="leave Chrome running after the walk until Ctrl-C"
        )
        parser.add_argument(
            "--no-summary", action="store_true", help="do not ask for a summary report at the end"
        )
        parser.add_argument(
            "--debug-run",
            action="store_true",
            help="make the summary a debug run (unnoised debug summary too, no privacy budget spent)",
        )
        parser.add_argument(
            "--no-debug-mode",
            action="store_true",
            help="start Chrome without --attribution-reporting-debug-mode: reports come at the end of their "
            "windows (days), so the walk does not wait for them",
        )
        parser.add_argument(
            "--pause", type=float, default=None, help="seconds between steps (default 2 headful, 0 headless)"
        )
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each thing")

    def handle(self, *args, **options) -> None:
        reason = chrome.missing_reason()
        if reason:
            raise CommandError(reason)
        port = settings.ARA_PORT
        lab = Lab.on(scheme=settings.ARA_SCHEME, domain=settings.ARA_DOMAIN, port=port)
        if settings.ARA_DOMAIN == "localhost" and not _demo_answers(port):
            raise CommandError(
                f"Nothing answers on port {port}: start the demo first (`make demo`, or ARA_PORT={port} make demo) "
                "and run this in another terminal with the same ARA_PORT."
            )
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise CommandError("Playwright is needed: pip install -r requirements-dev.txt") from exc

        debug_mode = not options["no_debug_mode"]
        args = chrome.launch_args(lab.native_origins(), debug_mode=debug_mode)
        headless = self._headless(options["headful"])
        pause = options["pause"] if options["pause"] is not None else (0.0 if headless else 2.0)
        say = self.stdout.write
        say(f"Chrome 149: {chrome.executable()}")
        say("Flags:\n  " + "\n  ".join(args))
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(
                    executable_path=str(chrome.executable()), headless=headless, args=args
                )
            except PlaywrightError as exc:
                if headless:
                    raise CommandError(f"Chrome 149 did not start: {str(exc).splitlines()[0]}") from exc
                say(self.style.WARNING(f"No window could be opened ({str(exc).splitlines()[0]}): headless."))
                headless = True
                browser = pw.chromium.launch(
                    executable_path=str(chrome.executable()), headless=True, args=args
                )
            say(f"Started Chrome {browser.version} ({'headless' if headless else 'with a window'}).")
            say(f"Watch the ad tech at {lab.adtech}/ and the guide at {lab.guide}/\n")
            try:
                walk = Walk(browser.new_context(), lab, log=say, timeout_s=options["timeout"], pause_s=pause)
                result = walk.run(
                    summary=not options["no_summary"],
                    debug_run=options["debug_run"],
                    wait_for_reports=debug_mode,
                )
            except WalkFailed as exc:
                browser.close()
                raise CommandError(str(exc)) from exc
            say(self.style.SUCCESS("\nDone."))
            say(
                f"  Chrome's registrations the ad tech answered: {dict(sorted(result.registrations.items())) or 'none'}"
            )
            say(f"  Chrome's reports at the ad tech: {dict(sorted(result.reports.items())) or 'none yet'}")
            say(f"  See them beside the simulated browser's: {lab.adtech}/ and {lab.guide}/")
            if not debug_mode:
                say(
                    "  Without debug mode Chrome sends its reports at the end of their windows: keep it open."
                )
            if options["keep_open"]:
                say("Chrome stays open (its reports keep arriving at the ad tech); Ctrl-C closes it.")
                try:
                    while browser.is_connected():
                        time.sleep(1)
                except KeyboardInterrupt:
                    pass
            browser.close()

    def _headless(self, headful: bool) -> bool:
        if not headful:
            return True
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            self.stdout.write(self.style.WARNING("No display (DISPLAY is not set): running headless."))
            return True
        return False
