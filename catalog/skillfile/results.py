"""What a check gives back: a Problem, the SkillFile, and the bounded list of a file's
problems that every check appends to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.skillfile.limits import MESSAGE_MAX, PROBLEMS_PER_CODE


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning" | "info"
    code: str  # stable kebab-case identifier
    message: str
    line: int  # 1-based, in the original file
    column: int | None = None  # 1-based

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


@dataclass
class SkillFile:
    kind: str
    name: str | None
    profile: str
    text: str
    has_frontmatter: bool = False
    frontmatter: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def result(self) -> str:
        severities = {problem.severity for problem in self.problems}
        if "error" in severities:
            return "error"
        if "warning" in severities:
            return "warning"
        return "ok"

    @property
    def description(self) -> str:
        value = self.metadata.get("description")
        return value if isinstance(value, str) else ""

    @property
    def argument_names(self) -> list[str]:
        return _argument_names(self.metadata.get("arguments"))


class _Problems(list[Problem]):
    """The problems of one file, collected in any order and sorted at the end.

    What one file can produce is bounded, whatever its size: a message quotes at most
    MESSAGE_MAX characters of the file, and each code is listed PROBLEMS_PER_CODE times
    at most, then summed up in one more problem ("and 4,812 more like this").
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}  # problems added per code, kept or not

    def add(
        self, severity: str, code: str, message: str, line: int, column: int | None = None
    ) -> None:
        # Past one more than the listed number (the first left out marks where the
        # summary goes), a problem is only counted: 6,000 unknown fields make 51 objects.
        count = self.counts[code] = self.counts.get(code, 0) + 1
        if count > PROBLEMS_PER_CODE + 1:
            return
        if len(message) > MESSAGE_MAX:  # a quoted rule or command can be a whole line
            message = f"{message[: MESSAGE_MAX - 120]} … {message[-100:]}"
        self.append(Problem(severity, code, message, max(1, line), column))

    def error(self, code: str, message: str, line: int, column: int | None = None) -> None:
        self.add("error", code, message, line, column)

    def warning(self, code: str, message: str, line: int, column: int | None = None) -> None:
        self.add("warning", code, message, line, column)

    def info(self, code: str, message: str, line: int, column: int | None = None) -> None:
        self.add("info", code, message, line, column)

    def in_order(self) -> list[Problem]:
        ordered = sorted(self, key=lambda problem: (problem.line, problem.column or 0))
        listed: dict[str, int] = {}
        kept: list[Problem] = []
        for problem in ordered:
            count = listed[problem.code] = listed.get(problem.code, 0) + 1
            if count <= PROBLEMS_PER_CODE:
                kept.append(problem)
            elif count == PROBLEMS_PER_CODE + 1:  # the first left out: the summary's place
                appended = sum(other.code == problem.code for other in self)
                total = max(self.counts.get(problem.code, 0), appended)
                kept.append(_more_like_this(problem, total - PROBLEMS_PER_CODE))
        return sorted(kept, key=lambda problem: (problem.line, problem.column or 0))


def _more_like_this(first: Problem, more: int) -> Problem:
    message = (
        f"…and {more:,} more `{first.code}` problems from this line on; only the first "
        f"{PROBLEMS_PER_CODE} of each kind are listed."
    )
    return Problem(first.severity, first.code, message, first.line, first.column)


def _argument_names(value: Any) -> list[str]:
    """The `arguments` field's names as written: one string of words, or a list."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
