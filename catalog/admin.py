from django.contrib import admin

from catalog.models import Event, Skill, Tag, Version


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "state", "archived", "updated_at"]
    list_filter = ["kind", "archived", "tags"]
    search_fields = ["name"]
    readonly_fields = ["latest", "published", "published_at", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead: nothing is ever hard-deleted


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ["skill", "number", "author", "result", "created_at"]
    list_filter = ["result"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Tag)
admin.site.register(Event)
