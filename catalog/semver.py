"""Semantic versions of plugin releases (https://semver.org), and the next one to propose.

Pure: no Django. A release's version is MAJOR.MINOR.PATCH with an optional
pre-release (`1.2.0-rc.1`); build metadata (`+…`) is refused, since semver ignores it
when ordering and two releases differing only by it could not be told apart.
"""

import re
from dataclasses import dataclass
from functools import total_ordering

_NUMBER = r"0|[1-9]\d*"
_IDENTIFIER = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_IDENTIFIER}(?:\.{_IDENTIFIER})*))?",
    re.ASCII,  # \d alone matches every script's digits, which int() reads as numbers
)
MAX_LENGTH = 64
BUMPS = ("major", "minor", "patch")


class InvalidVersion(ValueError):
    pass


@total_ordering
@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "SemVer":
        text = text.strip().removeprefix("v")
        match = _VERSION.fullmatch(text) if len(text) <= MAX_LENGTH else None
        if match is None:
            raise InvalidVersion(
                f"{text[:MAX_LENGTH]!r} is not a version: write MAJOR.MINOR.PATCH such as "
                "1.4.0, optionally with a pre-release such as 2.0.0-rc.1"
            )
        if text.lower().endswith(".lock"):
            # Its git tag, v<version>, would be a ref name git and dulwich refuse.
            raise InvalidVersion(
                f"{text!r} cannot be a release version: its git tag would end in .lock, "
                "which git refuses; choose another pre-release"
            )
        pre = tuple(match["pre"].split(".")) if match["pre"] else ()
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"]), pre)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.pre)}" if self.pre else core

    def __lt__(self, other: "SemVer") -> bool:
        return self._key() < other._key()

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A pre-release sorts before its release; numeric identifiers before others.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def bumped(self, part: str) -> "SemVer":
        """The next version after this one for a change of `part` (major, minor, patch).

        Before 1.0.0 nothing is stable, so a breaking change bumps the minor (0.3.1 →
        0.4.0) as Cargo and npm read caret ranges; a pre-release ends in its release
        (1.0.0-rc.2 → 1.0.0) unless the change is bigger than the release it leads to.
        """
        if part not in BUMPS:
            raise ValueError(part)
        if part == "major" and self.major == 0:
            part = "minor"  # before the pre-release check too: 0.2.0-rc.1 → 0.2.0
        if self.pre:
            release = SemVer(self.major, self.minor, self.patch)
            leads_to = "patch" if self.patch else "minor" if self.minor else "major"
            if BUMPS.index(part) >= BUMPS.index(leads_to):
                return release
            return release.bumped(part)
        if part == "major":
            return SemVer(self.major + 1, 0, 0)
        if part == "minor":
            return SemVer(self.major, self.minor + 1, 0)
        return SemVer(self.major, self.minor, self.patch + 1)


FIRST = SemVer(1, 0, 0)
