"""The skill file: parse, normalise, validate, lint, expand placeholders.

Pure Python: imports no Django. docs/skill-format.md is the spec; its §7 lists the limits.

Public interface (models, views, commands and tests rely on these names):

    KINDS                               ("command", "skill", "agent", "output-style")
    MAX_FILE_BYTES                      1 MiB
    Problem(severity, code, message, line, column=None)   .as_dict()
    SkillFile                           the parse result, see below
    decode(data: bytes) -> tuple[str | None, list[Problem]]
    normalise(text: str) -> str         strip one BOM, CRLF/CR -> LF
    unstorable_reason(text) -> str | None    why a text cannot be stored at all (NUL, a lone
                                        surrogate, over MAX_FILE_BYTES); UNSTORABLE_CHARACTER
    parse(data: str | bytes, kind="command", name=None, profile="claude-code") -> SkillFile
    stored(text, kind, name, metadata) -> SkillFile      a stored file's body, without parsing
    is_valid_name(kind, name) -> bool
    COMMAND_NAME_PATTERN, SKILL_NAME_PATTERN   §1's name rules as regexes (no lengths)
    slash_name(kind, name) -> str       "/frontend:component", "/deploy", "" for agents/styles
    bundle_path(kind, name) -> str      ".claude/commands/frontend/component.md" ...
    locate(path: str) -> tuple[kind, name | None] | None   kind and name from a file path
    find_collisions(items) -> list[tuple[command name, skill name]]
    split_tool_rules(text) -> (rules, balanced)   an allowed-tools value cut into its rules
    claude_builtins() -> dict           catalog/claude_builtins.json: what Claude Code brings
    builtin_name(kind, name) -> str | None   "skill"/"command" if /name is one of Claude Code's
    expand(skill: SkillFile, arguments: str) -> str        the prompt Claude Code would send
    expand_bounded(skill, arguments, limit) -> (str, bool) the same, cut at `limit`, and if it was

Lines and columns in problems are 1-based and count lines of the normalised text,
which has the same lines as the original (CRLF and lone CR each end one line).

The modules, each with one reason to change (a name with a leading underscore is private
to the package; its modules share it):

    limits        the limits of §7
    results       Problem, SkillFile, a file's bounded list of problems
    names         §1: names, paths, Claude Code's built-in names
    text          §3 "File": bytes to normalised text
    strict_yaml   §3 "YAML": the strict loader and its errors as problems
    fences        §2, §3 "Fences": frontmatter and body
    frontmatter   §2: the block read as YAML, with each field's line
    fields        §2: the field table and the checks of each field's value
    tools         §4: allowed-tools rules, and the shell commands they allow
    lint          §3 "Lint": what the body hides from a reviewer
    parsing       parse() and stored(), which run the others in order
    arguments     §5: the argument line cut into $0, $1... as Claude Code cuts it
    placeholders  §5: the prompt Claude Code sends
"""

import yaml

from catalog.skillfile.arguments import split_arguments
from catalog.skillfile.fields import PORTABLE_FIELDS, FieldHelp, fields_of, vocabulary
from catalog.skillfile.fixes import Fix, applied, bash_rule, fix_for, fixes_for
from catalog.skillfile.limits import (
    COMMAND_MAX_SEGMENTS,
    COMMAND_NAME_MAX,
    COMPATIBILITY_MAX,
    DESCRIPTION_MAX,
    FRONTMATTER_MAX_BYTES,
    LISTING_MAX,
    MAX_FILE_BYTES,
    MESSAGE_MAX,
    NUMBER_MAX_CHARS,
    PROBLEMS_PER_CODE,
    PROMPT_MAX_CHARS,
    SKILL_NAME_MAX,
)
from catalog.skillfile.names import (
    BUILTINS_FILE,
    COMMAND_NAME_PATTERN,
    KINDS,
    SKILL_NAME_PATTERN,
    builtin_name,
    bundle_path,
    claude_builtins,
    find_collisions,
    is_valid_name,
    locate,
    name_rule,
    slash_name,
)
from catalog.skillfile.parsing import PROFILES, parse, stored
from catalog.skillfile.placeholders import expand, expand_bounded
from catalog.skillfile.results import Problem, SkillFile
from catalog.skillfile.strict_yaml import StrictLoader
from catalog.skillfile.strict_yaml import _load_yaml as _load_yaml  # for the tests
from catalog.skillfile.templates import TEMPLATE_DESCRIPTION, new_item_template, where_it_goes
from catalog.skillfile.text import UNSTORABLE_CHARACTER, decode, normalise, unstorable_reason
from catalog.skillfile.tools import split_tool_rules

if yaml.__with_libyaml__:  # the tests hold the two loaders to each other
    from catalog.skillfile.strict_yaml import _FastStrictLoader as _FastStrictLoader

__all__ = [
    "BUILTINS_FILE",
    "COMMAND_MAX_SEGMENTS",
    "COMMAND_NAME_MAX",
    "COMMAND_NAME_PATTERN",
    "COMPATIBILITY_MAX",
    "DESCRIPTION_MAX",
    "FRONTMATTER_MAX_BYTES",
    "KINDS",
    "LISTING_MAX",
    "MAX_FILE_BYTES",
    "MESSAGE_MAX",
    "NUMBER_MAX_CHARS",
    "PORTABLE_FIELDS",
    "PROBLEMS_PER_CODE",
    "PROFILES",
    "PROMPT_MAX_CHARS",
    "SKILL_NAME_MAX",
    "SKILL_NAME_PATTERN",
    "TEMPLATE_DESCRIPTION",
    "UNSTORABLE_CHARACTER",
    "FieldHelp",
    "Fix",
    "Problem",
    "SkillFile",
    "StrictLoader",
    "applied",
    "bash_rule",
    "builtin_name",
    "bundle_path",
    "claude_builtins",
    "decode",
    "expand",
    "expand_bounded",
    "fields_of",
    "find_collisions",
    "fix_for",
    "fixes_for",
    "is_valid_name",
    "locate",
    "name_rule",
    "new_item_template",
    "normalise",
    "parse",
    "slash_name",
    "split_arguments",
    "split_tool_rules",
    "stored",
    "unstorable_reason",
    "vocabulary",
    "where_it_goes",
]
