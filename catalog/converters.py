"""URL converters for `/<kind>s/<name>/` paths (DESIGN.md's contract), and the one
reading of a number in a query string."""

from django.urls import register_converter


class KindConverter:
    regex = "command|skill|agent|output-style"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class NameConverter:
    # Command names are colon-joined path segments; the others are slugs.
    regex = r"[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PluginConverter:
    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # catalog.plugin_names: kebab-case

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class SemVerConverter:
    regex = r"[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?"  # catalog.semver checks the rest

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def whole_number(text: str | None) -> int | None:
    """`text` as a whole number if it is 1-9 ASCII digits, else None. (str.isdigit also
    accepts other scripts' digits, and int() of 5,000 digits raises.)"""
    if text and len(text) <= 9 and text.isascii() and text.isdigit():
        return int(text)
    return None


register_converter(KindConverter, "kind")
register_converter(NameConverter, "name")
register_converter(PluginConverter, "plugin")
register_converter(SemVerConverter, "semver")
