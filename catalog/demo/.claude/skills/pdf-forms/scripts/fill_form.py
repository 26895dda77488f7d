#!/usr/bin/env python3
"""Fill a PDF form's fields from a JSON file (a demo: prints what it would do)."""

import json
import sys


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--list":
        print(f"Fields of {argv[2]}: name, date, signed")
        return 0
    if len(argv) != 4:
        print("usage: fill_form.py FORM.pdf VALUES.json OUT.pdf | --list FORM.pdf", file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as stream:
        values = json.load(stream)
    print(f"Would fill {len(values)} fields of {argv[1]} into {argv[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
