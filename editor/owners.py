"""The owners of an item (catalog/models/owners.py), set by publishers on its edit page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from catalog.models.owners import parse_owners, set_owners
from editor import pages
from editor.requests import EditorRequest
from editor.views import publisher_required


@login_required
@publisher_required
@require_POST
def owners(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    """Make the users and @groups named in `owners` the item's owners (publishers only)."""
    skill = pages.editable_item(kind, name)
    try:
        users, groups = parse_owners(request.POST.get("owners", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        set_owners(skill, users, groups, request.user)
        named = [u.username for u in users] + [f"@{g.name}" for g in groups]
        messages.success(request, f"Owners: {', '.join(named)}." if named else "No owners now.")
    return redirect(skill.get_edit_url())
