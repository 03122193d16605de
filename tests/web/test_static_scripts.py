"""Every front-end script is a static file that parses: ``node --check`` over static/**/*.js.

The scripts carry no template syntax: what differs per page (the simulated browser's origin, the
trusted origins) is in the page's script tag or, for the service worker, in its URL.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))


def test_the_scripts_are_found():
    names = {p.relative_to(STATIC).as_posix() for p in SCRIPTS}
    assert {"browser/shim.js", "browser/sw.js", "common/lab.js"} <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_script_parses(path: Path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the scripts' syntax is not checked")
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_script_has_no_template_syntax(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "{{" not in text and "{%" not in text
