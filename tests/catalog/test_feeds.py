"""The Atom feed read as a feed reader reads it: decode the XML, then the HTML of an
entry's <summary type="html">. A description is plain text, so what the reader ends up
with is that text, and never an element.
"""

from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from tests.factories import make_skill

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


class _Html(HTMLParser):
    """The elements and the text (entities decoded) of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(tag)

    def handle_endtag(self, tag):
        self.elements.append("/" + tag)

    def handle_data(self, data):
        self.text += data

    def handle_comment(self, data):
        self.elements.append("<!--")


def summaries(client) -> list[tuple[str, list[str], str]]:
    """(type, elements, text) of each entry's summary, as a reader renders it."""
    root = ElementTree.fromstring(client.get("/feed.xml").content)
    found = []
    for summary in root.iter(f"{ATOM}summary"):
        html = _Html()
        html.feed(summary.text or "")
        html.close()
        found.append((summary.get("type"), html.elements, html.text))
    return found


def yaml_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


DESCRIPTIONS = [
    '"><img src=x onerror=alert(1)>',
    "<script>alert(document.cookie)</script>",
    "Tom & Jerry <b>bold</b> \"double\" 'single' &amp; &lt;already&gt; &#60;",
    "a < b > c & d",
    "<!-- a comment --> ]]> <![CDATA[x]]>",
]


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_a_reader_sees_the_description_as_text_not_markup(client, publisher, description):
    text = f"---\ndescription: {yaml_quoted(description)}\n---\nDo it.\n"
    skill = make_skill("command", "hostile", text, author=publisher, publish=True)
    assert skill.published.description == description  # the file says what we think
    [(kind, elements, shown)] = summaries(client)
    assert kind == "html"
    assert elements == []
    assert shown == description


def test_a_plain_description_reads_unchanged(client, publisher):
    make_skill("command", "plain", "---\ndescription: Review the diff\n---\nGo.\n", publisher, True)
    assert summaries(client) == [("html", [], "Review the diff")]
