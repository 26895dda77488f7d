"""The code editor (CodeMirror, assets/src/editor.js) in a real browser: wrapping, problems
in place, highlighting per file, the strict CSP."""

import pytest
from playwright.sync_api import expect

from catalog.models import Skill
from tests.e2e.conftest import CodeEditor, sign_in
from tests.factories import make_skill, make_user, publish_pdf_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Line 3 is 160 characters long, far wider than the pane, and its YAML error (a second
# ": " in a plain value) is at its very end.
HINT = "argument-hint: " + "word " * 29
BROKEN = f"---\ndescription: Deploy a branch\n{HINT}a: b\n---\nDeploy $0.\n"
ERROR_COLUMN = len(HINT) + 2  # the ":" after the "a"
QUOTED = '---\ndescription: "Deploy: a branch"\n---\n(parens) [brackets] {braces} "quotes"\n'


def editing(new_page, text: str, name: str = "deploy"):
    user = make_user("carol")
    make_skill(name=name, text=text, author=user)
    page = new_page()
    sign_in(page, "carol", "pw-carol")
    page.goto(f"/edit/commands/{name}/")
    expect(page.locator(".cm-editor")).to_be_visible()
    return page


def scroller_widths(page) -> tuple[int, int]:
    return tuple(page.eval_on_selector(".cm-scroller", "el => [el.scrollWidth, el.clientWidth]"))


def test_a_long_line_wraps_inside_the_pane_and_a_problem_jumps_to_its_exact_column(new_page):
    page = editing(new_page, BROKEN)
    scroll_width, client_width = scroller_widths(page)
    assert scroll_width <= client_width  # nothing runs off to the right

    problem = page.locator('#preview-output [data-severity="error"]').first
    expect(problem).to_contain_text(f"Line 3:{ERROR_COLUMN}")
    problem.get_by_role("button", name="Line 3:").click()

    editor = CodeEditor(page)
    assert editor.cursor == (3, ERROR_COLUMN)
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    cursor = page.locator(".cm-cursor-primary").bounding_box()
    scroller = page.locator(".cm-scroller").bounding_box()
    assert scroller["x"] <= cursor["x"] <= scroller["x"] + scroller["width"]
    assert scroller["y"] <= cursor["y"] <= scroller["y"] + scroller["height"]
    assert page.csp_violations == []


def test_a_problem_shows_in_the_gutter_and_under_its_text_until_it_is_fixed(new_page):
    page = editing(new_page, BROKEN)
    marker = page.locator(".cm-gutter-lint .cm-lint-marker-error")
    expect(marker).to_have_count(1)
    underline = page.locator(".cm-lintRange-error")
    expect(underline).to_have_count(1)
    expect(underline).to_have_text(":")  # what the column points at: the second ": "

    value = HINT.removeprefix("argument-hint: ") + "a: b"
    CodeEditor(page).replace(value, f'"{value}"')
    expect(page.locator('#preview-output [data-severity="error"]')).to_have_count(0)
    expect(marker).to_have_count(0)
    expect(underline).to_have_count(0)


def test_line_wrapping_can_be_turned_off_and_stays_off_on_the_next_page(new_page):
    page = editing(new_page, BROKEN)
    toggle = page.get_by_label("Wrap lines")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    scroll_width, client_width = scroller_widths(page)
    assert scroll_width > client_width

    page.reload()
    expect(page.get_by_label("Wrap lines")).not_to_be_checked()
    scroll_width, client_width = scroller_widths(page)
    assert scroll_width > client_width


def test_frontmatter_markdown_and_scripts_are_highlighted_by_their_language(new_page):
    page = editing(new_page, BROKEN)
    expect(page.locator(".cm-line .tok-propertyName").first).to_have_text("description")

    publish_pdf_folder(None)
    page.goto("/edit/skills/pdf/?file=scripts/check_fields.py")
    expect(page.locator(".cm-editor")).to_be_visible()
    expect(page.locator(".cm-line .tok-keyword").first).to_be_visible()
    assert "import" in page.locator(".cm-line .tok-keyword").all_inner_texts()
    assert page.csp_violations == []


def test_saving_from_the_code_editor_stores_exactly_what_was_typed(new_page):
    page = editing(new_page, BROKEN)
    CodeEditor(page).fill(QUOTED)
    page.get_by_label("What changed and why").fill("Quote it")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved v2")
    assert Skill.objects.get(name="deploy").latest.text == QUOTED
    assert CodeEditor(page).text == Skill.objects.get(name="deploy").latest.text


def test_the_preview_says_it_is_checking_while_an_answer_is_on_its_way(new_page):
    page = editing(new_page, BROKEN)
    status = page.locator("#preview-status")
    expect(status).to_be_hidden()
    held = []
    page.route("**/edit/preview", lambda route: held.append(route))  # held until let go

    CodeEditor(page).replace("Deploy $0.", "Deploy $0 now.")
    expect(status).to_be_visible()
    expect(status).to_have_text("checking…")
    held[0].continue_()
    expect(status).to_be_hidden()
    expect(page.locator("[data-skill-body]")).to_contain_text("Deploy $0 now.")


def long_guide() -> str:
    """About 15 KB and 600 lines: 50 sections of a heading and five steps."""
    step = "Step {}.{}: do the thing carefully, then check what it did.\n\n"
    sections = (
        f"## Section {n}\n\n" + "".join(step.format(n, k) for k in range(5)) for n in range(50)
    )
    return "---\ndescription: A long guide\n---\n" + "".join(sections)


# The preview block that shows the editor's top visible line is inside the preview pane.
TOP_LINE_SHOWN = """() => {
  const view = document.querySelector("#id_text").codemirror;
  const line = view.state.doc.lineAt(view.lineBlockAtHeight(view.scrollDOM.scrollTop).from).number;
  const blocks = [...document.querySelectorAll("[data-skill-body] [data-source-line]")]
    .filter((el) => +el.dataset.sourceLine <= line);
  const block = blocks[blocks.length - 1], pane = document.querySelector(".preview-pane");
  if (!block || line < 400) return false;
  const box = block.getBoundingClientRect(), frame = pane.getBoundingClientRect();
  return box.bottom > frame.top && box.top < frame.bottom && pane.scrollTop > 0;
}"""


def test_the_preview_follows_the_editor_through_a_15_kb_file(new_page):
    text = long_guide()
    assert 14_000 < len(text.encode()) < 16_000 and text.count("\n") > 500
    page = editing(new_page, text)
    pane = page.locator(".preview-pane")
    expect(page.locator("[data-skill-body] [data-source-line]")).to_have_count(300)
    assert pane.evaluate("el => el.scrollTop") == 0

    # Scrolling the editor by the wheel scrolls the preview to the same place.
    box = page.locator(".cm-scroller").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 9_500)
    page.wait_for_function(TOP_LINE_SHOWN)

    # The cursor leads too: to the end, and back to the top.
    CodeEditor(page).focus()
    page.keyboard.press("ControlOrMeta+End")
    page.wait_for_function(
        "() => { const p = document.querySelector('.preview-pane');"
        " return p.scrollTop + p.clientHeight >= p.scrollHeight - 2; }"
    )
    expect(page.locator("[data-skill-body] h2").last).to_be_in_viewport()
    page.keyboard.press("ControlOrMeta+Home")
    page.wait_for_function("() => document.querySelector('.preview-pane').scrollTop === 0")
    assert page.csp_violations == []


STEPS = "---\ndescription: Deploy\n---\n1. Build it.\n\n2. Deploy to **$1**.\n\n3. Tell the team.\n"


def conflict_for_bob(new_page, bob_line: str):
    """Alice and Bob open v1; Alice saves v2 (step 2 changed, and step 3); Bob, still on
    v1, changes step 2 too and saves: the conflict page."""
    make_user("alice")
    make_user("bob")
    make_skill(name="deploy", text=STEPS)
    pages = {}
    for name in ("alice", "bob"):
        pages[name] = new_page()
        sign_in(pages[name], name, f"pw-{name}")
        pages[name].goto("/edit/commands/deploy/")
    alice, bob = pages["alice"], pages["bob"]
    CodeEditor(alice).fill(
        STEPS.replace("**$1**.", "**$1** (ask first).").replace("the team", "#deploys")
    )
    alice.get_by_label("What changed and why").fill("Ask first")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.locator(".messages")).to_contain_text("Saved v2")
    CodeEditor(bob).fill(STEPS.replace("**$1**.", bob_line).replace("Build it.", "Build it twice."))
    bob.get_by_label("What changed and why").fill("Office hours")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.locator(".conflict")).to_contain_text("overlaps v2 by alice")
    return bob


def test_a_conflict_is_resolved_by_clicks_keeping_both_edits(new_page):
    bob = conflict_for_bob(new_page, "**$1** after 10:00.")
    status = bob.locator("[data-merge-status]")
    expect(status).to_contain_text("1 overlapping change to resolve")
    resolve = bob.get_by_role("button", name="save on top of v2")
    expect(resolve).to_be_disabled()
    expect(bob.locator(".cm-deletedChunk")).to_contain_text("(ask first)")  # theirs, shown

    bob.get_by_role("button", name="Keep both").click()
    expect(status).to_contain_text("All resolved: save on top of v2.")
    expect(resolve).to_be_enabled()
    CodeEditor(bob).replace("3. Tell", "3. Then tell")  # an edit of his own, after
    expect(resolve).to_be_enabled()
    expect(status).to_contain_text("All resolved")
    resolve.click()
    expect(bob.locator(".messages")).to_contain_text("Saved v3")
    saved = Skill.objects.get(name="deploy").latest.text
    assert "2. Deploy to **$1** (ask first).\n2. Deploy to **$1** after 10:00." in saved
    assert "Build it twice." in saved and "#deploys" in saved  # both sides' other edits
    assert "3. Then tell" in saved
    assert bob.csp_violations == []


def test_taking_theirs_keeps_their_line_and_my_other_edits(new_page):
    bob = conflict_for_bob(new_page, "**$1** after 10:00.")
    bob.get_by_role("button", name="Take theirs").click()
    bob.get_by_role("button", name="save on top of v2").click()
    expect(bob.locator(".messages")).to_contain_text("Saved v3")
    saved = Skill.objects.get(name="deploy").latest.text
    assert saved == STEPS.replace("**$1**.", "**$1** (ask first).").replace(
        "the team", "#deploys"
    ).replace("Build it.", "Build it twice.")


def test_saving_again_before_resolving_merges_again_and_loses_nothing(new_page):
    bob = conflict_for_bob(new_page, "**$1** after 10:00.")
    bob.get_by_label("What changed and why").fill("Again")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.locator(".conflict")).to_contain_text("overlaps v2 by alice")
    assert Skill.objects.get(name="deploy").versions.count() == 2
    expect(bob.locator("[data-merge-status]")).to_contain_text("1 overlapping change")


def test_a_field_name_and_a_tool_complete_as_you_type_with_what_they_do(new_page):
    text = "---\ndescription: Review\n---\nStatus: !`git status --short`\n"
    page = editing(new_page, text)
    editor = CodeEditor(page)
    editor.focus()
    page.keyboard.press("ControlOrMeta+Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("allo")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="allowed-tools")
    expect(option).to_be_visible()
    expect(page.locator(".cm-completionInfo")).to_contain_text("Tools it may use without asking")
    option.click()  # (Enter too, once the list has been open for CodeMirror's 75 ms)
    assert editor.text.splitlines()[2] == "allowed-tools: "

    # The shell command the body runs comes first, as the Bash rule it needs.
    page.keyboard.press("Control+Space")
    first = page.locator(".cm-tooltip-autocomplete li").first
    expect(first).to_contain_text("Bash(git status:*)")
    first.click()
    assert editor.text.splitlines()[2] == "allowed-tools: Bash(git status:*)"
    expect(page.locator('#preview-output [data-severity="warning"]')).to_have_count(0)


def test_the_fields_of_the_items_kind_are_listed_under_the_editor(new_page):
    page = editing(new_page, BROKEN)
    help = page.locator("details.field-help")
    help.locator("summary").click()
    expect(help).to_contain_text("allowed-tools")
    expect(help).to_contain_text("argument-hint")
    expect(help).not_to_contain_text("permissionMode")  # an agent's, not a command's


def test_two_people_see_each_other_editing_and_one_merges_the_others_save_now(new_page, settings):
    settings.SKILLHUB_PRESENCE_SECONDS = 1  # a heartbeat a second, for the test
    make_user("alice")
    make_user("bob")
    make_skill(name="deploy", text=STEPS)
    alice, bob = new_page(), new_page()
    for name, person in (("alice", alice), ("bob", bob)):
        sign_in(person, name, f"pw-{name}")
        person.goto("/edit/commands/deploy/")
    expect(bob.locator("#presence")).to_contain_text("alice is editing")
    expect(alice.locator("#presence")).to_contain_text("bob is editing")

    CodeEditor(bob).replace("Build it.", "Build it twice.")  # unsaved
    CodeEditor(alice).replace("the team", "#deploys")
    alice.get_by_label("What changed and why").fill("Channel")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.locator(".messages")).to_contain_text("Saved v2")

    newer = bob.locator(".presence-newer")
    expect(newer).to_contain_text("alice saved v2")
    newer.get_by_role("button", name="Merge now").click()
    expect(bob.locator("#merge-now-status")).to_contain_text("Merged v2 by alice in")
    assert CodeEditor(bob).text == STEPS.replace("Build it.", "Build it twice.").replace(
        "the team", "#deploys"
    )
    expect(bob.locator("#edit-form [name=base_version]")).to_have_value("2")
    bob.get_by_label("What changed and why").fill("Twice")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.locator(".messages")).to_have_text("Saved v3.")  # on v2: nothing to merge
    assert bob.csp_violations == [] and alice.csp_violations == []


def test_a_problem_with_a_quick_fix_is_fixed_by_one_click_and_the_preview_agrees(new_page):
    page = editing(new_page, "---\ndescription: Deploy: now\n---\nStatus: !`git status --short`\n")
    error = page.locator('#preview-output .problem[data-severity="error"]')
    expect(error).to_contain_text("yaml-syntax")
    error.get_by_role("button", name="Quote the value").click()
    assert CodeEditor(page).text.splitlines()[1] == 'description: "Deploy: now"'
    expect(error).to_have_count(0)

    warning = page.locator("#preview-output .problem", has_text="shell-not-allowed")
    warning.get_by_role("button", name="Allow Bash(git status:*)").click()
    assert "allowed-tools: Bash(git status:*)" in CodeEditor(page).text
    expect(warning).to_have_count(0)
    expect(page.locator("#preview-output .problem")).to_have_count(0)
    assert page.csp_violations == []


def test_a_new_item_starts_from_its_kinds_template_and_says_where_its_name_puts_it(new_page):
    make_user("carol")
    page = new_page()
    sign_in(page, "carol", "pw-carol")
    page.goto("/edit/new")
    editor = CodeEditor(page)
    expect(page.locator(".cm-editor")).to_be_visible()
    assert editor.text.startswith("---\ndescription: One sentence")
    warning = page.locator("#preview-output .problem", has_text="template-description")
    expect(warning).to_be_visible()

    page.get_by_label("Kind").select_option("skill")
    assert editor.text.startswith("---\nname: my-skill\ndescription: One sentence")
    page.get_by_label("Name").fill("pr-summary")
    assert editor.text.startswith("---\nname: pr-summary\n")
    path = page.locator("#name-path")
    expect(path).to_have_text("→ .claude/skills/pr-summary/SKILL.md, runs as /pr-summary")

    editor.replace("One sentence that says what this does and when to use it", "Summarise a PR")
    expect(warning).to_have_count(0)
    page.get_by_label("Kind").select_option("agent")  # the author's text stays
    assert "description: Summarise a PR" in editor.text and "name: pr-summary" in editor.text
    expect(path).to_contain_text(".claude/agents/pr-summary.md")
    assert page.csp_violations == []


def test_a_fix_from_a_preview_older_than_the_text_is_not_made_on_the_wrong_line(new_page):
    page = editing(new_page, "---\ndescription: Deploy: now\n---\nGo.\n")
    fix = page.get_by_role("button", name="Quote the value")
    expect(fix).to_be_visible()
    held = []
    page.route("**/edit/preview", lambda route: held.append(route))  # no fresh preview yet
    editor = CodeEditor(page)
    with page.expect_request("**/edit/preview"):  # sent, and held
        editor.fill("---\nname: deploy\ndescription: Deploy: now\n---\nGo.\n")  # a line above
    fix.click()
    assert editor.text == "---\nname: deploy\ndescription: Deploy: now\n---\nGo.\n"
    held[0].continue_()
    page.get_by_role("button", name="Quote the value").click()  # the fresh preview's fix
    assert editor.text == '---\nname: deploy\ndescription: "Deploy: now"\n---\nGo.\n'
