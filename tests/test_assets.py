"""The editor's vendored CodeMirror bundle is built from assets/, reproducibly (make assets)."""

import os
import subprocess
import sys

import pytest

from tests.claude_code import CACHE
from tests.factories import make_skill, make_user
from tests.node import NodeUnavailable, node_and_npm
from tests.shared import REPO

OFFLINE = ("ENOTFOUND", "ETIMEDOUT", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET")


def test_the_vendored_editor_bundle_is_what_make_assets_builds_from_the_lock_file():
    try:
        node_and_npm()
    except NodeUnavailable as error:
        pytest.skip(str(error))
    env = {**os.environ, "npm_config_cache": str(CACHE / "npm-cache")}
    checked = subprocess.run(
        [sys.executable, "scripts/build_assets.py", "--check"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if checked.returncode != 0 and any(code in checked.stderr for code in OFFLINE):
        pytest.skip(f"the npm registry is unreachable: {checked.stderr.strip()[-300:]}")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith("up to date")


@pytest.mark.django_db
def test_the_editor_page_loads_the_bundle_as_a_module_and_the_site_serves_it(client):
    user = make_user("carol")
    make_skill(name="review", author=user)
    client.force_login(user)
    page = client.get("/edit/commands/review/").content.decode()
    assert '<script type="module" src="/static/vendor/codemirror-editor.js"></script>' in page
    served = client.get("/static/vendor/codemirror-editor.js")
    assert served.status_code == 200
    assert served["Content-Type"].startswith("text/javascript")
    body = b"".join(served.streaming_content)
    assert body == (REPO / "static" / "vendor" / "codemirror-editor.js").read_bytes()
