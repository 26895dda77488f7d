"""Write catalog/claude_builtins.json: the slash commands, skills and agents Claude Code
brings by itself, as the pinned CLI reports them in an empty folder.

    .venv/bin/python scripts/claude_builtins.py           # rewrite the file
    .venv/bin/python scripts/claude_builtins.py --check   # exit 1 if it is out of date

The version is tests/claude_code.py's pin (CLAUDE_CODE_VERSION=… to try another). Run it
after moving the pin, and commit the file: catalog/skillfile/ warns (`builtin-name`) when a
command or skill takes one of these names, and tests/catalog/test_claude_builtins.py
fails while the file differs from what the pinned CLI says.

A script rather than a manage.py command: it runs the CLI through the test tooling
(installed with the dev extras, cached outside the repo), which the app must not import.
"""

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import claude_code as cli  # noqa: E402

OUTPUT = REPO / "catalog" / "claude_builtins.json"


def record(init: dict) -> dict:
    """The file's content from the init record of a run in an empty folder."""
    return {
        "claude_code_version": init["claude_code_version"],
        "slash_commands": sorted(init["slash_commands"]),
        "skills": sorted(init["skills"]),
        "agents": sorted(init["agents"]),
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    check = parser.parse_args().check
    try:
        claude = cli.ClaudeCode(cli.install())
    except cli.Unavailable as reason:
        print(f"Claude Code {cli.VERSION} is not available: {reason}", file=sys.stderr)
        return 2
    text = render(record(claude.builtins()))
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
    if check:
        if text != current:
            print(f"{OUTPUT.relative_to(REPO)} is out of date for {cli.VERSION}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO)} for Claude Code {cli.VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
