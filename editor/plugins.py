"""The team's plugins in the editor: list, create, edit details and items, release.

Views parse the request, call one catalog method, render; the release preview's
layout is catalog.plugin_views.change_set, shared with the public release page.
"""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog import plugin_names, semver
from catalog.models import PUBLISH_PERMISSION, Kind, NextRelease, Plugin, ReleaseError, Skill
from catalog.models.plugins import DETAIL_FIELDS, MAX_KEYWORDS
from catalog.plugin_views import change_set, item_rows
from editor.forms import add_errors
from editor.requests import EditorRequest

NOTES_MAX = 20_000


# -- forms -------------------------------------------------------------------------


class PluginDetailsForm(forms.Form):
    """What Plugin.update_details takes; the model checks the values (URL, keywords)."""

    description = forms.CharField(max_length=500, required=False, widget=forms.Textarea)
    author = forms.CharField(max_length=200, required=False, help_text="Name or Name <email>")
    homepage = forms.CharField(max_length=500, required=False, help_text="https://…")
    license = forms.CharField(max_length=100, required=False, help_text="An SPDX id such as MIT")
    keywords = forms.CharField(
        max_length=MAX_KEYWORDS * 52,
        required=False,
        help_text=f"Separated by commas, at most {MAX_KEYWORDS}",
    )
    category = forms.CharField(max_length=100, required=False)

    def details(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in DETAIL_FIELDS}


class NewPluginForm(PluginDetailsForm):
    name = forms.CharField(max_length=plugin_names.NAME_MAX, help_text=plugin_names.NAME_RULE)
    field_order = ["name", *DETAIL_FIELDS]


def item_key(skill: Skill) -> str:
    """An item as a checkbox's value: kind/name (names never hold a slash)."""
    return f"{skill.kind}/{skill.name}"


class PluginForm(PluginDetailsForm):
    """A plugin's details and the items its next release will hold."""

    items = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, skills: Iterable[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills = {item_key(skill): skill for skill in skills}
        items = cast(forms.MultipleChoiceField, self.fields["items"])  # as declared above
        items.choices = [(key, key) for key in self.skills]
        items.error_messages["invalid_choice"] = (
            "%(value)s is not an active item (archived or renamed meanwhile?)."
        )

    def chosen_skills(self) -> list[Skill]:
        return [self.skills[key] for key in self.cleaned_data["items"]]


class ReleaseForm(forms.Form):
    version = forms.CharField(max_length=semver.MAX_LENGTH, required=False)
    notes = forms.CharField(max_length=NOTES_MAX, required=False, widget=forms.Textarea)


# -- views -------------------------------------------------------------------------


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (a form of optional fields)."""
    return request.POST if request.method == "POST" else None


def _get_plugin(name: str) -> Plugin:
    return get_object_or_404(Plugin.objects.select_related("latest_release"), name=name)


@login_required
@require_GET
def plugin_list(request: EditorRequest) -> HttpResponse:
    plugins = Plugin.objects.select_related("latest_release").annotate(item_count=Count("items"))
    return render(request, "editor/plugins.html", {"plugins": plugins})


@login_required
@require_http_methods(["GET", "POST"])
def plugin_new(request: EditorRequest) -> HttpResponse:
    form = NewPluginForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            plugin = Plugin.create(form.cleaned_data["name"], request.user, **form.details())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Created {plugin.name}: choose its items.")
            return redirect("editor:plugin-edit", name=plugin.name)
    status = 400 if form.errors else 200
    return render(request, "editor/plugin_new.html", {"form": form}, status=status)


def _item_groups(skills: list[Skill], chosen: set[str]) -> list[tuple[str, list[dict]]]:
    """The checkboxes of every active item, by kind."""
    groups = []
    for kind, label in Kind.choices:
        rows = [
            {"skill": s, "key": item_key(s), "checked": item_key(s) in chosen}
            for s in skills
            if s.kind == kind
        ]
        if rows:
            groups.append((label, rows))
    return groups


@login_required
@require_http_methods(["GET", "POST"])
def plugin_edit(request: EditorRequest, name: str) -> HttpResponse:
    plugin = _get_plugin(name)
    skills = list(
        Skill.objects.active()
        .only("kind", "name", "published_id")
        .annotate(published_number=F("published__number"))
        .order_by("kind", "name")
    )
    initial = {key: getattr(plugin, key) for key in DETAIL_FIELDS}
    initial["keywords"] = ", ".join(plugin.keywords)
    initial["items"] = [item_key(s) for s in plugin.items.all()]
    form = PluginForm(_posted(request), initial=initial, skills=skills)
    if request.method == "POST" and form.is_valid():
        try:
            plugin.update(request.user, form.chosen_skills(), **form.details())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Saved {plugin.name}.")
            return redirect("editor:plugin-edit", name=plugin.name)
    context = {
        "plugin": plugin,
        "form": form,
        "groups": _item_groups(skills, set(form["items"].value() or [])),
    }
    return render(request, "editor/plugin_edit.html", context, status=400 if form.errors else 200)


def _preview(plugin: Plugin) -> tuple[NextRelease | None, list[str]]:
    """What releasing now would change, or why the plugin cannot be released now."""
    try:
        return plugin.next_release(), []
    except ReleaseError as error:
        return None, error.messages


@login_required
@require_http_methods(["GET", "POST"])
def plugin_release(request: EditorRequest, name: str) -> HttpResponse:
    """GET: the next release's preview and form; POST (publishers only): release it.
    A refusal keeps what was typed: 400 if the version asked for was the problem, 409 if
    the plugin's state was, since no version would do (ReleaseError.about_version)."""
    plugin = _get_plugin(name)
    may_release = request.user.has_perm(PUBLISH_PERMISSION)
    if request.method == "POST" and not may_release:
        raise PermissionDenied("Releasing a plugin needs the publish permission.")
    form, refused = ReleaseForm(_posted(request)), None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = plugin.release(request.user, data["version"], data["notes"])
        except ReleaseError as error:
            refused, plugin = error, _get_plugin(name)  # as it is now
        else:
            messages.success(request, f"Released {plugin.name} {release.version}.")
            return redirect(release.get_absolute_url())
    upcoming, problems = _preview(plugin)
    status = 400 if form.errors else 200
    if refused is not None:
        form.add_error("version" if refused.about_version else None, refused.messages)
        status = 400 if refused.about_version else 409
    elif request.method == "GET" and upcoming is not None and upcoming.proposed:
        form = ReleaseForm(initial={"version": str(upcoming.proposed)})
    context = {
        "plugin": plugin,
        "form": form,
        "problems": problems,
        "changes": change_set(upcoming) if upcoming else None,
        "items": item_rows(upcoming.versions) if upcoming else [],
        "may_release": may_release,
    }
    return render(request, "editor/plugin_release.html", context, status=status)
