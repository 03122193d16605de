"""Chromium 149, the last kind of Chrome that ships the Attribution Reporting API, for native mode.

Chromium removed ARA in version 152. The npm package ``@sparticuz/chromium@149.0.0`` carries a
headless Chromium 149.0.7827.0 (``bin/chromium.br``, a brotli-compressed executable) that runs on
Debian 12 as it is. ``install()`` fetches that package with the npm client (``npm pack``, from the
registry npm is configured with; nothing else is downloaded), unpacks the executable into a cache,
decompresses it with Node's own brotli (npm implies Node) and checks that it says 149. It is a
no-op when the executable is already there.

No Django here: ``python -m native install`` works before the project is set up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from config.parties import Site

PACKAGE = "@sparticuz/chromium@149.0.0"
VERSION = "149.0.7827.0"
MAJOR = 149

# Flags every launch here needs: no sandbox as root, and no background traffic to Google's
# hosts (the machine's network is closed; Chrome would retry them all the time).
BASE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Decompresses stdin to stdout with Node's built-in brotli (no extra package needed).
_NODE_UNBROTLI = (
    "const z=require('zlib');process.stdin.pipe(z.createBrotliDecompress()).pipe(process.stdout);"
)


class ChromeUnavailable(RuntimeError):
    """Chrome 149 is not installed and cannot be installed here; the message says what to do."""


def cache_dir(env: dict | None = None) -> Path:
    """Where the executable lives: ``$ARA_CHROME149_DIR``, else the user's cache folder."""
    env = os.environ if env is None else env
    explicit = env.get("ARA_CHROME149_DIR")
    if explicit:
        return Path(explicit)
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "attribution-lab" / f"chromium-{VERSION}"


def executable(env: dict | None = None) -> Path | None:
    """The Chrome 149 executable if installed (``$ARA_CHROME149`` wins), else None."""
    env = os.environ if env is None else env
    explicit = env.get("ARA_CHROME149")
    if explicit:
        path = Path(explicit)
        return path if path.is_file() and os.access(path, os.X_OK) else None
    path = cache_dir(env) / "chromium"
    return path if path.is_file() and os.access(path, os.X_OK) else None


def version_of(path: Path) -> str:
    """What the executable says it is, e.g. ``Chromium 149.0.7827.0``."""
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return (out.stdout or out.stderr).strip()


def missing_reason(env: dict | None = None) -> str | None:
    """None when Chrome 149 is installed; otherwise one sentence on how to get it."""
    if executable(env):
        return None
    env = os.environ if env is None else env
    if env.get("ARA_CHROME149"):
        return f"ARA_CHROME149={env['ARA_CHROME149']} is not an executable file"
    return f"Chrome {MAJOR} (with the Attribution Reporting API) is not installed: run `make real-chrome`"


def install(env: dict | None = None, log=print) -> Path:
    """Fetches, unpacks, decompresses and checks Chrome 149; returns the executable's path."""
    env = dict(os.environ if env is None else env)
    found = executable(env)
    if found:
        log(f"Chrome {MAJOR} is already installed: {found} ({version_of(found)})")
        return found
    if env.get("ARA_CHROME149"):
        raise ChromeUnavailable(missing_reason(env))
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        raise ChromeUnavailable(
            "npm and node are needed to fetch Chrome 149 from the npm registry: "
            "install them (Debian: `apt-get install nodejs npm`) and run `make real-chrome` again"
        )
    target = cache_dir(env)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as work:
        log(f"Fetching {PACKAGE} with npm (about 70 MB) ...")
        packed = subprocess.run(
            [npm, "pack", PACKAGE, "--silent"], cwd=work, capture_output=True, text=True, check=False
        )
        if packed.returncode != 0:
            raise ChromeUnavailable(f"`npm pack {PACKAGE}` failed: {packed.stderr.strip()[-500:]}")
        tgz = Path(work) / packed.stdout.strip().splitlines()[-1]
        compressed = Path(work) / "chromium.br"
        with tarfile.open(tgz) as tar:
            member = tar.getmember("package/bin/chromium.br")
            with tar.extractfile(member) as src, compressed.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        log("Decompressing the executable (about 200 MB) ...")
        partial = Path(work) / "chromium"
        with compressed.open("rb") as src, partial.open("wb") as dst:
            done = subprocess.run([node, "-e", _NODE_UNBROTLI], stdin=src, stdout=dst, check=False)
        if done.returncode != 0:
            raise ChromeUnavailable("node could not decompress bin/chromium.br")
        partial.chmod(0o755)
        said = version_of(partial)
        if not said.split(" ")[-1].startswith(f"{MAJOR}."):
            raise ChromeUnavailable(f"the unpacked executable says {said!r}, not Chromium {MAJOR}")
        final = target / "chromium"
        partial.replace(final)
    log(f"Chrome {MAJOR} installed: {final} ({version_of(final)})")
    return final


@dataclass(frozen=True)
class NativeOrigins:
    """The origins Chrome 149 must be told about to work against this demo."""

    reporting_origins: tuple[str, ...]  # enrolled: the ad tech and its measurement partner
    aggregation_origin: str  # the local aggregation coordinator, allowlisted

    @classmethod
    def of(cls, site: Site) -> NativeOrigins:
        """The demo's reporting origins and coordinator on ``site``, from the party table."""
        return cls(reporting_origins=site.reporting_origins(), aggregation_origin=site.coordinator_origin())


def ara_flags(origins: NativeOrigins, *, debug_mode: bool = True) -> list[str]:
    """The flags that make Chrome 149 register against the demo and send reports to it.

    ``--attribution-reporting-debug-mode`` removes noise and delays (reports within seconds);
    ``--privacy-sandbox-enrollment-overrides`` enrolls the local reporting origins;
    ``PrivacySandboxAdsAPIsOverride`` turns the APIs on without the settings UI; the coordinator
    allowlist lets aggregatable reports be encrypted to the local aggregation service's key.
    """
    allowlist = quote(origins.aggregation_origin, safe="")
    flags = [
        f"--privacy-sandbox-enrollment-overrides={','.join(origins.reporting_origins)}",
        "--enable-features=PrivacySandboxAdsAPIsOverride,"
        f"AggregationServiceMultipleCloudProviders:allowlist/{allowlist}",
    ]
    if debug_mode:
        flags.insert(0, "--attribution-reporting-debug-mode")
    return flags


def launch_args(origins: NativeOrigins, *, debug_mode: bool = True) -> list[str]:
    """Every argument to start Chrome 149 here (besides headless and the user-data folder)."""
    return [*BASE_FLAGS, *ara_flags(origins, debug_mode=debug_mode)]
