"""What an input costs is bounded by design: every pathological generator of
tests/pathological.py through every door that parses or renders, answered without a
5xx and with a response whose size is bounded by the input's.

Timings are not asserted here (they belong in `make bench`, scenario "cost"). What is
asserted is what the pipeline produces: doubling an input never more than doubles the
problems, the HTML or the JSON it gives.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog import rendering, skillfile
from catalog.models import Skill
from catalog.previews import PROMPT_HTML_MAX, build_preview
from tests.browser import Browser
from tests.factories import make_user
from tests.pathological import BY_NAME, GENERATORS, Generator

KIB = 1024
DOOR_SIZE = 32 * KIB
# A page is framing plus what the input makes. The framing is a few KiB; what the input
# makes is at most a fixed multiple of it: an `@a.` becomes a marked span of 55 bytes.
PAGE_FRAME = 64 * KIB
PER_INPUT_BYTE = 40

generators = pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.name)


def bounded(response, text: str) -> None:
    assert response.status_code < 500, response.content[:500]
    assert len(response.content) <= PAGE_FRAME + PER_INPUT_BYTE * len(text.encode())


def item_name(generator: Generator) -> str:
    return "cost-" + str(GENERATORS.index(generator))


# -- the pure pipeline: what doubling the input does to the output ---------------------


def produced(generator: Generator, size: int) -> dict[str, int]:
    text = generator.make(size)
    preview = build_preview(text, generator.kind, "cost", generator.arguments)
    validate = [problem.as_dict() for problem in preview.problems]
    return {
        "problems": len(preview.problems),
        "html": len(preview.html),
        "prompt": len(preview.prompt_html),
        "validate json": len(
            json.dumps({"problems": validate, "metadata": preview.parsed.metadata})
        ),
    }


def is_cut(generator: Generator, size: int) -> bool:
    return rendering.render_cost(generator.make(size)) > rendering.RENDER_BUDGET


def same_regime(generator: Generator) -> int:
    """The smallest of 16, 32, 64 KiB that is rendered the same way as twice its size
    (whole or cut): past the render budget, the rest of a body is plain text, which can
    be longer than its rendered HTML would have been, so a doubling across the budget
    is not a like-for-like comparison."""
    for size in (16 * KIB, 32 * KIB, 64 * KIB):
        if is_cut(generator, size) == is_cut(generator, 2 * size):
            return size
    return 128 * KIB


@generators
def test_doubling_an_input_at_most_doubles_what_the_pipeline_produces(generator):
    size = same_regime(generator)
    small, large = produced(generator, size), produced(generator, 2 * size)
    # Past the budget, the HTML is the rendered part (the same at both sizes) plus the
    # rest as text: affine in the input, so doubling adds at most the rendered source.
    rendered_source = skillfile.parse(generator.make(2 * size)).body
    slack = {"html": rendering.render_cut(rendered_source) or 0}
    for what, count in large.items():
        limit = 2 * small[what] + 2 * KIB + slack.get(what, 0)
        assert count <= limit, (what, size, small[what], count)


@generators
def test_what_one_text_produces_is_bounded(generator):
    text = generator.make(DOOR_SIZE)
    preview = build_preview(text, generator.kind, "cost", generator.arguments)
    codes = {problem.code for problem in preview.problems}
    assert len(preview.problems) <= len(codes) * (skillfile.PROBLEMS_PER_CODE + 1)
    assert all(len(p.message) <= skillfile.MESSAGE_MAX + 3 for p in preview.problems)
    assert len(preview.prompt_html) <= PROMPT_HTML_MAX + 200


# -- every door ----------------------------------------------------------------------


@pytest.fixture
def publisher_browser(db):
    return Browser(make_user("cost-publisher", publisher=True))


@generators
@pytest.mark.django_db
def test_every_door_answers_a_pathological_text_soundly(generator, publisher_browser):
    text, browser, name = generator.make(DOOR_SIZE), publisher_browser, item_name(generator)
    kind = generator.kind
    anonymous = Client(enforce_csrf_checks=True)

    response = anonymous.post(
        "/api/validate", json.dumps({"text": text, "kind": kind}), content_type="application/json"
    )
    bounded(response, text)
    assert response["Content-Type"] == "application/json"

    fields = {"text": text, "kind": kind, "name": name, "arguments": generator.arguments}
    bounded(browser.post("/edit/preview", fields, htmx=True), text)

    response = browser.post("/edit/new", {"kind": kind, "name": name, "text": text})
    bounded(response, text)
    assert response.status_code == 302, "a pathological text is stored as a draft"
    skill = Skill.objects.get(kind=kind, name=name)

    edit_url = skill.get_edit_url()
    bounded(browser.get(edit_url), text)
    response = browser.post(edit_url, {"text": text + "\nOne more line.\n", "base_version": 1})
    bounded(response, text)
    bounded(browser.get(f"{edit_url}diff?from=1&to=2"), text)
    bounded(browser.post(f"{edit_url}diff", {"text": "Something else.\n"}), text)

    upload = SimpleUploadedFile(f"{name}-imported.md", text.encode())
    bounded(browser.post("/edit/import", {"file": upload}), text)

    if skill.latest.result != "error":
        skill.refresh_from_db()
        skill.publish(skill.latest, None)
        page = skill.get_absolute_url()
        bounded(anonymous.get(page, {"arguments": generator.arguments or "x" * 2000}), text)
        bounded(anonymous.get(page, {"from": 1, "to": 2}), text)
        bounded(anonymous.get(f"{page}raw"), text)


# -- the hard bound at the file size limit --------------------------------------------

WORST = [
    "ampersands",
    "list items",
    "file references",
    "image openers",
    "task list items",
    "positional placeholders",
    "sudo flags after a pipe",
    "inline shell commands",
    "fenced code",
]


@pytest.mark.parametrize("name", WORST)
@pytest.mark.django_db
def test_a_pathological_file_at_the_size_limit_is_answered_within_its_bounds(name, browser):
    generator = BY_NAME[name]
    text = generator.make(skillfile.MAX_FILE_BYTES - 64)
    assert len(text.encode()) <= skillfile.MAX_FILE_BYTES
    response = Client().post(
        "/api/validate",
        json.dumps({"text": text, "kind": generator.kind}),
        content_type="application/json",
    )
    bounded(response, text)
    assert len(response.content) <= 256 * KIB
    fields = {"text": text, "kind": generator.kind, "name": "big", "arguments": generator.arguments}
    response = browser.post("/edit/preview", fields, htmx=True)
    bounded(response, text)
    assert (
        rendering.render_cost(text) <= rendering.RENDER_BUDGET
        or b"render-limit" in response.content
    )
