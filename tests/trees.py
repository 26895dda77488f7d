"""Skill folders for tests: a realistic multi-file skill, a large one, hostile ones.

`pdf_skill()` is shaped like the skills in Anthropic's public repository: SKILL.md
linking to references/, nested scripts/ with an executable, a binary asset, a licence.
`write_tree(root, …)` lays a tree out on disk with its modes, so that archives made
by real `tar` and `zip` and folders given to import_skills carry executable bits.
"""

import hashlib
import io
import os
import random
import zipfile
from pathlib import Path

from catalog.skilltree import TreeFile, as_tree

PDF_SKILL_MD = """---
name: pdf
description: Fill PDF forms and extract text. Use when the user works with PDF files.
license: Complete terms in LICENSE.txt
---
# PDF processing

For form filling, read [the forms guide](references/forms.md) first.
The API reference is in [reference.md](references/reference.md).

1. Run `scripts/check_fields.py form.pdf` to list the fields.
2. Fill them with `scripts/fill/fill_form.py form.pdf values.json out.pdf`.

The template in assets/template.json shows the expected values.
"""

FORMS_MD = """# Filling forms

Fields come from `scripts/check_fields.py`; names are case-sensitive.
"""

REFERENCE_MD = """# Reference

| Function | Use |
| --- | --- |
| fill | Writes values into fields |
"""

CHECK_FIELDS_PY = b"""#!/usr/bin/env python3
\"\"\"List the fillable fields of a PDF.\"\"\"
import sys

print("fields of", sys.argv[1])
"""

FILL_FORM_PY = b"""#!/usr/bin/env python3
import json
import sys

values = json.load(open(sys.argv[2]))
print("filled", len(values), "fields")
"""

TEMPLATE_JSON = b'{\n  "name": "",\n  "date": ""\n}\n'

LICENSE_TXT = b"Copyright the authors. Licensed under the Apache License, Version 2.0.\n"


def font_bytes(size: int = 4096, seed: int = 7) -> bytes:
    """Binary data with NUL bytes and invalid UTF-8, like a font or a PDF."""
    rng = random.Random(seed)
    return b"\x00\x01\x00\x00" + bytes(rng.randrange(256) for _ in range(size - 4))


def pdf_skill() -> tuple[str, dict[str, TreeFile]]:
    """(SKILL.md text, the other files) of a realistic multi-file skill."""
    files = as_tree(
        [
            TreeFile("references/forms.md", FORMS_MD.encode()),
            TreeFile("references/reference.md", REFERENCE_MD.encode()),
            TreeFile("scripts/check_fields.py", CHECK_FIELDS_PY, executable=True),
            TreeFile("scripts/fill/fill_form.py", FILL_FORM_PY, executable=True),
            TreeFile("assets/template.json", TEMPLATE_JSON),
            TreeFile("assets/fonts/Inter.ttf", font_bytes()),
            TreeFile("LICENSE.txt", LICENSE_TXT),
        ]
    )
    return PDF_SKILL_MD, files


def large_skill(files: int = 80, total_bytes: int = 5 * 1024 * 1024, name: str = "big"):
    """(SKILL.md text, files) of a skill of `files` files adding up to about
    `total_bytes`: markdown references, scripts (every third executable) and binaries."""
    text = f"---\nname: {name}\ndescription: A large skill with many files\n---\n"
    text += "Read the references:\n" + "".join(
        f"- [part {n}](references/part-{n:03d}.md)\n" for n in range(files // 4)
    )
    each = total_bytes // (files - 1)
    made = []
    for n in range(files - 1):
        if n < files // 4:
            body = f"# Part {n}\n\n" + "A line of reference text.\n" * (each // 26)
            made.append(TreeFile(f"references/part-{n:03d}.md", body.encode()))
        elif n % 2:
            data = b"#!/bin/sh\n" + b"echo step\n" * (each // 10)
            made.append(TreeFile(f"scripts/step-{n:03d}.sh", data, executable=n % 3 == 0))
        else:
            made.append(TreeFile(f"assets/blob-{n:03d}.bin", font_bytes(each, seed=n)))
    return text, as_tree(made)


def write_tree(root: Path, text: str, files: dict[str, TreeFile]) -> Path:
    """SKILL.md and `files` under `root` (made if missing), with 0755/0644 modes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "SKILL.md").write_text(text, encoding="utf-8")
    os.chmod(root / "SKILL.md", 0o644)
    for path, file in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)
        os.chmod(target, file.mode)
    return root


def zip_of(entries: dict[str, bytes | str]) -> bytes:
    """A zip (stored, not compressed) of `entries`, name -> data, in their order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tree_of(root: Path) -> dict[str, tuple[str, bool]]:
    """path -> (sha256, executable) of every file under `root`, SKILL.md included."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = (digest, bool(path.stat().st_mode & 0o100))
    return found


def expected_tree(text: str, files: dict[str, TreeFile]) -> dict[str, tuple[str, bool]]:
    """What tree_of gives for a faithful copy of (text, files)."""
    found = {"SKILL.md": (hashlib.sha256(text.encode()).hexdigest(), False)}
    found |= {path: (file.sha256, file.executable) for path, file in files.items()}
    return dict(sorted(found.items()))
