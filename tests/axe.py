"""axe-core, the accessibility checker, pinned, for the browser tests.

Installed once from npm into the test cache (SKILLHUB_TEST_CACHE, ~/.cache/skillhub-tests)
with the Node of the dev extras, as Claude Code is (tests/claude_code.py); a page is
checked by evaluating it in the page (DevTools' evaluation, which the strict CSP does
not govern) and running every rule axe has for WCAG 2.x A and AA.
"""

import os
from functools import cache

from tests.claude_code import CACHE
from tests.node import NodeUnavailable, install_cached

VERSION = "4.14.1"
NPM_TIMEOUT = 300
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class AxeUnavailable(Exception):
    """axe-core could not be installed here (no Node, or the registry said no)."""


@cache
def source() -> str:
    """axe.min.js of VERSION, installed into the cache if it is not there yet."""
    env = {**os.environ, "npm_config_cache": str(CACHE / "npm-cache")}
    try:
        script = install_cached(
            "axe-core", VERSION, CACHE / f"axe-core-{VERSION}",
            "node_modules/axe-core/axe.min.js", env, NPM_TIMEOUT,
        )  # fmt: skip
    except NodeUnavailable as error:
        raise AxeUnavailable(str(error)) from None
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
