"""The team's editor. Views parse the request, call one catalog method, render."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import bundles, collisions, diffing, field_diffs, skillfile, skilltree
from catalog.importing import SessionPendingImport, check_upload
from catalog.models import (
    PUBLISH_PERMISSION,
    EditConflict,
    Event,
    Kind,
    SaveResult,
    Skill,
    Tag,
    Version,
    owners_of,
    publish_version,
)
from catalog.models.owners import owned_tags_changed
from catalog.previews import Preview, StoredPreview, build_preview, stored_preview
from catalog.views import file_response
from editor import pages
from editor.forms import (
    EditForm,
    FileForm,
    ImportForm,
    NewSkillForm,
    PreviewForm,
    RenameForm,
    TagsForm,
    VersionForm,
    add_errors,
)
from editor.requests import EditorRequest

publisher_required = permission_required(PUBLISH_PERMISSION, raise_exception=True)


def _get_version(skill: Skill, ref: str | None) -> Version:
    """A version by number, or `latest` / `published` (Skill.version_named), else 404."""
    version = skill.version_named(ref)
    if version is None:
        raise Http404(f"{skill.display_name} has no version {ref!r}.")
    return version


@login_required
@require_GET
def dashboard(request: EditorRequest) -> HttpResponse:
    skills = (
        Skill.objects.active()
        .select_related("latest__author", "latest__analysis")
        .defer(
            "latest__text",
            "latest__analysis__html",
            "latest__analysis__metadata",
            "latest__analysis__problems",
        )
        .prefetch_related("tags")
        .order_by("-updated_at")
    )
    q, kind, tag = request.GET.get("q", "").strip(), request.GET.get("kind"), request.GET.get("tag")
    if q:
        skills = skills.filter(Q(name__icontains=q) | Q(latest__description__icontains=q))
    if kind in Kind.values:
        skills = skills.filter(kind=kind)
    if tag:
        skills = skills.filter(tags__name=tag)
    page = Paginator(skills, 50).get_page(request.GET.get("page"))
    clashes = collisions.clashes(page.object_list, Skill.objects.active())
    for skill in page.object_list:  # the page's own rows: the template shows them
        skill.clashes = clashes[skill.pk]
    context = {
        "page": page,
        "q": q,
        "kind": kind,
        "tag": tag,
        "kinds": Kind.choices,
        "tags": Tag.objects.all(),
    }
    template = "editor/dashboard.html#items" if request.htmx else "editor/dashboard.html"
    return render(request, template, context)


@login_required
@require_POST
def preview(request: EditorRequest) -> HttpResponse:
    data = PreviewForm(request.POST).sent()
    text, kind, name = data.get("text") or "", data.get("kind") or Kind.COMMAND, data.get("name")
    on = _edited_version(kind, name, data.get("base_version"))
    path = data.get("path") or skilltree.SKILL_MD
    if on is not None and path != skilltree.SKILL_MD:
        context = {"file_preview": pages.file_preview(on.skill, path, text)}
        return render(request, "editor/edit.html#file-preview", context)
    files = on.tree() if on is not None else None
    files_url = pages.files_url(on.skill) if on is not None and files else ""
    result = build_preview(text, kind, name, data.get("arguments") or "", files, files_url)
    response = render(request, "editor/edit.html#preview", {"preview": result})
    if request.POST.get("new_item"):  # and the new-item page's line on where it goes
        where = {"where": skillfile.where_it_goes(kind, name or ""), "oob": True}
        response.write(render_to_string("editor/new.html#name-path", where, request))
    return response


def _edited_version(kind: str, name: str | None, number: int | None) -> Version | None:
    """The version of a skill (with files) that a preview's text is edited on, if any:
    the text is linted against its files and links to them."""
    if kind != Kind.SKILL or not name or number is None:
        return None
    skill = Skill.objects.active().named(kind, name).first()
    return skill.version_numbered(number) if skill else None


@login_required
@require_http_methods(["GET", "POST"])
def new(request: EditorRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else Kind.COMMAND
    initial = {"kind": kind, "text": skillfile.new_item_template(kind)}
    form = NewSkillForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = Skill.create(
                data["kind"], data["name"], data["text"], request.user, data["message"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Created {data['name']} v1.")
            return redirect(result.version.skill.get_edit_url())
    status = 400 if form.errors else 200
    text = form["text"].value() or ""
    kind = form["kind"].value() or Kind.COMMAND
    name = form["name"].value() or ""
    context = {
        "form": form,
        "preview": build_preview(text, kind, name),
        "vocabulary": skillfile.vocabulary(),
        "where": skillfile.where_it_goes(kind, name),
    }
    return render(request, "editor/new.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    skill = pages.editable_item(kind, name)
    latest = skill.latest_version  # as it was when the request came (a save redirects)
    initial = {"text": latest.text, "base_version": latest.number}
    form = EditForm(request.POST or None, initial=initial)
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = skill.save_version(
                data["text"],
                request.user,
                data["message"],
                data["base_version"],
                resolved_number=data["resolved_version"],
            )
        except EditConflict as error:
            conflict, status = error, 409
            # The form keeps the version the text is on, not the newest: saving again
            # merges again, until the author says they merged theirs in (the resolve button).
            on = data["resolved_version"] or data["base_version"]
            form = EditForm(initial={**data, "base_version": on, "resolved_version": None})
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _saved_message(result))
            return redirect(skill.get_edit_url())
    if form.errors:
        status = 400
    path = request.GET.get("file") or skilltree.SKILL_MD
    if request.method == "GET" and skill.kind == Kind.SKILL and path != skilltree.SKILL_MD:
        if path not in latest.tree():
            raise Http404(f"v{latest.number} of {skill.name} has no file {path}.")
        return _edit_page(request, skill, pages.editor_form(latest, path), path=path)
    return _edit_page(request, skill, form, conflict=conflict, status=status)


def _edit_page(
    request: HttpRequest,
    skill: Skill,
    form: EditForm | FileForm,
    *,
    path: str = skilltree.SKILL_MD,
    conflict: EditConflict | None = None,
    status: int = 200,
    file_form: FileForm | None = None,
) -> HttpResponse:
    """The edit page: for a skill, its file tree, and SKILL.md or the file at `path` in the
    editor (a binary file: its facts), as of the version the form is on. `file_form` is a
    change to the files that was refused or conflicted, shown with its errors."""
    on = pages.form_version(skill, form)
    tree = on.tree() if skill.kind == Kind.SKILL else {}
    file = tree.get(path)
    if conflict is not None and conflict.mine_files is not None and path in conflict.mine_files:
        file = conflict.mine_files[path]  # what the author sent, not what the base had
    text = form["text"].value() or ""
    context: dict[str, object] = {
        "skill": skill,
        "form": form,
        "on": on,
        "conflict": conflict,
        "conflict_rows": _conflict_rows(conflict),
        "conflict_files": pages.conflict_files(conflict),
        "tags_form": TagsForm(initial={"tags": " ".join(t.name for t in skill.tags.all())}),
        "tree_nav": pages.tree_nav(tree) if skill.kind == Kind.SKILL else None,
        "path": path,
        "file": file,
        "file_form": file_form,
        "file_errors": pages.errors_of(file_form if file_form is not None else form),
        "vocabulary": skillfile.vocabulary(),
        "fields": skillfile.fields_of(skill.kind),
        "presence_seconds": settings.SKILLHUB_PRESENCE_SECONDS,
        "owners": owners_of(skill),  # the owners panel: the item's and its tags'
    }
    if path == skilltree.SKILL_MD:
        context["preview"] = _edit_preview(skill, text, on, tree)
    elif file is not None and file.is_text:
        context["file_preview"] = pages.file_preview(skill, path, text)
    return render(request, "editor/edit.html", context, status=status)


def _edit_preview(
    skill: Skill, text: str, on: Version, tree: skilltree.Tree
) -> Preview | StoredPreview:
    """The preview of the latest version is stored with it: only other text is parsed.
    A skill with files is previewed afresh, so that its links open the editor's copy of
    its files (the stored HTML links the public ones, which a draft does not have)."""
    if not tree and skillfile.normalise(text) == skill.latest_version.text:
        return stored_preview(skill.latest_version)
    files_url = pages.files_url(skill) if tree else ""
    return build_preview(text, skill.kind, skill.name, files=tree, files_url=files_url)


def _saved_message(result: SaveResult) -> str:
    if not result.created:
        return f"No changes: v{result.version.number} already has this text."
    message = f"Saved v{result.version.number}."
    if result.merged_with:
        who, number = result.merged_with.author_name, result.merged_with.number
        message += f" Merged with changes by {who} in v{number}."
    return message


def _conflict_rows(conflict: EditConflict | None) -> list[diffing.Row] | None:
    """SKILL.md's two sides, if SKILL.md is in conflict."""
    if conflict is None or not conflict.conflicts:
        return None
    return [
        row for hunk in diffing.side_by_side(conflict.theirs.text, conflict.mine) for row in hunk
    ]


@login_required
@require_POST
def files(request: EditorRequest, name: str) -> HttpResponse:
    """One change to a skill's files (FileForm.ACTIONS), saved as a new version of the
    whole tree on top of `base_version`, merged like any stale save."""
    skill = pages.editable_item(Kind.SKILL, name)
    form = FileForm(request.POST, request.FILES)
    path, conflict, status = request.POST.get("path") or skilltree.SKILL_MD, None, 400
    if form.is_valid():
        data = form.cleaned_data
        path = data["path"]
        base = skill.version_numbered(data["base_version"])
        try:
            if base is None:
                raise ValidationError({"base_version": f"There is no v{data['base_version']}."})
            upload = pages.upload_bytes(form)
            result = skill.save_version(
                base.text,
                request.user,
                data["message"],
                data["base_version"],
                resolved_number=data["resolved_version"],
                files=form.tree_after(base.tree(), upload),
            )
        except EditConflict as error:
            conflict, status = error, 409
            form = pages.conflict_form(form, upload)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _saved_message(result))
            target = form.target if data["action"] != "delete" else ""
            return redirect(skill.get_edit_url() + (f"?file={quote(target)}" if target else ""))
    on = pages.form_version(skill, form)
    if request.POST.get("action") == "save" and path in on.tree():
        return _edit_page(request, skill, form, path=path, conflict=conflict, status=status)
    # Any other change is shown beside the editor, which opens the file it was about.
    path = path if path in on.tree() else skilltree.SKILL_MD
    editor = pages.editor_form(on, path)
    return _edit_page(
        request, skill, editor, path=path, conflict=conflict, status=status, file_form=form
    )


@login_required
@require_GET
def file(request: EditorRequest, name: str, path: str) -> HttpResponse:
    """One file of any version of a skill (`version=N`, default the latest), drafts
    included, as the public file URL serves a published one."""
    skill = pages.editable_item(Kind.SKILL, name)
    version = _get_version(skill, request.GET.get("version"))
    found = version.file(path)
    if found is None:
        raise Http404(f"v{version.number} of {skill.name} has no file {path}.")
    return file_response(found)


@login_required
@require_GET
def history(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    skill = pages.editable_item(kind, name)
    versions = skill.versions.select_related("author", "analysis").defer(
        "text", "analysis__html", "analysis__metadata"
    )
    return render(request, "editor/history.html", {"skill": skill, "versions": versions})


@login_required
@require_http_methods(["GET", "POST"])
def diff(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    """Two versions, or (POST `text`) the unsaved text against the latest."""
    skill = pages.editable_item(kind, name)
    if request.method == "POST":
        old, new = skill.latest_version, None
        new_text, new_label = request.POST.get("text", ""), "unsaved text"
    else:
        old = _get_version(skill, request.GET.get("from") or _previous(skill))
        new = _get_version(skill, request.GET.get("to", "latest"))
        new_text, new_label = new.text, f"v{new.number}"
    if new is not None or skillfile.normalise(new_text) == old.text:
        new_meta = (new or old).metadata
    else:  # only the fields are compared: no need to render the unsaved text
        new_meta = skillfile.parse(new_text, kind=skill.kind, name=skill.name).metadata
    layout = "side" if request.GET.get("view") == "side" else "unified"
    hunks = diffing.page_hunks(old.text, new_text)
    context = {
        "too_large": diffing.PAGE_LIMITS if hunks is None else "",
        "skill": skill,
        "old": old,
        "new": new,
        "new_label": new_label,
        "layout": layout,
        "fields": field_diffs.frontmatter_diff(old.metadata, new_meta),
        "hunks": hunks,
        "side": [(hunk, diffing.rows(hunk)) for hunk in hunks or []] if layout == "side" else None,
        "stats": diffing.hunk_stats(hunks or []),
        "versions": skill.versions.only("number"),
        # A skill's other files, between two versions (an unsaved text changes none).
        "file_diffs": skilltree.page_file_diffs(old.tree(), new.tree())
        if new is not None and skill.kind == Kind.SKILL
        else [],
    }
    return render(request, "editor/diff.html#diff" if request.htmx else "editor/diff.html", context)


@login_required
@require_GET
def raw(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    """One version's file as stored (`version=N`, default the latest), drafts included:
    for comparing versions whose diff is too large to show on a page."""
    skill = pages.editable_item(kind, name)
    version = _get_version(skill, request.GET.get("version"))
    response = HttpResponse(version.data, content_type="text/markdown; charset=utf-8")
    file_name = f"{skill.bundle_path.rsplit('/', 1)[-1].removesuffix('.md')}.v{version.number}.md"
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _previous(skill: Skill) -> str:
    return str(max(skill.latest_version.number - 1, 1))


def _posted_version(request: HttpRequest, skill: Skill) -> Version | None:
    """The version a publish or restore form names (None if it names none; 404 if unknown)."""
    form = VersionForm(request.POST)
    if not form.is_valid():
        return None
    return _get_version(skill, str(form.cleaned_data["version"]))


def _back(request: HttpRequest, skill: Skill) -> HttpResponseRedirect:
    """Back where the form was (`next`), unless that would leave this site."""
    target = request.POST.get("next", "")  # absent or empty: not safe either
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return redirect(target if safe else skill.get_edit_url())


@login_required
@publisher_required
@require_POST
def publish(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    version = _posted_version(request, skill)
    if version is None:
        messages.error(request, "Say which version to publish.")
        return _back(request, skill)
    try:
        said = publish_version(skill, version, request.user)  # as the review policy allows
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, said)
    return _back(request, skill)


@login_required
@publisher_required
@require_POST
def unpublish(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    skill.unpublish(request.user)
    messages.success(request, f"{skill.display_name} is no longer public.")
    return redirect(skill.get_edit_url())


@login_required
@publisher_required
@require_POST
def restore(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    version = _posted_version(request, skill)
    if version is None:
        messages.error(request, "Say which version to restore.")
        return _back(request, skill)
    result = skill.restore(version, request.user)
    if result.created:
        messages.success(request, f"Restored v{version.number} as v{result.version.number}.")
    else:
        messages.info(
            request, f"v{result.version.number} already has the text of v{version.number}."
        )
    return _back(request, skill)


@login_required
@publisher_required
@require_POST
def rename(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    form = RenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what the new name is.")
        return redirect(skill.get_edit_url())
    was = skill.display_name
    try:
        result = skill.rename(form.cleaned_data["name"], request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("editor:edit", kind, name)
    saved = f" v{result.version.number} carries the new name." if result else ""
    messages.success(
        request, f"Renamed {was} to {skill.display_name}; its old URLs redirect here.{saved}"
    )
    return redirect(skill.get_edit_url())


@login_required
@publisher_required
@require_POST
def archive(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    skill.archive(request.user)
    messages.success(
        request,
        f"Archived {skill.display_name}: it has left the catalog and the editor. "
        "Nothing was deleted; an admin can bring it back.",
    )
    return redirect("editor:dashboard")


@login_required
@require_POST
def tags(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    skill = pages.editable_item(kind, name)
    form = TagsForm(request.POST)
    owned = owned_tags_changed(skill, form.cleaned_data["tags"]) if form.is_valid() else []
    if owned and not request.user.has_perm(PUBLISH_PERMISSION):
        # A tag's owners must approve the item's publications: who does is a publisher's call.
        names = ", ".join(owned)
        messages.error(request, f"Only a publisher adds or removes a tag with owners ({names}).")
    elif form.is_valid():
        skill.set_tags(form.cleaned_data["tags"])
        messages.success(request, "Tags saved.")
    else:
        messages.error(request, " ".join(str(message) for message in form.errors["tags"]))
    return redirect(skill.get_edit_url())


@login_required
@require_GET
def audit(request: EditorRequest) -> HttpResponse:
    events = Event.objects.select_related("skill", "version", "actor", "plugin", "release")
    action, q = request.GET.get("action"), request.GET.get("q", "").strip()
    if action in Event.Action.values:
        events = events.filter(action=action)
    if q:
        # A rename's detail holds the old name, so the old name finds the item's events.
        named = Q(skill__name__icontains=q) | Q(plugin__name__icontains=q) | Q(detail__icontains=q)
        events = events.filter(named | Q(actor__username__iexact=q))
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    context = {"page": page, "action": action, "q": q, "actions": Event.Action.choices}
    return render(request, "editor/audit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: EditorRequest) -> HttpResponse:
    """Upload → dry-run report → confirm; the checked entries wait in the session
    (SessionPendingImport) for the confirm."""
    form, report, error_lines = ImportForm(), None, None
    session_import = SessionPendingImport(request.session)
    if request.method == "POST" and "confirm" in request.POST:
        report = session_import.confirm(request.POST["confirm"], request.user)
        if report is None:
            messages.error(request, "Nothing to import: upload the file again.")
            return redirect("editor:import")
        if report.applied:
            messages.success(request, f"Imported: {report.summary()}.")
            return redirect("editor:dashboard")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report, waiting = check_upload(upload.name, upload.read(), request.user)
            except bundles.ArchiveError as error:
                error_lines = error.problems
            else:
                if waiting is not None:
                    session_import.keep(waiting)
    status = 400 if (error_lines or form.errors or (report and report.refused)) else 200
    context = {"form": form, "report": report, "error_lines": error_lines}
    return render(request, "editor/import.html", context, status=status)
