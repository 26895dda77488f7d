"""axe-core, the accessibility checker, pinned, for the browser tests.

Installed once from npm into the test cache (SKILLHUB_TEST_CACHE, ~/.cache/skillhub-tests)
with the Node of the dev extras, as Claude Code is (tests/claude_code.py); a page is
checked by evaluating it in the page (DevTools' evaluation, which the strict CSP does
not govern) and running every rule axe has for WCAG 2.x A and AA.
"""

import fcntl
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from tests.claude_code import CACHE
from tests.node import node_and_npm

VERSION = "4.14.1"
NPM_TIMEOUT = 300
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class AxeUnavailable(Exception):
    """axe-core could not be installed here (no Node, or the registry said no)."""


@cache
def source() -> str:
    """axe.min.js of VERSION, installed into the cache if it is not there yet."""
    prefix = CACHE / f"axe-core-{VERSION}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        _install(prefix, script)
    return script.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe's violations on the page as it is now: id, impact and where, for a message."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source())
    return page.evaluate(
        """tags => axe.run(document, { runOnly: { type: "tag", values: tags } }).then(
            result => result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                where: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            })))""",
        TAGS,
    )


def _install(prefix: Path, script: Path) -> None:
    node, npm = node_and_npm()
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".axe-core.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs at once install once
        if script.exists():
            return
        staging = Path(tempfile.mkdtemp(prefix=f"axe-core-{VERSION}-", dir=CACHE))
        try:
            installed = subprocess.run(
                [str(node), str(npm), "install", "--prefix", str(staging), f"axe-core@{VERSION}",
                 "--no-audit", "--no-fund", "--loglevel=error"],
                env={**os.environ, "PATH": f"{node.parent}:/usr/bin:/bin",
                     "npm_config_cache": str(CACHE / "npm-cache")},
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=NPM_TIMEOUT, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            shutil.rmtree(staging, ignore_errors=True)
            raise AxeUnavailable(f"npm install axe-core took over {NPM_TIMEOUT}s") from None
        if installed.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise AxeUnavailable(f"npm install axe-core: {installed.stderr[-500:]}")
        staging.rename(prefix)
