"""URL converters for `/<kind>s/<name>/` paths (DESIGN.md's contract), and the one
reading of a number in a query string."""

import re

from django.urls import register_converter

from catalog import plugin_names, skillfile


class KindConverter:
    regex = "|".join(re.escape(kind) for kind in skillfile.KINDS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class NameConverter:
    # Command names are colon-joined path segments; every other kind's name is one too.
    regex = skillfile.COMMAND_NAME_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PluginConverter:
    regex = plugin_names.NAME_PATTERN

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
