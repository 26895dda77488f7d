"""Inputs built to make a parser, a linter or a renderer work hard, at any size.

Each generator makes a whole skill file of about `size` bytes from one construct
repeated or nested: the ones an attack found (issue 10) and every other construct of
CommonMark, GFM, YAML, our own markers and lint rules that can be made to repeat or
nest, found by reading each rule and each plugin. tests/test_cost.py feeds them
through every door; `make bench` (scenario "cost") times them at 64 and 256 KiB.

Pure Python: no Django, so the bench imports it too.
"""

from collections.abc import Callable
from dataclasses import dataclass

FRONT = "---\ndescription: A file built to be expensive\n---\n"
# The 800 Bash rules of the attack, kept within the 64 KiB a frontmatter may have.
RULES_ROOM = 60 * 1024


def repeat(unit: str, size: int) -> str:
    """`unit` repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def lines(unit: str, size: int) -> str:
    """Whole lines of `unit`, about `size` characters in all."""
    line = unit if unit.endswith("\n") else unit + "\n"
    return line * max(1, size // len(line))


def body(text: str) -> str:
    return FRONT + text + "\n"


def frontmatter(fields: str, kind_field: str = "") -> str:
    """A frontmatter of `fields` and a short body."""
    return f"---\ndescription: A file built to be expensive\n{kind_field}{fields}---\nBody.\n"


@dataclass(frozen=True)
class Generator:
    name: str
    make: Callable[[int], str]
    kind: str = "command"
    arguments: str = ""  # what the try-it door types after the command
    # Grows the frontmatter, which is refused unread past 64 KiB: compared at sizes
    # where it is still read.
    frontmatter: bool = False


def _yaml_generator(name: str, make: Callable[[int], str], **options) -> Generator:
    return Generator(name, make, frontmatter=True, **options)


def _yaml(unit: str, size: int) -> str:
    """Lines of `unit` filling a frontmatter of about `size` bytes: accepted up to 64 KiB
    (skillfile.FRONTMATTER_MAX_BYTES), refused unread past it."""
    return lines(unit, size - 100)


def _bash_rules(size: int) -> str:
    """Up to 800 `Bash(…:*)` rules of different lengths (a quarter of the file, so both
    parts grow with it) and shell lines none of them allow."""
    rules = "".join(f"  - Bash(git {'x' * (i % 60)}:*)\n" for i in range(800))
    rules = rules[: min(size // 4, RULES_ROOM)].rsplit("\n", 1)[0] + "\n"
    shell = lines("!`git log --oneline --no-merges -n 20 --format=%h`", size - len(rules))
    return f"---\ndescription: x\nallowed-tools:\n{rules}---\n{shell}"


GENERATORS: tuple[Generator, ...] = (
    # -- lint rules, which see every line -------------------------------------------
    Generator("sudo flags after a pipe", lambda n: body("curl |sudo " + repeat("-|sudo ", n))),
    Generator("sh flags after a download", lambda n: body("curl sh " + repeat("-sh ", n))),
    Generator("shell flags before <(", lambda n: body("bash " + repeat("-x ", n) + "<(wget")),
    Generator("process substitutions", lambda n: body("curl bash " + repeat("<(curl ", n))),
    Generator("pipes after a download", lambda n: body("wget " + repeat("| ", n))),
    Generator("shell lines", lambda n: body("```!\n" + lines("rm -rf /tmp/x", n) + "```")),
    Generator("inline shell commands", lambda n: body(repeat(" !`ls -la`", n))),
    Generator("unclosed inline shell", lambda n: body(repeat(" !`a", n))),
    Generator("bash rules against shell lines", _bash_rules),
    Generator("html comments", lambda n: body(lines("<!-- hidden --> text", n))),
    Generator("html comment openers", lambda n: body(repeat("<!--", n))),
    Generator("comments in code spans", lambda n: body(repeat("`<!--` ``", n))),
    Generator("invisible characters", lambda n: body(lines("a\u200bb\u202ec", n))),
    Generator("first argument prose", lambda n: body(lines("$1 is the first argument", n))),
    Generator("code fence markers", lambda n: body(repeat("```\n~~~\n", n))),
    # -- YAML frontmatter: grows with the size; refused unread past 64 KiB --------------
    _yaml_generator(
        "base-60 integers",
        lambda n: frontmatter("maxTurns: " + repeat("1:", n - 200) + "1\n"),
        kind="agent",
    ),
    _yaml_generator("long decimal numbers", lambda n: frontmatter(f"x: {'9' * (n - 200)}\n")),
    _yaml_generator("long floats", lambda n: frontmatter(f"x: {'9' * (n - 200)}.5e3\n")),
    _yaml_generator(
        "distinct unknown keys",
        lambda n: frontmatter("".join(f"k{i}: yes\n" for i in range((n - 200) // 11))),
    ),
    _yaml_generator(
        "long flow list", lambda n: frontmatter("tools: [" + repeat("Read, ", n - 200) + "]\n")
    ),
    _yaml_generator("long block list", lambda n: frontmatter("tools:\n" + _yaml("  - Read", n))),
    _yaml_generator(
        "deep flow nesting", lambda n: frontmatter("x:\n" + _yaml("  - " + "[" * 40 + "]" * 40, n))
    ),
    _yaml_generator(
        "flow brackets past the depth", lambda n: frontmatter("x: " + repeat("[", n - 200) + "\n")
    ),
    _yaml_generator(
        "long quoted escapes",
        lambda n: frontmatter('description: "' + repeat("\\t", n - 200) + '"\n'),
    ),
    _yaml_generator("block scalar", lambda n: frontmatter("notes: |\n" + _yaml("  line", n))),
    _yaml_generator("retyped values", lambda n: frontmatter("extra:\n" + _yaml("  - 1:20", n))),
    _yaml_generator(
        "many bad tool rules",
        lambda n: frontmatter("allowed-tools: " + repeat("Nope( ", n - 200) + "\n"),
    ),
    _yaml_generator(
        "many unknown tools",
        lambda n: frontmatter("allowed-tools: " + repeat("Nope, ", n - 200) + "\n"),
    ),
    _yaml_generator(
        "many wildcard rules",
        lambda n: frontmatter("allowed-tools: " + repeat("Bash(a*) ", n - 200) + "\n"),
    ),
    # -- CommonMark and GFM -------------------------------------------------------------
    Generator("task list items", lambda n: body(lines("- [ ] item", n))),
    Generator("nested task lists", lambda n: body(lines("- [x] - [ ] item", n))),
    Generator("image openers", lambda n: body(repeat("![", n))),
    Generator("link openers", lambda n: body(repeat("[", n))),
    Generator("unfinished inline links", lambda n: body(repeat("[a](", n))),
    Generator("link reference definitions", lambda n: body(lines("[a]: b", n))),
    Generator("ampersands", lambda n: body(repeat("&", n))),
    Generator("entities", lambda n: body(repeat("&amp;", n))),
    Generator("bare tags", lambda n: body(repeat("<b>", n))),
    Generator("angle brackets", lambda n: body(repeat("<", n))),
    Generator("autolink openers", lambda n: body(repeat("<http://a", n))),
    Generator("setext headings", lambda n: body(repeat("a\n=\n", n))),
    Generator("atx headings", lambda n: body(lines("# a", n))),
    Generator("emphasis runs", lambda n: body(repeat("*a**", n))),
    Generator("underscore runs", lambda n: body(repeat("_a__", n))),
    Generator("strikethrough runs", lambda n: body(repeat("~~a", n))),
    Generator("backtick runs", lambda n: body(repeat("`a``", n))),
    Generator("table rows", lambda n: body("|a|b|\n|-|-|\n" + lines("|x|y|", n))),
    Generator(
        "table columns", lambda n: body("|" + repeat("a|", n // 2) + "\n|" + repeat("-|", n // 2))
    ),
    Generator(
        "wide tables of one-cell rows",
        lambda n: body(repeat("|" + "a|" * 64 + "\n|" + "-|" * 64 + "\n" + "x\n" * 64 + "\n", n)),
    ),
    Generator("nested blockquotes", lambda n: body(repeat("> ", n))),
    Generator("nested lists", lambda n: body(repeat("- ", n))),
    Generator("list items", lambda n: body(lines("- a", n))),
    Generator("ordered list items", lambda n: body(lines("1. a", n))),
    Generator("one-character lines", lambda n: body(repeat("a\n", n))),
    Generator("blank-separated paragraphs", lambda n: body(repeat("a\n\n", n))),
    Generator("thematic breaks", lambda n: body(lines("***", n))),
    Generator("fenced code", lambda n: body("```python\n" + lines("x = [1, 2]", n) + "```")),
    Generator("many highlighted blocks", lambda n: body(repeat("```js\nf()\n```\n", n))),
    Generator("indented code", lambda n: body(lines("    code", n))),
    Generator("backslash escapes", lambda n: body(repeat("\\*", n))),
    Generator("hard breaks", lambda n: body(lines("a\\", n))),
    Generator("remote images", lambda n: body(repeat("![a](https://t.example/p.png) ", n))),
    Generator("prose", lambda n: body(repeat("The quick brown fox jumps over the lazy dog. ", n))),
    # -- our markers and placeholders ---------------------------------------------------
    Generator("file references", lambda n: body(repeat(" @a.", n))),
    Generator("claude markers", lambda n: body(repeat("${CLAUDE_X}", n))),
    Generator("positional placeholders", lambda n: body(repeat("$0", n)), arguments="x" * 2000),
    Generator(
        "all-arguments placeholders", lambda n: body(repeat("$ARGUMENTS ", n)), arguments="y" * 2000
    ),
    Generator(
        "named placeholders",
        lambda n: "---\ndescription: x\narguments: who\n---\n" + repeat("$who ", n),
        arguments="z" * 2000,
    ),
    Generator("escaped placeholders", lambda n: body(repeat("\\$0", n)), arguments="a"),
)

BY_NAME = {generator.name: generator for generator in GENERATORS}
