"""The scenarios of `make bench`, in the order of issue 6; each module has SCENARIO and
run(ctx) -> list[measure.Row]."""

ORDER = (
    "render",
    "preview",
    "catalog",
    "export",
    "import",
    "diff",
    "writers",
    "cost",
    "folders",
    "plugins",
    "editor",
)
MODULES = {"import": "importing"}  # `import` is a keyword, not a module name


def module_name(name: str) -> str:
    return f"scenarios.{MODULES.get(name, name)}"
