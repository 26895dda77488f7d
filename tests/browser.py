"""A test client that behaves like a browser, and a small reader of the HTML it gets.

Shared by the view, permission, hostile-input, limits and observability tests.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

from django.test import Client


class Browser:
    """A test client that behaves like a browser: CSRF checks on, the token taken from
    the `csrftoken` cookie a page set, and htmx's headers on requests htmx would make."""

    def __init__(self, user=None):
        self.client = Client(enforce_csrf_checks=True)
        if user is not None:
            self.client.force_login(user)

    def get(self, url, params=None, *, htmx=False, **extra):
        return self.client.get(url, params, headers=self._htmx(htmx), **extra)

    def post(self, url, data=None, *, htmx=False, **extra):
        """A form submission; htmx sends the token in a header, as base.html's hx-headers do."""
        data = dict(data or {})
        headers = self._htmx(htmx)
        if htmx:
            headers["X-CSRFToken"] = self.csrf_token()
        else:
            data["csrfmiddlewaretoken"] = self.csrf_token()
        return self.client.post(url, data, headers=headers, **extra)

    def csrf_token(self) -> str:
        if "csrftoken" not in self.client.cookies:
            self.client.get("/accounts/login/")  # any page with a form sets the cookie
        return self.client.cookies["csrftoken"].value

    @staticmethod
    def _htmx(htmx: bool) -> dict:
        return {"HX-Request": "true"} if htmx else {}


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


@dataclass
class Found:
    tag: str
    attrs: dict
    html: str = ""  # the markup between its start and end tags, as sent
    raw_text: str = ""  # its text with entities decoded, as a browser holds it

    @property
    def text(self) -> str:
        return " ".join(self.raw_text.split())


@dataclass
class _Open:
    found: Found
    content_start: int
    depth: int = 1


class _Collector(HTMLParser):
    def __init__(self, source: str, wanted):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.wanted = wanted
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
        self.found: list[Found] = []
        self.open: list[_Open] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        for item in self.open:
            if item.found.tag == tag:
                item.depth += 1
        attrs = dict(attrs)
        if self.wanted(tag, attrs):
            found = Found(tag, attrs)
            self.found.append(found)
            if tag not in VOID_TAGS:
                content_start = self._offset() + len(self.get_starttag_text())
                self.open.append(_Open(found, content_start))

    def handle_endtag(self, tag):
        for item in list(self.open):
            if item.found.tag == tag:
                item.depth -= 1
                if item.depth == 0:
                    item.found.html = self.source[item.content_start : self._offset()]
                    self.open.remove(item)

    def handle_data(self, data):
        for item in self.open:
            item.found.raw_text += data


def select(html: str, tag: str | tuple | None = None, **attrs) -> list[Found]:
    """Elements by tag and attributes: `data_severity="error"` matches data-severity="error",
    True matches any value, and `class_` matches one of the element's classes."""
    wanted_attrs = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}

    def wanted(found_tag, found_attrs):
        if tag is not None and found_tag not in ((tag,) if isinstance(tag, str) else tag):
            return False
        for key, value in wanted_attrs.items():
            if key not in found_attrs:
                return False
            if key == "class" and value not in (found_attrs[key] or "").split():
                return False
            if key != "class" and value is not True and found_attrs[key] != value:
                return False
        return True

    collector = _Collector(html, wanted)
    collector.feed(html)
    collector.close()
    return collector.found


def one(html: str, tag: str | None = None, **attrs) -> Found:
    found = select(html, tag, **attrs)
    assert len(found) == 1, f"expected one {tag or ''} {attrs}, found {len(found)}"
    return found[0]


def field_value(html: str, name: str) -> str:
    """What a browser would submit for the form field `name`."""
    [element] = [e for e in select(html, name=name) if e.tag in ("input", "textarea")]
    if element.tag == "input":
        return element.attrs.get("value") or ""
    # HTML drops one newline right after <textarea>, so a page must send one for a value
    # that starts with a newline to come back whole.
    text = element.raw_text
    return text[1:] if text.startswith("\n") else text


def page(response) -> str:
    return response.content.decode()


def messages_shown(response) -> list[str]:
    return [m.text for m in select(page(response), "li", class_="message")]
