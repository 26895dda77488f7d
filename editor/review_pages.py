"""What a change request's page shows: its diff with the comment threads under their lines,
its reviews and its checks; and the forms its views read (editor/reviews.py). No domain
logic: catalog/models/reviews.py decides, this only arranges what it says for the page."""

from dataclasses import dataclass, field

from django import forms

from catalog import diffing, skilltree
from catalog.models import ChangeRequest, Comment, Kind, Review, Version
from catalog.models.review_sides import SKILL_MD, lines_by_side, sides_of


class RequestForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea)


class CommentForm(forms.Form):
    # The domain says what is missing or wrong (an empty body, a line that is not there).
    body = forms.CharField(required=False, widget=forms.Textarea, strip=False)
    path = forms.CharField(required=False, max_length=500)
    side = forms.CharField(required=False, max_length=3)
    line = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    reply_to = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class VersionSeenForm(forms.Form):
    # The version the page showed: a review or publication of one saved since is refused.
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class ReviewForm(VersionSeenForm):
    verdict = forms.CharField(required=False)
    body = forms.CharField(required=False, widget=forms.Textarea)
    warnings_read = forms.BooleanField(required=False)


@dataclass
class Thread:
    """A top comment, its replies, and whether its line has changed since."""

    top: Comment
    replies: list[Comment]
    outdated: bool

    @property
    def anchor(self) -> str:
        return f"thread-{self.top.pk}"

    @property
    def reply_key(self) -> str:  # what `failed` says when a reply to it was refused
        return f"reply-{self.top.pk}"


@dataclass
class Row:
    """One line of a unified diff, where a comment on it goes, and the threads on it."""

    line: diffing.DiffLine
    path: str
    side: str  # "old" for a deleted line, else "new"
    number: int
    threads: list[Thread] = field(default_factory=list)
    form_here: bool = False


@dataclass
class FileBlock:
    """One file's diff on the request page: its hunks as rows, and its threads that have
    no row to sit under (outdated, or on a line the hunks do not show)."""

    path: str
    hunks: list[tuple[str, list[Row]]] | None  # None: too large to show
    elsewhere: list[Thread] = field(default_factory=list)
    status: str = "modified"
    note: str = ""  # a change no line diff shows: binary, renamed, mode
    mode: str = ""  # a text file's change of mode, beside its line diff


def _note(change: skilltree.FileChange) -> str:
    if change.status == "renamed":
        return f"renamed from {change.old_path}"
    if change.mode_changed:
        return "made executable" if change.new and change.new.executable else "no longer executable"
    return "binary" if not change.text else ""


def threads_of(request: ChangeRequest) -> list[Thread]:
    comments = list(request.comments.select_related("author", "version", "resolved_by"))
    tops = [c for c in comments if c.reply_to_id is None]
    keys = [(c.path, c.side) for c in tops if c.line]
    lines = lines_by_side(request, keys) if keys else {}
    return [
        Thread(top, [c for c in comments if c.reply_to_id == top.pk], top.is_outdated(lines))
        for top in tops
    ]


def _rows(path: str, hunks: list[diffing.Hunk], placed: dict, form_at: tuple) -> list:
    out = []
    for hunk in hunks:
        rows = []
        for line in hunk.lines:
            side = "old" if line.op == "delete" else "new"
            number = line.old_no if side == "old" else line.new_no
            row = Row(line, path, side, number or 0, form_here=form_at == (path, side, number))
            for key in ((path, "old", line.old_no), (path, "new", line.new_no)):
                row.threads += placed.pop(key, [])
            rows.append(row)
        out.append((hunk.header, rows))
    return out


def file_blocks(request: ChangeRequest, threads: list[Thread], form_at: tuple) -> list[FileBlock]:
    """SKILL.md (the item's text) first, then a skill's other changed text files."""
    sides = sides_of(request)
    placed: dict[tuple, list[Thread]] = {}
    for thread in threads:
        if thread.top.line and not thread.outdated:
            key = (thread.top.path or SKILL_MD, thread.top.side, thread.top.line)
            placed.setdefault(key, []).append(thread)
    hunks = diffing.page_hunks(sides.text(SKILL_MD, "old"), sides.text(SKILL_MD, "new"))
    rows = _rows(SKILL_MD, hunks, placed, form_at) if hunks is not None else None
    blocks = [FileBlock(SKILL_MD, rows, status="modified" if sides.old else "added")]
    others = []  # changes without lines to comment on
    if request.skill.kind == Kind.SKILL:
        old_tree = sides.old.tree() if sides.old else {}
        # page_file_diffs keeps to one page's caps over all the files together.
        for diff in skilltree.page_file_diffs(old_tree, sides.new.tree()):
            change, note = diff.change, _note(diff.change)
            if diff.hunks is not None or diff.too_large:
                hunks = diff.hunks
                rows = _rows(change.path, hunks, placed, form_at) if hunks is not None else None
                blocks.append(FileBlock(change.path, rows, status=change.status, mode=note))
            elif note:
                others.append(FileBlock(change.path, [], status=change.status, note=note))
    blocks += others
    by_path = {block.path: block for block in blocks}
    for thread in threads:
        if not thread.top.line:
            continue
        block = by_path.get(thread.top.path or SKILL_MD)
        if block is None:  # a file the diff no longer has: under SKILL.md's
            blocks[0].elsewhere.append(thread)
        elif not any(thread in row.threads for _, rows in block.hunks or [] for row in rows):
            block.elsewhere.append(thread)
    return blocks


@dataclass
class ReviewRow:
    review: Review
    current: bool  # on the request's current version (else "as of vN")


def review_rows(request: ChangeRequest) -> list[ReviewRow]:
    """Each reviewer's newest review: those of the current version first, then older ones."""
    current = request.current_reviews()
    seen = {review.reviewer_id for review in current}
    older: dict[int, Review] = {}
    for review in request.reviews.select_related("reviewer", "version").order_by("-created_at"):
        if review.reviewer_id not in seen and review.reviewer_id not in older:
            older[review.reviewer_id] = review
    return [ReviewRow(r, True) for r in current] + [ReviewRow(r, False) for r in older.values()]


def problems_of(version: Version) -> dict[str, list]:
    """The version's errors (they block) and warnings (an approver says they read them)."""
    problems = version.problems or []
    return {
        "errors": [p for p in problems if p.get("severity") == "error"],
        "warnings": [p for p in problems if p.get("severity") == "warning"],
    }
