"""The admin looks; the domain writes.

Items, versions and events change only through catalog.models' methods (which
validate, render and record events), so here they are read-only but for tags
and an action that archives through Skill.archive.
"""

from django.contrib import admin, messages

from catalog.models import Event, Skill, Tag, Version


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is ever hard-deleted


@admin.register(Skill)
class SkillAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "state", "archived", "updated_at"]
    list_filter = ["kind", "archived", "tags"]
    search_fields = ["name"]
    fields = ["kind", "name", "tags", "latest", "published", "published_at", "archived"]
    readonly_fields = ["kind", "name", "latest", "published", "published_at", "archived"]
    actions = ["archive"]

    @admin.action(description="Archive the selected items (they leave every page)")
    def archive(self, request, queryset):
        for skill in queryset.filter(archived=False):
            skill.archive(request.user)
        self.message_user(request, "Archived.", messages.SUCCESS)


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
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "skill", "version"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Tag)
