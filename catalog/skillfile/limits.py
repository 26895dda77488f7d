"""The limits of docs/skill-format.md §7: how much of a file Skillhub reads, and how much
it says about it, in one place as the spec lists them."""

MAX_FILE_BYTES = 1024 * 1024

DESCRIPTION_MAX = 1024
FRONTMATTER_MAX_BYTES = 64 * 1024  # Claude Code's own fields fit in a few hundred bytes
NUMBER_MAX_CHARS = 32  # a YAML number longer than this is an error, never a huge int
PROBLEMS_PER_CODE = 50
MESSAGE_MAX = 400
PROMPT_MAX_CHARS = 256 * 1024  # what try-it shows of an expanded prompt
LISTING_MAX = 1536  # Claude Code cuts description + when_to_use here in its skill listing
COMPATIBILITY_MAX = 500
SKILL_NAME_MAX = 64
COMMAND_MAX_SEGMENTS = 6
COMMAND_NAME_MAX = 200
