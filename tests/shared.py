"""Where the project's shared test inputs live (../shared beside the clone)."""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLHUB_SHARED", REPO.parent / "shared"))
ADVERSARIAL = SHARED / "adversarial"
CORPUS = SHARED / "corpus" / "files"

# The environment of a fresh Python on the production settings (skillhub.settings): what
# a deployment must give them, a key, and nothing of the suite's.
PRODUCTION_ENV = {"SECRET_KEY": "suite-only-" + "not-a-secret-" * 4, "PATH": "/usr/bin:/bin"}
# The environment of a fresh Python on the suite's settings (tests/settings.py), for a
# `manage.py` the suite runs as a real process.
SUITE_ENV = {"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"}

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared test inputs not found at {SHARED}"
)


def jsonl(name: str) -> list[dict]:
    path = ADVERSARIAL / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# The archives of make_archives.py that are no attack on an importer, only a matter of
# policy: an import keeps their markdown entries and skips (or refuses) the rest.
ARCHIVES_ACCEPTED_BY_POLICY = {"zip-non-md-files", "zip-nested-zip", "zip-polyglot-html-prefix"}


def make_hostile_archives(folder: Path) -> list[dict]:
    """Build every archive of make_archives.py into `folder`, at scale 0.05: the cases of
    its manifest, each with its `id` and its `file` (a name inside `folder`)."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(ADVERSARIAL / "make_archives.py"), str(folder), "--scale", "0.05"],
        check=True,
        capture_output=True,
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    return manifest if isinstance(manifest, list) else manifest.get("cases", manifest)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*") if p.suffix == ".md") if CORPUS.is_dir() else []


def settings_printed(expression: str, env: dict) -> str:
    """What `expression` (over `s`, the settings module) prints in a fresh Python whose
    environment is only `env`: settings are read once, at import, from the environment."""
    import subprocess
    import sys

    code = f"from skillhub import settings as s; print({expression})"
    env = {**PRODUCTION_ENV, **env}
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    return process.stdout.strip()


def suite_settings_started(env: dict, code: str = "import tests.settings"):
    """Run `code` (by default, an import of the suite's settings) in a fresh Python whose
    environment is this one's with `env` on top: how a start with those variables ends,
    a subprocess.CompletedProcess with its text output, not checked."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
