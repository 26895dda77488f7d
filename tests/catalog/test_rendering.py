import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.markdown_rules import HIGHLIGHT_MAX_BYTES, TABLE_CELLS_MAX, TABLE_FILLED_CELLS_MAX
from catalog.rendering import (
    RENDER_BUDGET,
    render_markdown,
    render_prompt,
    render_prompt_bounded,
    stylesheet,
)
from tests.shared import REPO, corpus_files, jsonl, needs_shared

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p", "ul", "ol", "li", "input", "blockquote", "hr", "br", "pre", "code", "span",
    "table", "thead", "tbody", "tr", "th", "td", "a", "img", "em", "strong", "del", "s",
}  # fmt: skip
BLOCK_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p", "ul", "ol", "li", "pre", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr",
}  # fmt: skip
EVENT_ATTRIBUTE_IN_A_TAG = re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.IGNORECASE)


class Elements(HTMLParser):
    """Every start tag of a fragment, with its attributes (entities decoded)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    return Elements(html).tags


def spans(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<span class="{css_class}" title="[^"]*">(.*?)</span>', html, re.DOTALL)


def scheme_a_browser_sees(url: str) -> str | None:
    # The URL parser strips leading/trailing C0 controls and spaces, and tabs and newlines
    # anywhere, before it looks for a scheme.
    url = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return scheme.group(1).lower() if scheme else None


def assert_inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert not EVENT_ATTRIBUTE_IN_A_TAG.search(html)
    for tag, attributes in elements(html):
        assert tag in ALLOWED_TAGS
        assert not [name for name in attributes if name.startswith("on")]
        assert "style" not in attributes
        for name in ("href", "src"):
            if name in attributes:
                assert scheme_a_browser_sees(attributes[name]) in {None, "http", "https", "mailto"}


# ------------------------------------------------------------------------- hostile input


@needs_shared
@pytest.mark.parametrize("case", jsonl("xss.jsonl"), ids=lambda case: case["id"])
def test_hostile_markdown_leaves_none_of_its_needles_in_the_html(case):
    # Why each category passes:
    # - raw-html, svg-math, css, event-handler, nested, href-tricks: every tag there has
    #   attributes or names an active element (script, svg, iframe…), so it is removed;
    #   comments are removed whole; text between tags stays as escaped text.
    # - md-url: markdown-it builds the link whatever its scheme and nh3 drops a non-http(s)
    #   href/src, so neither the address nor the link text shows it; a javascript:
    #   autolink becomes a "link removed" marker; leading C0 controls are stripped first,
    #   as a browser would, so the link is built and its href dropped; a soft hyphen,
    #   fullwidth colon or %0A (from &#10;) leaves a harmless relative URL.
    # - attr-list: no such syntax in CommonMark, the `{: …}` stays plain text.
    # - code: escaped inside <code>.
    html = render_markdown(case["markdown"]).lower()
    assert [needle for needle in case["must_not_contain"] if needle in html] == []
    assert_inert(html)


def test_a_javascript_link_keeps_its_text_and_loses_its_address():
    html = render_markdown("[click](javascript:alert(1)) and [ok](https://example.com/a)")
    assert "javascript" not in html
    assert '<a rel="nofollow noopener noreferrer">click</a>' in html
    assert '<a href="https://example.com/a" rel="nofollow noopener noreferrer">ok</a>' in html


def test_relative_links_and_images_are_kept():
    html = render_markdown("[guide](docs/guide.md) ![logo](/static/logo.png)")
    assert 'href="docs/guide.md"' in html
    assert 'src="/static/logo.png"' in html


def test_an_autolink_to_a_refused_scheme_becomes_a_marker():
    html = render_markdown("<vbscript:msgbox(1)> <https://ok.example> <me@example.com>")
    assert "vbscript" not in html
    assert spans(html, "blocked-link") == ["link removed"]
    assert 'href="https://ok.example"' in html
    assert 'href="mailto:me@example.com"' in html


def test_control_characters_are_dropped_before_parsing():
    assert render_markdown("a\x01b\x7fc\td") == "<p>abc\td</p>\n"


# ------------------------------------------------------------------------- raw HTML policy


def test_xml_style_prompt_tags_show_as_text_and_markdown_inside_them_renders():
    html = render_markdown("<example>\n**bold**\n</example>")
    assert "&lt;example&gt;" in html
    assert "&lt;/example&gt;" in html
    assert "<strong>bold</strong>" in html


def test_markdown_blocks_between_prompt_tags_render():
    html = render_markdown("<instructions>\n## Task\n\n- one\n- two\n</instructions>")
    assert "<h2>Task</h2>" in html
    assert "<li>one</li>" in html
    assert "&lt;instructions&gt;" in html


def test_angle_bracket_placeholders_show_as_text():
    html = render_markdown("Run `/release` with <version> and <title>.")
    assert "&lt;version&gt; and &lt;title&gt;." in html


def test_a_tag_with_attributes_is_removed_with_its_closing_tag_and_keeps_its_text():
    html = render_markdown('See <a href="https://example.com">the site</a> <b class="x">now</b>.')
    assert html == "<p>See the site now.</p>\n"


def test_active_elements_are_removed_even_when_bare():
    html = render_markdown("<script>alert(1)</script> <svg><foreignObject>x</foreignObject></svg>")
    assert html == "<p>alert(1) x</p>\n"


def test_html_comments_are_removed():
    assert render_markdown("visible <!-- hidden instruction --> text") == "<p>visible  text</p>\n"


def test_raw_html_in_an_image_description_is_removed_from_the_alt_text():
    html = render_markdown("![<img src=x onerror=alert(1)> <b>logo</b>](logo.png)")
    assert 'alt=" &lt;b&gt;logo&lt;/b&gt;"' in html
    assert "onerror" not in html


def test_a_bare_br_is_a_line_break():
    assert render_markdown("one<br>two<br/>three") == "<p>one<br>\ntwo<br>\nthree</p>\n"


def test_a_paragraph_holding_only_removed_html_disappears():
    assert render_markdown('Intro.\n\n<img src="x.png">') == "<p>Intro.</p>\n"


# ------------------------------------------------------------------------- code


def test_fenced_code_is_highlighted_with_classes_only():
    html = render_markdown("```python\ndef f():\n    return 1\n```")
    assert html.startswith('<pre class="highlight" tabindex="0"><code>')
    assert '<span class="tok-k">def</span>' in html
    assert "style=" not in html


@pytest.mark.parametrize("fence", ["```", "```nosuchlanguage", "```nosuchlanguage extra"])
def test_code_in_an_unknown_or_missing_language_is_plain_escaped_text(fence):
    html = render_markdown(f"{fence}\n<b>x</b> & y\n```")
    assert html == '<pre tabindex="0"><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>\n'


def test_a_bang_fence_is_marked_as_a_shell_block():
    html = render_markdown("```!\ngit status\n```")
    pre_classes = [attrs["class"] for tag, attrs in elements(html) if tag == "pre"]
    assert pre_classes == ["highlight shell-block"]
    assert "git" in html
    assert "status" in html


def test_highlighted_code_keeps_its_leading_blank_lines_and_escapes_html():
    html = render_markdown("```python\n\nx = '<i>'\n```")
    assert html.startswith('<pre class="highlight" tabindex="0"><code>\n')
    assert "&lt;i&gt;" in html


# ------------------------------------------------------------------------- GFM extras


def test_task_lists_render_disabled_checkboxes():
    html = render_markdown("- [ ] todo\n- [x] done")
    checkboxes = [attrs for tag, attrs in elements(html) if tag == "input"]
    assert len(checkboxes) == 2
    assert all(box["type"] == "checkbox" and "disabled" in box for box in checkboxes)
    assert ["checked" in box for box in checkboxes] == [False, True]
    assert "[ ]" not in html
    assert "[x]" not in html


def test_task_list_checkboxes_mark_only_items_that_start_with_a_box():
    html = render_markdown(
        "- [x] done\n  - [ ] nested\n- plain\n\n1. [ ] numbered\n\n[ ] not a list\n"
    )
    assert html.count('type="checkbox"') == 3
    assert html.count('class="contains-task-list"') == 3
    assert "[ ] not a list" in html


def test_a_remote_image_is_shown_as_a_link_with_its_alt_text():
    html = render_markdown('![the chart](https://tracker.example/pixel.png "Chart")')
    assert elements(html) == [
        ("p", {}),
        (
            "a",
            {
                "href": "https://tracker.example/pixel.png",
                "title": "Chart",
                "rel": "nofollow noopener noreferrer",
            },
        ),
    ]
    assert ">the chart</a>" in html


def test_a_remote_image_without_alt_text_links_with_its_address():
    html = render_markdown("![](http://tracker.example/p.png)")
    assert "<img" not in html
    assert ">http://tracker.example/p.png</a>" in html


def test_images_load_only_from_allowed_hosts_over_https():
    hosts = ["images.example"]
    assert "<img" in render_markdown("![a](https://images.example/a.png)", hosts)
    assert "<img" in render_markdown("![a](https://IMAGES.example/a.png)", hosts)
    assert "<img" not in render_markdown("![a](http://images.example/a.png)", hosts)
    assert "<img" not in render_markdown("![a](https://images.example.evil/a.png)", hosts)
    assert "<img" not in render_markdown("![a](//elsewhere.example/a.png)", hosts)


def test_blocks_nested_past_the_limit_are_shown_as_text_not_dropped():
    html = render_markdown("> " * 30 + "hidden instructions\n\nafter\n")
    assert "hidden instructions" in html
    assert "<p>after</p>" in html
    assert "hidden list" in render_markdown("- " * 30 + "hidden list\n")


def test_a_body_over_the_render_budget_is_cut_at_a_blank_line_and_shown_as_text():
    unit = "- [link](x) item\n\n"  # 2 lines and 3 openers: 160 units
    count = RENDER_BUDGET // 160 * 2
    html = render_markdown(unit * count + "<script>alert(1)</script> & tail")
    rendered, rest = html.split('<p class="render-limit">', 1)
    assert rendered.count("<li>") < count
    assert "Skillhub stopped rendering here" in rest
    assert rest.count("- [link](x) item") == count - rendered.count("<li>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; tail</pre>" in rest
    assert_inert(html)


def test_each_top_level_block_says_the_line_of_the_file_it_starts_on_when_asked():
    body = "# Deploy\n\nText\nmore\n\n- a\n  - b\n\n```sh\nls\n```\n\n---\n\n> quote\n\n    code\n"
    html = render_markdown(body, first_line=5)
    lines = re.findall(r'<(\w+)[^>]* data-source-line="(\d+)"', html)
    assert lines == [
        ("h1", "5"), ("p", "7"), ("ul", "10"), ("pre", "13"), ("hr", "17"),
        ("blockquote", "19"), ("pre", "21"),
    ]  # fmt: skip
    assert html.count("data-source-line") == 7  # nested blocks (the inner list, the quote's p) not


def test_without_a_first_line_no_block_carries_a_source_line():
    assert "data-source-line" not in render_markdown("# Notes\n\n- a release note\n")


def test_a_body_cannot_write_a_source_line_of_its_own():
    html = render_markdown('<p data-source-line="999">x</p>\n\ntext', first_line=1)
    assert 'data-source-line="999"' not in html
    assert_inert(html)


def test_the_text_past_the_render_budget_says_the_line_it_starts_on():
    unit = "- [link](x) item\n\n"
    count = RENDER_BUDGET // 160 * 2
    html = render_markdown(unit * count + "tail", first_line=3)
    rendered, rest = html.split('<p class="render-limit">', 1)
    shown = rendered.count("<li>")
    assert f'<pre class="render-limit" data-source-line="{3 + 2 * shown}">' in rest


def test_an_image_inside_an_image_is_a_link_too():
    html = render_markdown("![![t](https://tracker.example/p.png)](https://x.example/y.png)")
    assert "<img" not in html
    assert 'href="https://tracker.example/p.png"' in html


def test_short_table_rows_are_filled_only_up_to_a_limit_and_tables_stop_at_a_total():
    wide = "|" + "a|" * 256 + "\n|" + "-|" * 256 + "\n" + "x\n" * 256 + "\n"
    html = render_markdown(wide * 16)
    assert html.count("<td") <= TABLE_CELLS_MAX + TABLE_FILLED_CELLS_MAX + 256
    assert "x" in html.rsplit("</table>", 1)[1]  # the rest is text, not dropped
    legit = "|a|b|c|d|\n|-|-|-|-|\n" + "|1|2|3|4|\n" * 1_000
    assert render_markdown(legit).count("<td>") == 4_000


def test_long_ordinary_files_render_whole():
    line = "Reference text in plain words, the way long skill documentation is written.\n"
    reference = (line * 5 + "\n") * 700  # 270 KB in 3,500 lines
    assert "render-limit" not in render_markdown(reference)
    long_paragraphs = ("word " * 200 + "\n\n") * 1_000  # 1 MB
    html = render_markdown(long_paragraphs)
    assert "render-limit" not in html
    assert html.count("<p>") == 1_000


def test_code_past_the_highlighting_budget_is_shown_plain():
    line = "total = first + second + third + fourth\n"
    block = "```python\n" + line * (HIGHLIGHT_MAX_BYTES // len(line) // 2) + "```\n"
    html = render_markdown(block * 3)
    first, second, third = html.split("</pre>")[:3]
    assert 'class="tok-' in first and 'class="tok-' in second
    assert 'class="tok-' not in third
    assert "total = first + second + third + fourth" in third


def test_tables_render_with_alignment_as_classes():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert [tag for tag, _ in elements(html)] == [
        "table", "thead", "tr", "th", "th", "th", "tbody", "tr", "td", "td", "td",
    ]  # fmt: skip
    assert '<td class="align-center">2</td>' in html
    assert "style=" not in html


def test_strikethrough_renders():
    assert render_markdown("~~gone~~") == "<p><s>gone</s></p>\n"


# ------------------------------------------------------------------------- inert spans


def test_shell_commands_are_inert_marked_spans():
    html = render_markdown("!`git status`\n\nThen !`git diff --stat` and\n- !`ls`")
    assert spans(html, "shell-cmd") == ["!`git status`", "!`git diff --stat`", "!`ls`"]
    assert 'title="Runs a shell command before the prompt is sent"' in html
    assert "<code>" not in html


def test_a_bang_glued_to_a_word_is_not_a_shell_command():
    html = render_markdown("wow!`x` and **b**!`y`")
    assert spans(html, "shell-cmd") == []
    assert "<code>x</code>" in html


def test_file_references_are_inert_marked_spans_without_trailing_punctuation():
    html = render_markdown("Read @src/app.py, then @README.md.\n@docs/a.md")
    assert spans(html, "file-ref") == ["@src/app.py", "@README.md", "@docs/a.md"]


def test_an_at_sign_glued_to_a_word_is_not_a_file_reference():
    # Like `!` commands, a reference starts at a line start or after whitespace.
    html = render_markdown("mail me@example.com (@docs/a.md) **b**@c.md")
    assert spans(html, "file-ref") == []


def test_claude_markers_are_inert_marked_spans():
    html = render_markdown("Session ${CLAUDE_SESSION_ID} in ${CLAUDE_SKILL_DIR}, not ${HOME}")
    assert spans(html, "env-marker") == ["${CLAUDE_SESSION_ID}", "${CLAUDE_SKILL_DIR}"]


def test_nothing_is_marked_inside_code_spans_or_blocks():
    body = "`@a.py ${CLAUDE_SESSION_ID}`\n\n```\n!`ls` @b.py ${CLAUDE_SESSION_ID}\n```\n"
    html = render_markdown(body + "\n    @c.py !`ls`\n")
    assert "<span" not in html


# ------------------------------------------------------------------------- render_prompt


def test_the_prompt_is_escaped_text_in_a_pre_and_not_markdown():
    html = render_prompt('**Fix** <script>alert("x")</script> & <b>')
    assert html == (
        '<pre class="prompt">**Fix** &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; '
        "&amp; &lt;b&gt;</pre>"
    )


def test_the_prompt_marks_commands_files_and_claude_markers():
    html = render_prompt(
        "Status: !`git status`\nSee @src/app.py.\n```!\nls -la\n```\nid ${CLAUDE_SESSION_ID}"
    )
    assert spans(html, "shell-cmd") == ["!`git status`", "```!\nls -la\n```"]
    assert spans(html, "file-ref") == ["@src/app.py"]
    assert spans(html, "env-marker") == ["${CLAUDE_SESSION_ID}"]


def test_an_unclosed_bang_fence_runs_to_the_end_of_the_prompt():
    html = render_prompt("before\n```!\nmake test\nstill shell")
    assert spans(html, "shell-cmd") == ["```!\nmake test\nstill shell"]


@given(st.text())
def test_the_prompt_is_always_inert(text):
    html = render_prompt(text)
    assert html.startswith('<pre class="prompt">')
    assert_inert(html)


def test_a_bounded_prompt_stops_at_whole_pieces_within_its_limit():
    html, cut = render_prompt_bounded("See @a.md " * 10_000, limit=1_000)
    assert cut
    assert len(html) <= 1_000 + len('<pre class="prompt"></pre>')
    assert html.count("<span") == html.count("</span>")
    assert render_prompt_bounded("short @a.md", limit=1_000) == (
        render_prompt("short @a.md"),
        False,
    )


@given(st.text(alphabet="&<>@ab!`\n", max_size=300), st.integers(min_value=0, max_value=400))
def test_a_bounded_prompt_never_ends_inside_an_entity_or_a_tag(text, limit):
    html, cut = render_prompt_bounded(text, limit)
    inner = html.removeprefix('<pre class="prompt">').removesuffix("</pre>")
    assert len(inner) <= limit or not cut
    assert inner.rfind("&") <= inner.rfind(";")
    assert inner.count("<span") == inner.count("</span>")
    assert_inert(html)


# ------------------------------------------------------------------------- properties

HOSTILE_PIECES = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href=\"", "javascript:",
    "alert(1)", "\">", "[x](", "](", ")", "![i](", "<", ">", "`", "```", "```!\n", "\n", "\n\n",
    "!", "@", "${CLAUDE_SESSION_ID}", "<!--", "-->", "&#106;", "&colon;", "\x01", "| a |\n|-|\n",
    "- [ ] ", "> ", "    ", "*", "_", "~~", " onclick=", "<svg>", "data:text/html,", "\"", "'",
    "<details open ontoggle=x>", "<example>", "[r]: ", "\t", "\u202e", "<br>",
])  # fmt: skip
hostile_texts = st.lists(st.one_of(HOSTILE_PIECES, st.text(max_size=5)), max_size=30).map("".join)


@given(st.text())
def test_any_text_renders_without_script_event_handlers_or_javascript_urls(text):
    html = render_markdown(text)
    lowered = html.lower()
    assert "<script" not in lowered
    assert not EVENT_ATTRIBUTE_IN_A_TAG.search(html)
    assert "javascript:" not in lowered


@settings(max_examples=300)
@given(hostile_texts)
def test_hostile_fragments_in_any_order_render_inert(text):
    # Text made of attack fragments can spell "javascript:" in plain prose, which is
    # harmless escaped text; what must never happen is an element, attribute or URL.
    assert_inert(render_markdown(text))


# ------------------------------------------------------------------------- corpus


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: path.name)
def test_no_corpus_file_renders_an_inline_style(path):
    html = render_markdown(path.read_text(encoding="utf-8-sig"))
    assert "style=" not in html
    assert_inert(html)


def body_of(text: str) -> str:
    """The text after the frontmatter (up to the second `---` line when line 1 is `---`)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[0].rstrip() == "---":
        for number in range(1, len(lines)):
            if lines[number].rstrip() == "---":
                return "\n".join(lines[number + 1 :])
    return text


class BlockStructure(HTMLParser):
    """The sequence of block-level elements; a <code> inside <pre> counts as code-block."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sequence: list[str] = []
        self.open_pre = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "code" and self.open_pre:
            self.sequence.append("code-block")
        elif tag in BLOCK_TAGS:
            self.sequence.append(tag)
        self.open_pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        self.open_pre -= tag == "pre"


def github_html(body: str) -> str:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    extensions = ["table", "strikethrough", "tasklist", "autolink"]
    # Default options: cmark-gfm's safe mode, which replaces raw HTML by a comment.
    return cmarkgfm.markdown_to_html_with_extensions(body, extensions=extensions)


def has_raw_html(body: str) -> bool:
    # Raw HTML as GitHub's parser sees it: in safe mode cmark-gfm puts this comment in
    # place of every raw HTML block or inline tag (comments, placeholders such as
    # `<version>` outside code). Such files are rendered differently on purpose (we show
    # prompt tags as text and never parse HTML blocks), so they are left out.
    return "<!-- raw HTML omitted -->" in github_html(body)


def test_the_structure_reader_sees_blocks_and_code_blocks():
    html = '<h1>t</h1><ul><li><p>a <code>x</code></p></li></ul><pre lang="py"><code>y</code></pre>'
    assert BlockStructure(html).sequence == ["h1", "ul", "li", "p", "pre", "code-block"]


def test_prompt_tags_count_as_raw_html_for_the_comparison():
    assert has_raw_html("<instructions>\nx\n</instructions>")
    assert has_raw_html("Bump to <version> now")
    assert not has_raw_html("Bump to `<version>` now, see <https://example.com>")


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: path.name)
def test_corpus_files_without_raw_html_have_the_block_structure_github_gives(path):
    body = body_of(path.read_text(encoding="utf-8-sig"))
    if has_raw_html(body):
        pytest.skip("contains raw HTML, which Skillhub shows as text on purpose")
    ours = BlockStructure(render_markdown(body)).sequence
    assert ours == BlockStructure(github_html(body)).sequence
    assert ours, "an empty structure would compare equal to anything empty"


# ------------------------------------------------------------------------- packaging


def test_the_stylesheet_file_is_the_generated_one():
    committed = (REPO / "static" / "css" / "pygments.css").read_text(encoding="utf-8")
    regenerate = (
        "python -c 'from catalog.rendering import stylesheet; print(stylesheet(), end=\"\")'"
        " > static/css/pygments.css"
    )
    assert committed == stylesheet(), f"out of date; regenerate with: {regenerate}"


def test_the_stylesheet_has_a_light_and_a_dark_theme():
    light, dark = stylesheet().split("@media (prefers-color-scheme: dark)")
    assert ":root .highlight .tok-k {" in light
    assert ":root .highlight .tok-k {" in dark


def test_the_site_stylesheet_styles_every_inert_marker_the_renderer_writes():
    css = (REPO / "static" / "css" / "skillhub.css").read_text(encoding="utf-8")
    for marker in (".shell-cmd", ".file-ref", ".env-marker", ".blocked-link", "pre.shell-block"):
        assert marker in css
    assert "td.align-center" in css
