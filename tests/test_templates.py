"""Template source stays readable: no line over 120 characters."""

from pathlib import Path

import pytest

LIMIT = 120
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def template_paths() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_are_found():
    assert len(template_paths()) > 20


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_line_is_over_120_characters(path):
    long = [
        f"{path.relative_to(TEMPLATES)}:{number}: {len(line)} characters"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > LIMIT
    ]
    assert long == []
