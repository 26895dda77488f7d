"""Every hostile input in ../shared/adversarial through every door that takes text or files.

Doors: creating and saving in the editor, the import page (a .md file and a zip), the
`import_skills` command, POST /api/validate, and the public pages once an item is
published. The preview endpoint's hostile cases live in tests/editor/test_views.py and
the item page and catalog list for XSS in tests/catalog/test_views.py; the cases here
add the other doors and the other public pages. Rules that hold at every door: never a
5xx, no traceback text, a refusal says why, and an import is all or nothing.
"""

import json
from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog.models import Event, Skill, Version, unstorable_reason
from tests.browser import Browser, one, select
from tests.factories import GOOD_COMMAND, make_plugin, make_skill, make_user, run_command
from tests.shared import (
    ARCHIVES_ACCEPTED_BY_POLICY,
    jsonl,
    make_hostile_archives,
    needs_shared,
)
from tests.trees import zip_of

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    name: str
    text: str
    expect_error: bool | None  # None: the case is about markup, not the publish gate
    needles: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        if self.kind == "skill":
            return f".claude/skills/{self.name}/SKILL.md"
        return f".claude/commands/{self.name}.md"

    @property
    def url(self) -> str:
        return f"/{self.kind}s/{self.name}/"

    @property
    def edit_url(self) -> str:
        return f"/edit/{self.kind}s/{self.name}/"

    @property
    def base_text(self) -> str:
        """A harmless first version of the same item, to save the hostile text over."""
        if self.kind == "skill":
            return f"---\nname: {self.name}\ndescription: Harmless\n---\nBase.\n"
        return GOOD_COMMAND


def _frontmatter_cases() -> list[Case]:
    return [
        Case(c["id"], "command", "hostile", c["text"], c["expect"] == "error")
        for c in jsonl("frontmatter.jsonl")
    ]


def _xss_cases() -> list[Case]:
    """Each payload as the body of a skill, so that it reaches the discovery index too."""
    return [
        Case(
            "xss-" + c["id"],
            "skill",
            "hostile",
            f"---\nname: hostile\ndescription: Harmless\n---\n{c['markdown']}\n",
            None,
            tuple(needle.lower() for needle in c["must_not_contain"]),
        )
        for c in jsonl("xss.jsonl")
    ]


CASES = _frontmatter_cases() + _xss_cases()


def cases(test):
    """Run `test` once for every hostile text, or skip it without the shared folder."""
    return needs_shared(pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])(test))


# -- what every answer must be ---------------------------------------------------------


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def assert_sound(response) -> str:
    """No server error and no internals in the body; gives the body."""
    body = body_of(response)
    assert response.status_code < 500, body[:500]
    for internal in ("Traceback (most recent call last)", 'File "/', "django.core.exceptions"):
        assert internal not in body
    return body


def counts() -> tuple[int, int, int]:
    return Skill.objects.count(), Version.objects.count(), Event.objects.count()


def alerts(html: str) -> list[str]:
    return [found.text for found in select(html, role="alert") if found.text]


def live_areas(html: str) -> str:
    """The rendered markdown on a page, lowercased: where a payload must arrive as text."""
    return " ".join(found.html for found in select(html, data_skill_body=True)).lower()


def assert_no_needles(case: Case, html: str) -> None:
    rendered = live_areas(html)
    assert [needle for needle in case.needles if needle in rendered] == []


# -- the editor: new and save ------------------------------------------------------------


@cases
def test_creating_an_item_from_a_hostile_text_saves_it_or_says_why_not(browser, case):
    data = {"kind": case.kind, "name": case.name, "text": case.text, "message": "m"}
    response = browser.post("/edit/new", data)
    html = assert_sound(response)
    if response.status_code == 302:
        version = Skill.objects.get().latest
        assert counts() == (1, 1, 0)
        if case.expect_error is not None:
            assert (version.result == "error") == case.expect_error
        assert_no_needles(case, assert_sound(browser.get(response.url)))
    else:
        assert response.status_code == 400
        assert alerts(html), "a refusal must say what was wrong"
        assert counts() == (0, 0, 0)
        assert unstorable_reason(case.text) is not None


@cases
def test_saving_a_hostile_text_over_an_item_saves_a_version_or_says_why_not(browser, case):
    make_skill(case.kind, case.name, case.base_text)
    before = counts()
    data = {"text": case.text, "message": "m", "base_version": "1"}
    response = browser.post(case.edit_url, data)
    html = assert_sound(response)
    if response.status_code == 302:
        assert counts() == (1, 2, 0)
        assert_no_needles(case, assert_sound(browser.get(response.url)))
    else:
        assert response.status_code == 400
        assert alerts(html)
        assert counts() == before


# -- importing: the page, as a .md and as a zip, and the command ---------------------------


GOOD_PATH = ".claude/commands/good.md"


def import_page(browser, filename: str, data: bytes):
    """Upload, then confirm if the dry run allows it; gives (upload response, confirmed?)."""
    response = browser.post("/edit/import", {"file": SimpleUploadedFile(filename, data)})
    html = assert_sound(response)
    assert counts() == (0, 0, 0), "a dry run writes nothing"
    if response.status_code == 400:
        refused = [found.text for found in select(html, "tr", class_="outcome-refused")]
        assert alerts(html) or refused, "a refusal must say what was wrong"
        return response, False
    assert response.status_code == 200
    token = one(html, "button", name="confirm").attrs["value"]
    confirmed = browser.post("/edit/import", {"confirm": token})
    assert_sound(confirmed)
    assert confirmed.status_code == 302
    return response, True


@cases
def test_uploading_a_hostile_markdown_file_imports_it_whole_or_nothing(browser, case):
    _, imported = import_page(browser, f"{case.name}.md", case.text.encode())
    if imported:
        assert counts() == (1, 1, 1)
        assert Skill.objects.get().kind == "command"  # a lone .md upload is a command
    else:
        assert counts() == (0, 0, 0)


@cases
def test_a_zip_of_a_hostile_file_beside_a_good_one_imports_both_or_neither(browser, case):
    data = zip_of({GOOD_PATH: GOOD_COMMAND.encode(), case.path: case.text.encode()})
    _, imported = import_page(browser, "bundle.zip", data)
    if imported:
        assert counts() == (2, 2, 2)
        assert_no_needles(case, assert_sound(browser.get(case.edit_url)))
    else:
        assert counts() == (0, 0, 0)


@cases
def test_import_skills_takes_a_hostile_file_beside_a_good_one_whole_or_not_at_all(tmp_path, case):
    for path, text in ((GOOD_PATH, GOOD_COMMAND), (case.path, case.text)):
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())
    code, out, err = run_command("import_skills", str(tmp_path))
    assert "Traceback" not in out + err
    if code == 0:
        assert counts()[:2] == (2, 2)
    else:
        assert code == 1
        assert "refused" in err
        assert counts() == (0, 0, 0)


# -- the validation API ------------------------------------------------------------------


@cases
def test_validate_judges_every_hostile_text_in_the_documented_shape(client, case):
    payload = {"text": case.text, "kind": case.kind, "name": case.name}
    response = client.post("/api/validate", payload, content_type="application/json")
    assert_sound(response)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"result", "problems", "metadata"}
    assert data["result"] in {"ok", "warning", "error"}
    for problem in data["problems"]:
        assert set(problem) == {"severity", "code", "message", "line", "column"}
        assert problem["message"]
    if case.expect_error is not None:
        assert (data["result"] == "error") == case.expect_error


# -- the public site after publishing -----------------------------------------------------


PUBLIC_PAGES = ["/", "/feed.xml", "/.well-known/agent-skills/index.json", "/api/skills"]
# A plugin released with the item: its pages, archive and marketplace file.
PLUGIN_PAGES = [
    "/plugins/",
    "/plugins/hostile-kit/",
    "/plugins/hostile-kit/1.0.0/",
    "/plugins/hostile-kit/1.0.0.zip",
    "/.claude-plugin/marketplace.json",
]


def item_urls(case: Case) -> list[str]:
    return [case.url, case.url + "raw", f"/api/skills/{case.kind}/{case.name}"]


@cases
def test_a_published_hostile_item_is_served_soundly_on_every_public_page(client, case):
    if unstorable_reason(case.text):
        pytest.skip("Skillhub refuses to store this text at all")
    publisher = make_user("publisher", publisher=True)
    skill = make_skill(case.kind, case.name, case.text)
    if skill.latest.result == "error":
        with pytest.raises(ValidationError):
            skill.publish(skill.latest, publisher)
        for url in item_urls(case):
            assert client.get(url).status_code == 404
        return
    skill.publish(skill.latest, publisher)
    make_plugin("hostile-kit", [skill], publisher, release=True)
    pages = {url: client.get(url) for url in [*item_urls(case), *PUBLIC_PAGES, *PLUGIN_PAGES]}
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert_sound(response)

    raw = pages[case.url + "raw"]
    assert raw.content == case.text.encode() or raw.content == skill.latest.text.encode()
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert pages[f"/api/skills/{case.kind}/{case.name}"].json()["text"] == skill.latest.text
    assert json.loads(pages["/.well-known/agent-skills/index.json"].content)
    ElementTree.fromstring(pages["/feed.xml"].content)  # well-formed, whatever the text held
    assert_no_needles(case, body_of(pages[case.url]))
    for url in ("/plugins/hostile-kit/", "/plugins/hostile-kit/1.0.0/"):
        assert "<script" not in body_of(pages[url]).lower().replace("<script src=", ""), url
    catalog = body_of(pages["/"]).lower()
    descriptions = [part.split("</p>")[0] for part in catalog.split('class="description">')[1:]]
    assert [n for n in case.needles if any(n in d for d in descriptions)] == []


# -- hostile archives on the import page ---------------------------------------------------


@pytest.fixture(scope="module")
def hostile_archives(tmp_path_factory) -> list[tuple[str, bytes, str]]:
    """(case id, bytes, file name) of every archive make_archives.py builds."""
    out = tmp_path_factory.mktemp("archives")
    cases = make_hostile_archives(out)
    return [(case["id"], (out / case["file"]).read_bytes(), case["file"]) for case in cases]


@needs_shared
def test_every_hostile_archive_posted_by_a_member_is_refused_and_writes_nothing(
    browser, hostile_archives, scaled_limits
):
    assert len(hostile_archives) > 30
    for case_id, data, filename in hostile_archives:
        response = browser.post("/edit/import", {"file": SimpleUploadedFile(filename, data)})
        html = assert_sound(response)
        assert counts() == (0, 0, 0), case_id
        if case_id in ARCHIVES_ACCEPTED_BY_POLICY:
            # A dry-run report of the markdown entries; whatever else is listed as skipped.
            assert response.status_code == 200, case_id
            assert select(html, "tr", class_="outcome-created"), case_id
            continue
        assert 400 <= response.status_code < 500, case_id
        assert alerts(html) or select(html, "tr", class_="outcome-refused"), case_id


@needs_shared
def test_a_policy_archive_confirmed_imports_only_its_markdown(
    browser, hostile_archives, scaled_limits
):
    [data] = [data for case_id, data, _ in hostile_archives if case_id == "zip-non-md-files"]
    dry_run = browser.post("/edit/import", {"file": SimpleUploadedFile("x.zip", data)})
    token = one(dry_run.content.decode(), "button", name="confirm").attrs["value"]
    assert browser.post("/edit/import", {"confirm": token}).status_code == 302
    assert list(Skill.objects.values_list("name", flat=True)) == ["ok"]


@needs_shared
def test_every_hostile_archive_posted_anonymously_is_sent_to_sign_in(
    hostile_archives, scaled_limits
):
    anonymous = Browser()
    for case_id, data, filename in hostile_archives:
        response = anonymous.post("/edit/import", {"file": SimpleUploadedFile(filename, data)})
        assert response.status_code == 302, case_id
        assert response.url.startswith("/accounts/login/"), case_id
        assert counts() == (0, 0, 0), case_id


# -- fuzzing the validation API and the preview ----------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
validate_objects = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text() | json_values,
        "kind": st.sampled_from(["command", "skill", "agent", "output-style"]) | json_values,
        "profile": st.sampled_from(["claude-code", "portable"]) | json_values,
        "name": st.text(max_size=80) | json_values,
    },
)
bodies = (
    validate_objects.map(lambda value: json.dumps(value).encode())
    | json_values.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=300)
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "",
    ]
) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
FUZZ = hypothesis_settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_api_answer(response) -> None:
    assert response.status_code in (200, 400, 413), response.content[:300]
    assert response["Content-Type"] == "application/json"
    data = response.json()
    if response.status_code == 200:
        assert set(data) == {"result", "problems", "metadata"}
        assert data["result"] in {"ok", "warning", "error"}
        for problem in data["problems"]:
            assert set(problem) == {"severity", "code", "message", "line", "column"}
    else:
        assert set(data) == {"error"}
        assert set(data["error"]) == {"code", "message"}
        assert data["error"]["message"]


@FUZZ
@given(body=bodies, content_type=content_types)
def test_validate_answers_any_body_of_any_type_with_json_of_a_stable_shape(body, content_type):
    response = Client().generic("POST", "/api/validate", body, content_type=content_type)
    assert_api_answer(response)


@FUZZ
@given(payload=validate_objects)
def test_validate_answers_any_object_with_a_verdict_or_a_field_error(payload):
    response = Client().post("/api/validate", payload, content_type="application/json")
    assert_api_answer(response)
    text_ok = isinstance(payload.get("text"), str)
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "bad-field"
    elif response.status_code == 200:
        assert text_ok


printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))


@FUZZ
@given(
    text=printable,
    kind=st.sampled_from(["command", "skill", "agent", "output-style"]) | printable,
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    arguments=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2100),
)
def test_the_preview_answers_any_text_kind_name_and_arguments_with_a_fragment(
    member, text, kind, name, arguments
):
    browser = Browser(member)
    data = {"text": text, "kind": kind, "name": name, "arguments": arguments}
    response = browser.post("/edit/preview", data, htmx=True)
    html = assert_sound(response)
    assert response.status_code == 200
    assert len(select(html, data_skill_body=True)) == 1
