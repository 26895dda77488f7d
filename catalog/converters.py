"""URL converters for `/<kind>s/<name>/` paths (DESIGN.md's contract)."""

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


register_converter(KindConverter, "kind")
register_converter(NameConverter, "name")
