"""The skill file: parse, normalise, validate, lint, expand placeholders.

Pure Python: imports no Django. SKILL-FORMAT.md (../shared) is the spec.

Public interface (models, views, commands and tests rely on these names):

    KINDS                               ("command", "skill", "agent", "output-style")
    MAX_FILE_BYTES                      1 MiB
    Problem(severity, code, message, line, column=None)   .as_dict()
    SkillFile                           the parse result, see below
    decode(data: bytes) -> tuple[str | None, list[Problem]]
    normalise(text: str) -> str         strip one BOM, CRLF/CR -> LF
    parse(data: str | bytes, kind="command", name=None, profile="claude-code") -> SkillFile
    is_valid_name(kind, name) -> bool
    slash_name(kind, name) -> str       "/frontend:component", "/deploy", "" for agents/styles
    bundle_path(kind, name) -> str      ".claude/commands/frontend/component.md" ...
    locate(path: str) -> tuple[kind, name | None] | None   kind and name from a file path
    expand(skill: SkillFile, arguments: str) -> str        the prompt Claude Code would send
"""
