"""Markdown to safe HTML: markdown-it-py (CommonMark + GFM bits), Pygments, nh3.

Pure Python: imports no Django.

Public interface:
    render_markdown(body: str) -> str    safe HTML for the skill body
    render_prompt(text: str) -> str      safe HTML of an expanded prompt with
                                         `!` commands, `@file` references and
                                         ${CLAUDE_*} markers as inert spans
"""
