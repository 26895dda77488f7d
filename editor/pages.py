"""What the edit page of a skill shows of its files, and how a change to them is read:
the helpers of editor.views' file views (views stay short; domain logic is in catalog)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from catalog import diffing, highlighting, rendering, skillfile, skilltree
from catalog.blobs import Blob, read_blobs
from catalog.converters import whole_number
from catalog.models import EditConflict, Skill, Version
from editor.forms import EditForm, FileForm


def editable_item(kind: str, name: str) -> Skill:
    """The item an editor URL names, with what its pages show; 404 for an archived one."""
    try:
        return (
            Skill.objects.active()
            .select_related("latest__analysis", "published__analysis")
            .lookup(kind, name)
        )
    except Skill.DoesNotExist:
        raise Http404(f"No {kind} called {name}.") from None


def files_url(skill: Skill) -> str:
    """Where the editor serves the files of a skill's latest version (drafts too), for
    relative links in a preview: `<files_url>references/forms.md`."""
    return reverse("editor:file", args=[skill.name, "x"]).removesuffix("x")


def file_preview(skill: Skill, path: str, text: str) -> str:
    """A text file beside the editor: markdown rendered (its relative links resolved from
    its own folder), anything else highlighted by its name."""
    if not path.lower().endswith(".md"):
        return highlighting.highlight_file(path, text)
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    hosts = settings.SKILLHUB_IMAGE_HOSTS
    text = skillfile.normalise(text)
    return rendering.render_markdown(text, hosts, files_url(skill) + folder, first_line=1)


def tree_nav(tree: skilltree.Tree) -> list[dict]:
    """The files as nested folders (folders first, then files, by name) for the page."""
    root: dict = {}
    for path, file in tree.items():
        *folders, name = path.split("/")
        node = root
        for folder in folders:
            node = node.setdefault(folder + "/", {})
        node[name] = file

    def nodes(level: dict, prefix: str) -> list[dict]:
        folders = sorted(k for k in level if k.endswith("/"))
        files = sorted(k for k in level if not k.endswith("/"))
        return [{"name": k[:-1], "children": nodes(level[k], prefix + k)} for k in folders] + [
            {"name": k, "path": prefix + k, "file": level[k]} for k in files
        ]

    return nodes(root, "")


def conflict_files(conflict: EditConflict | None) -> list[dict]:
    """Each other file in conflict: why, and its two sides (text: side by side)."""
    if conflict is None or not conflict.files:
        return []
    theirs_tree, mine_tree = conflict.theirs.tree(), conflict.mine_files or {}
    found = []
    for path, why in conflict.files:
        theirs, mine = theirs_tree.get(path), mine_tree.get(path)
        rows = None
        if theirs is not None and mine is not None and theirs.is_text and mine.is_text:
            hunks = diffing.side_by_side(theirs.text, mine.text)
            rows = [row for hunk in hunks for row in hunk]
        found.append({"path": path, "why": why, "theirs": theirs, "mine": mine, "rows": rows})
    return found


def errors_of(form: forms.BaseForm) -> list[str]:
    """Every error of a files form, for the one alert the files panel shows."""
    if not isinstance(form, FileForm) or not form.is_bound:
        return []
    return [str(message) for errors in form.errors.values() for message in errors]


def editor_form(on: Version, path: str) -> EditForm | FileForm:
    """The editor's form for `path` (SKILL.md or a file) of version `on`, unchanged."""
    if path == skilltree.SKILL_MD:
        return EditForm(initial={"text": on.text, "base_version": on.number})
    file = on.tree()[path]
    initial = {"action": "save", "path": path, "base_version": on.number}
    return FileForm(initial={**initial, "text": file.text} if file.is_text else initial)


def upload_bytes(form: FileForm) -> bytes | None:
    """The uploaded file's bytes, or those of the upload a conflict page kept."""
    data = form.cleaned_data
    if data["action"] != "upload":
        return None
    if data.get("upload"):
        return data["upload"].read()
    try:
        return read_blobs([data["upload_sha256"]])[data["upload_sha256"]]
    except Blob.DoesNotExist:
        raise ValidationError(
            {"upload": "The kept upload is gone: choose the file again."}
        ) from None


def conflict_form(form: FileForm, upload: bytes | None) -> FileForm:
    """The form again after a 409, still on the version the change is on (as EditForm):
    an upload is kept as a blob (content-addressed, so nothing is stored twice) and the
    form names it, so that trying again needs nothing sent twice."""
    data = {**form.cleaned_data, "upload": None, "resolved_version": None}
    data["base_version"] = form.cleaned_data["resolved_version"] or data["base_version"]
    if upload is not None:
        data["upload_sha256"] = Blob.store(upload).sha256
    return FileForm(initial=data)


def form_version(skill: Skill, form: EditForm | FileForm) -> Version:
    """The version a form is on (its base_version), else the latest."""
    number = whole_number(str(form["base_version"].value() or ""))
    latest = skill.latest_version
    if number is None or number == latest.number:
        return latest  # no query: the page was opened on the newest version
    return skill.version_numbered(number) or latest
