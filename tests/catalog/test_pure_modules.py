"""The pure modules import no Django, so the rules stay usable anywhere (DESIGN.md)."""

import pkgutil
import subprocess
import sys
import tomllib

import pytest

from tests.shared import REPO

PURE_MODULES = [
    "catalog.skillfile",
    "catalog.rendering",
    "catalog.markdown_rules",
    "catalog.sanitising",
    "catalog.highlighting",
    "catalog.bundles",
    "catalog.locks",
    "catalog.archives",
    "catalog.layouts",
    "catalog.paths",
    "catalog.diffing",
    "catalog.merging",
    "catalog.field_diffs",
    "catalog.skilltree",
    "catalog.semver",
    "catalog.plugin_changes",
    "catalog.plugin_names",
    "catalog.gitrepo",
    "catalog.marketplace_layout",
    "catalog.zipwriter",
    "catalog.snippets",
]
# Every module of a pure package on its own too, so a module its __init__ does not import
# is checked as well.
PURE_PACKAGES = ["catalog.skillfile"]
IMPORTED = PURE_MODULES + [
    f"{package}.{module.name}"
    for package in PURE_PACKAGES
    for module in pkgutil.iter_modules([str(REPO.joinpath(*package.split(".")))])
]


@pytest.mark.parametrize("module", IMPORTED)
def test_importing_a_pure_module_loads_no_django(module):
    script = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_mypy_is_strict_on_exactly_the_pure_modules():
    """pyproject.toml's strict override lists the same modules, a pure package as
    "package.*" (its modules and itself)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    overrides = config["tool"]["mypy"]["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_calls")]
    assert len(strict) == 1, "one strict override: the pure modules"
    listed = strict[0]["module"]
    assert sorted(name.removesuffix(".*") for name in listed) == sorted(PURE_MODULES)
    packages = [name.removesuffix(".*") for name in listed if name.endswith(".*")]
    assert sorted(packages) == sorted(PURE_PACKAGES)
