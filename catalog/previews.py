"""What an author sees beside the editor, and a reader on an item page."""

from dataclasses import dataclass

from catalog import rendering, skillfile


@dataclass
class Preview:
    parsed: skillfile.SkillFile
    html: str
    prompt_html: str
    arguments: str

    @property
    def problems(self):
        return self.parsed.problems

    @property
    def result(self) -> str:
        return self.parsed.result

    @property
    def fields(self) -> list[tuple[str, str]]:
        return frontmatter_rows(self.parsed.metadata)


def build_preview(text: str, kind: str, name: str | None = None, arguments: str = "") -> Preview:
    parsed = skillfile.parse(text, kind=kind, name=name or None)
    return Preview(
        parsed=parsed,
        html=rendering.render_markdown(parsed.body),
        prompt_html=prompt_html(parsed, arguments),
        arguments=arguments,
    )


def prompt_html(parsed: skillfile.SkillFile, arguments: str) -> str:
    """The prompt Claude Code would send for `arguments`, with inert marks (try it)."""
    return rendering.render_prompt(skillfile.expand(parsed, arguments))


def frontmatter_rows(metadata: dict) -> list[tuple[str, str]]:
    """Frontmatter as (field, shown value) rows; lists joined, maps as key: value."""
    rows = []
    for key, value in metadata.items():
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = "" if value is None else str(value)
        rows.append((str(key), shown))
    return rows


def argument_hint(metadata: dict) -> str:
    hint = metadata.get("argument-hint")
    if isinstance(hint, list):  # an unquoted [hint] in YAML; show what the author meant
        return " ".join(f"[{part}]" for part in hint)
    return hint if isinstance(hint, str) else ""


@dataclass(frozen=True)
class StoredPreview:
    """A saved version's preview from what was derived once, when it was written: the
    same attributes as Preview's that the editor shows, without parsing or rendering."""

    html: str
    problems: list[dict]  # Problem.as_dict() each, as stored
    result: str
    metadata: dict
    prompt_html: str = ""  # expanding needs a parse: shown once arguments are typed
    arguments: str = ""

    @property
    def fields(self) -> list[tuple[str, str]]:
        return frontmatter_rows(self.metadata)


def stored_preview(version) -> StoredPreview:
    """The preview of a saved `catalog.models.Version`, from its stored fields."""
    return StoredPreview(
        html=version.html,
        problems=version.problems,
        result=version.result,
        metadata=version.metadata,
    )
