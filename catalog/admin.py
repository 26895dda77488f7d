"""The admin looks; the domain writes.

Items, versions and events change only through catalog.models' methods (which
validate, render and record events), so here they are read-only but for tags
and the actions that archive and bring back (Skill.archive, unarchive). Plugins and
releases are read-only too: the editor makes them (Plugin.create, set_items, release), and a
release never changes at all.

Tag owners are the one thing of review set here (an inline on the tag: the editor has no
page for tags); what the inline holds is written by catalog.models.owners.set_owners, as
the editor's owners form writes an item's. An item's owners are shown on it, read-only:
publishers set them on its edit page.
"""

from django.contrib import admin, messages
from django.db import models

from catalog.models import Event, Owner, Plugin, Release, Skill, Tag, Version, owners_of
from catalog.models.owners import set_owners


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is ever hard-deleted


class ViewOnlyAdmin(ReadOnlyAdmin):
    # The admin builds a form even to show a row; say now what Django 6 will assume.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Skill)
class SkillAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "state", "archived", "updated_at"]
    list_filter = ["kind", "archived", "tags"]
    search_fields = ["name"]
    fields = ["kind", "name", "tags", "owners", "latest", "published", "published_at", "archived"]
    readonly_fields = ["kind", "name", "owners", "latest", "published", "published_at", "archived"]
    actions = ["archive", "unarchive"]

    @admin.display(description="owners")
    def owners(self, skill):
        """Its owners and its tags' (set on its edit page, and on each tag)."""
        labels = [f"{o.label} (tag {o.tag})" if o.tag else o.label for o in owners_of(skill)]
        return ", ".join(labels) or "none"

    @admin.action(description="Archive the selected items (they leave every page)")
    def archive(self, request, queryset):
        for skill in queryset.filter(archived=False):
            skill.archive(request.user)
        self.message_user(request, "Archived.", messages.SUCCESS)

    @admin.action(description="Bring the selected archived items back (as drafts)")
    def unarchive(self, request, queryset):
        for skill in queryset.filter(archived=True):
            skill.unarchive(request.user)
        self.message_user(request, "Brought back as drafts.", messages.SUCCESS)


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ["skill", "number", "author", "result", "created_at"]
    list_filter = ["analysis__result"]
    list_select_related = ["skill", "author", "analysis"]

    @admin.display(ordering="analysis__result")
    def result(self, version):
        return version.result

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "actor", "action", "subject", "version"]
    list_filter = ["action"]
    list_select_related = ["actor", "skill", "plugin", "release", "version"]


@admin.register(Plugin)
class PluginAdmin(ViewOnlyAdmin):
    list_display = ["name", "latest_release", "created_by", "updated_at"]
    list_select_related = ["latest_release__plugin", "created_by"]
    search_fields = ["name", "description"]
    exclude = ["items"]
    readonly_fields = ["items_held"]

    @admin.display(description="items")
    def items_held(self, plugin):
        return ", ".join(f"{s.kind} {s.name}" for s in plugin.items.order_by("kind", "name"))


@admin.register(Release)
class ReleaseAdmin(ViewOnlyAdmin):
    list_display = ["plugin", "version", "released_by", "released_at"]
    list_filter = ["plugin"]
    list_select_related = ["plugin", "released_by"]
    search_fields = ["plugin__name", "version"]
    exclude = ["items"]
    readonly_fields = ["pins"]

    @admin.display(description="pinned versions")
    def pins(self, release):
        return ", ".join(f"{v.skill.kind} {v.skill.name} v{v.number}" for v in release.pinned())


class TagOwnerInline(admin.TabularInline):
    model = Owner
    fk_name = "tag"
    fields = ["user", "group"]
    extra = 1
    verbose_name = "owner (a user or a group)"
    verbose_name_plural = "owners of every item with this tag"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "owned_by"]
    search_fields = ["name"]
    inlines = [TagOwnerInline]

    @admin.display(description="owners")
    def owned_by(self, tag):
        return ", ".join(owner.label for owner in tag.owners.select_related("user", "group"))

    def save_formset(self, request, form, formset, change):
        """The owners the inline ends with, written by the domain (set_owners)."""
        if formset.model is not Owner:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # writes nothing; says what changed, for the history
        # Unchanged blank rows have no cleaned data; rows ticked for deletion are dropped.
        kept = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        kept = [data for data in kept if not data.get("DELETE")]
        users = list(dict.fromkeys(data["user"] for data in kept if data.get("user")))
        groups = list(dict.fromkeys(data["group"] for data in kept if data.get("group")))
        set_owners(form.instance, users, groups, request.user)
