"""``python manage.py fidelity``: the fidelity table against Chrome 149.

It runs the differential suite (``tests/native/test_fidelity.py``: a live server of its own, Chrome
149 and Debian's Chromium with the simulated browser), prints each scenario as ``same`` or
``differs`` and what differs, and writes ``docs/fidelity.json`` and ``docs/fidelity.md``.
``--update-known`` also rewrites the known-differences file the tests read, after the simulated
browser changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fidelity import report

TEST_MODULE = "tests/native/test_fidelity.py"
# The last run's results, so that edited reasons can be rendered again without a run (--results).
LAST_RESULTS = Path(settings.VAR_DIR) / "fidelity-results.json"


class Command(BaseCommand):
    help = (
        "Run every fidelity scenario in Chrome 149 and in the simulated browser; print and write the table."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--update-known",
            action="store_true",
            help="rewrite tests/native/fidelity_known_differences.json from this run",
        )
        parser.add_argument(
            "--results",
            metavar="FILE",
            help="render a results file written earlier (ARA_FIDELITY_OUT) instead of running the suite",
        )
        parser.add_argument(
            "-k", dest="keyword", help="run only the scenarios matching this pytest -k expression"
        )

    def handle(
        self, *args, update_known: bool = False, results: str | None = None, keyword: str | None = None, **kw
    ):
        if results:
            data = json.loads(Path(results).read_text())
            passed = None
        else:
            data, passed = self._run(keyword)
        known = report.load_known()
        table = report.rows(data["results"], known)
        self.stdout.write(report.text_table(table))
        same = sum(1 for r in table if r["status"] == "same")
        self.stdout.write(
            f"\n{same} of {len(table)} scenarios the same; the run took {data['seconds']:.0f} s."
        )
        if keyword:
            self.stdout.write("Only some scenarios ran (-k): docs/ and the known differences are left alone.")
            return
        report.write(table, seconds=data["seconds"])
        self.stdout.write(
            f"Wrote {report.DOCS_JSON.relative_to(report.ROOT)} and {report.DOCS_MD.relative_to(report.ROOT)}."
        )
        if update_known:
            new = report.updated_known(table, known)
            report.write_known(new)
            added, dropped = sorted(set(new) - set(known)), sorted(set(known) - set(new))
            self.stdout.write(
                f"Updated {report.KNOWN_DIFFERENCES.relative_to(report.ROOT)}: "
                f"{len(new)} known differences (new: {', '.join(added) or 'none'}; "
                f"now the same: {', '.join(dropped) or 'none'})."
            )
            if added:
                self.stdout.write("Replace the placeholder reasons of the new ones with why they differ.")
        elif passed is False:
            raise CommandError(
                "the differential tests fail: a scenario drifted from the known differences "
                "(see above; `--update-known` records this run as the new expectation)"
            )

    def _run(self, keyword: str | None) -> tuple[dict, bool]:
        from native import chrome

        reason = chrome.missing_reason()
        if reason:
            raise CommandError(reason)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "results.json"
            env = {**os.environ, "ARA_FIDELITY_OUT": str(out), "ARA_REQUIRE_CHROME149": "1"}
            cmd = [sys.executable, "-m", "pytest", TEST_MODULE, "-q", "-p", "no:cacheprovider"]
            if keyword:
                cmd += ["-k", keyword]
            self.stdout.write("Running every scenario in Chrome 149 and in the simulated browser ...")
            done = subprocess.run(cmd, cwd=report.ROOT, env=env, capture_output=True, text=True, check=False)
            lines = done.stdout.strip().splitlines()
            if not out.exists():
                raise CommandError(
                    "the differential suite did not run:\n" + "\n".join(lines[-30:]) + done.stderr[-2000:]
                )
            self.stdout.write(f"pytest: {lines[-1] if lines else '(no output)'}\n")
            data = json.loads(out.read_text())
        LAST_RESULTS.parent.mkdir(parents=True, exist_ok=True)
        LAST_RESULTS.write_text(json.dumps(data, indent=2))
        return data, done.returncode == 0
