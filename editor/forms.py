import re
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog import skillfile, skilltree
from catalog.importing import archive_limits
from catalog.models import Kind, tree_limits

TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


class NewSkillForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.COMMAND)
    name = forms.CharField(
        max_length=255,
        help_text="Commands: git:commit for .claude/commands/git/commit.md. Others: my-skill.",
    )
    # Initially the kind's template (skillfile.new_item_template), which the view gives.
    text = forms.CharField(widget=forms.Textarea, strip=False)
    message = forms.CharField(max_length=500, required=False)


class _OnVersionForm(forms.Form):
    """A save of a new version: why, and the version it was begun from."""

    message = forms.CharField(max_length=500, required=False)
    # Every save names the version it started from, so a stale save merges or
    # conflicts instead of silently overwriting what landed since.
    base_version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": "The form lost the version you started from: reload the page."},
    )
    # Sent only by the conflict page's "save on top of vN" button: the version whose
    # conflicting changes the author has resolved by hand, so the text wins where the two
    # overlap and vN's other changes are kept. Without it a stale save is merged
    # three-way or conflicts again.
    resolved_version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class EditForm(_OnVersionForm):
    text = forms.CharField(widget=forms.Textarea, strip=False, required=False)
    field_order = ["text", "message", "base_version", "resolved_version"]


class FileForm(_OnVersionForm):
    """One change to a skill's files, made on the tree of `base_version`: the view saves
    the tree it gives (tree_after) as the next version, merged like any stale save."""

    ACTIONS = {
        "save": "Save the file",
        "add": "Add a file",
        "upload": "Upload a file",
        "rename": "Rename",
        "delete": "Delete",
        "mode": "Toggle executable",
    }
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    # The file acted on (upload: where it goes; a folder ending in "/", or nothing,
    # takes the uploaded file's own name).
    path = forms.CharField(max_length=1000, required=False, strip=False)
    new_path = forms.CharField(max_length=1000, required=False, strip=False)
    text = forms.CharField(widget=forms.Textarea, strip=False, required=False)
    upload = forms.FileField(required=False)
    # The sha256 of an upload kept from a conflict page, so it need not be sent again.
    upload_sha256 = forms.RegexField(r"\A[0-9a-f]{64}\Z", required=False)

    def clean_upload(self) -> UploadedFile | Literal[False] | None:  # False: "clear" ticked
        upload = self.cleaned_data["upload"]
        limit = tree_limits().max_file_bytes
        if upload and upload.size > limit:  # refuse before reading it into memory
            raise forms.ValidationError(
                f"{upload.name} is {upload.size:,} bytes, over the limit of {limit:,} per file."
            )
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action, path = data.get("action"), data.get("path") or ""
        if action == "upload":
            upload = data.get("upload")
            if not upload and not data.get("upload_sha256"):
                self.add_error("upload", "Choose a file to upload.")
            elif (not path or path.endswith("/")) and upload:
                data["path"] = path + upload.name
        elif action and not path:
            self.add_error("path", "Say which file.")
        if action == "rename" and not data.get("new_path"):
            self.add_error("new_path", "Say the file's new path.")
        return data

    @property
    def target(self) -> str:
        """The path of the file after the change (for the page to open next)."""
        data = self.cleaned_data
        return data["new_path"] if data["action"] == "rename" else data["path"]

    def tree_after(self, tree: skilltree.Tree, upload: bytes | None) -> skilltree.Tree:
        """`tree` with this change made, or ValidationError({"files": …}) if it cannot be
        made on it. The new tree's paths are checked by save_version (tree_problems)."""
        data = self.cleaned_data
        action, path = data["action"], data["path"]
        tree = dict(tree)
        old = tree.get(path)
        if action in ("add", "upload", "rename") and path == skilltree.SKILL_MD:
            raise _files_error("SKILL.md is the skill's own text: edit it in the editor.")
        if action == "add" and old is not None:
            raise _files_error(f"{path} already exists: open it to edit it.")
        if action in ("save", "rename", "delete", "mode") and old is None:
            raise _files_error(f"v{data['base_version']} has no file {path}.")
        if action in ("save", "add"):
            tree[path] = skilltree.TreeFile(path, _text_bytes(data["text"], old), _x(old))
        elif action == "upload":
            tree[path] = skilltree.TreeFile(path, upload or b"", _x(old))
        elif old is not None:  # the rest change a file that exists (refused above if not)
            if action == "rename":
                new_path = data["new_path"]
                if new_path in tree or new_path == skilltree.SKILL_MD:
                    raise _files_error(f"{new_path} already exists.")
                del tree[path]
                tree[new_path] = skilltree.TreeFile(new_path, old.data, old.executable)
            elif action == "delete":
                del tree[path]
            elif action == "mode":
                tree[path] = skilltree.TreeFile(path, old.data, not old.executable)
        return skilltree.as_tree(tree.values())


def _files_error(message: str) -> forms.ValidationError:
    return forms.ValidationError({"files": [message]})


def _x(file: skilltree.TreeFile | None) -> bool:
    return bool(file and file.executable)


def _text_bytes(text: str, old: skilltree.TreeFile | None) -> bytes:
    """A textarea's text as the file's bytes. Browsers send CRLF line ends: a file that
    had none keeps LF ends (and no BOM), so saving it unchanged changes nothing."""
    if old is None or b"\r\n" not in old.data:
        text = skillfile.normalise(text)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _files_error("The text is not valid UTF-8 (it holds a lone surrogate).") from None


class PreviewForm(forms.Form):
    """What the live preview is sent as someone types. The preview never refuses: it
    answers whatever it is sent with a fragment (tests/test_hostile_input.py), so read it
    through sent(), not is_valid()."""

    text = forms.CharField(strip=False, required=False)
    kind = forms.ChoiceField(choices=Kind.choices, required=False)
    name = forms.CharField(max_length=255, required=False)
    arguments = forms.CharField(max_length=2000, required=False, strip=False)
    # A skill's editor sends the version it is on and the file it edits, so that the
    # preview lints against that version's files (and previews other files as such).
    base_version = forms.IntegerField(min_value=1, required=False)
    path = forms.CharField(max_length=1000, required=False, strip=False)

    def sent(self) -> dict[str, Any]:
        """The fields that validated. One that did not (an unknown kind, a name or
        arguments over their limit, a version that is no number) counts as not sent, and
        the preview uses its default."""
        self.full_clean()
        return self.cleaned_data


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class TagsForm(forms.Form):
    tags = forms.CharField(
        max_length=500, required=False, help_text="Separated by spaces or commas."
    )

    def clean_tags(self) -> list[str]:
        names = self.cleaned_data["tags"].replace(",", " ").lower().split()
        bad = [name for name in names if not TAG_RE.fullmatch(name)]
        if bad:
            raise forms.ValidationError(
                f"{', '.join(bad)}: a tag is lowercase letters, digits and hyphens, up to 50."
            )
        return names


class RenameForm(forms.Form):
    name = forms.CharField(max_length=255, strip=True)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A .md file, or a .zip or .tar.gz bundle.")

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit = archive_limits().max_upload_bytes
        if upload.size > limit:  # refuse before reading it into memory
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes, over the upload limit of {limit:,} bytes."
            )
        return upload


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A model's ValidationError on the form: each field's messages by their field (the
    form's own errors for fields it does not have)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
