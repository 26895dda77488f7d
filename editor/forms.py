import re

from django import forms

from catalog.importing import archive_limits
from catalog.models import Kind

TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")

NEW_TEMPLATE = """---
description: One sentence that says what this does and when to use it
---
Write the prompt here. `$ARGUMENTS` receives what the user types after the command.
"""


class NewSkillForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.COMMAND)
    name = forms.CharField(
        max_length=255,
        help_text="Commands: git:commit for .claude/commands/git/commit.md. Others: my-skill.",
    )
    text = forms.CharField(widget=forms.Textarea, initial=NEW_TEMPLATE, strip=False)
    message = forms.CharField(max_length=500, required=False)


class EditForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, strip=False, required=False)
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


class PreviewForm(forms.Form):
    text = forms.CharField(strip=False, required=False)
    kind = forms.ChoiceField(choices=Kind.choices, required=False)
    name = forms.CharField(max_length=255, required=False)
    arguments = forms.CharField(max_length=2000, required=False, strip=False)


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


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A .md file, or a .zip or .tar.gz bundle.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = archive_limits().max_upload_bytes
        if upload.size > limit:  # refuse before reading it into memory
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes, over the upload limit of {limit:,} bytes."
            )
        return upload
