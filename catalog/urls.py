from django.urls import path, re_path
from django.views.decorators.http import require_GET

from catalog import api, gitserve, plugin_views, views, wellknown
from catalog.converters import PluginConverter  # importing it registers <kind:…>, <name:…>…
from catalog.feeds import PublishedFeed

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("export.zip", views.export, {"fmt": "zip"}, name="export-zip"),
    path("export.tar.gz", views.export, {"fmt": "tar.gz"}, name="export-tar-gz"),
    path("feed.xml", require_GET(PublishedFeed()), name="feed"),
    path(".well-known/agent-skills/index.json", wellknown.index, name="agent-skills-index"),
    path(".well-known/skills/index.json", wellknown.index, {"legacy": True}, name="skills-index"),
    path(".claude-plugin/marketplace.json", plugin_views.marketplace_json, name="marketplace-json"),
    path("marketplace.json", plugin_views.marketplace_json, name="marketplace-json-short"),
    re_path(r"^marketplace\.git/(?P<rest>.*)$", gitserve.marketplace_git, name="marketplace-git"),
    path("marketplace.git", plugin_views.marketplace_git_root, name="marketplace-git-root"),
    path("plugins/", plugin_views.plugins, name="plugins"),
    path("plugins/<plugin:name>.git", plugin_views.plugin_git_root, name="plugin-git-root"),
    re_path(
        rf"^plugins/(?P<name>{PluginConverter.regex})\.git/(?P<rest>.*)$",
        gitserve.plugin_git,
        name="plugin-git",
    ),
    path("plugins/<plugin:name>/", plugin_views.plugin, name="plugin"),
    path("plugins/<plugin:name>/<semver:version>/", plugin_views.release, name="plugin-release"),
    path(
        "plugins/<plugin:name>/<semver:version>.zip",
        plugin_views.release_archive,
        {"fmt": "zip"},
        name="plugin-release-zip",
    ),
    path(
        "plugins/<plugin:name>/<semver:version>.tar.gz",
        plugin_views.release_archive,
        {"fmt": "tar.gz"},
        name="plugin-release-tar-gz",
    ),
    path("api/skills", api.skill_list, name="api-skills"),
    path("api/skills/<kind:kind>/<name:name>", api.skill_detail, name="api-skill"),
    path("api/validate", api.validate, name="api-validate"),
    path("api/plugins", api.plugin_list, name="api-plugins"),
    path("api/plugins/<plugin:name>", api.plugin_detail, name="api-plugin"),
    re_path(r"^api/", api.not_found),  # JSON 404s for the rest of /api/
    path("<kind:kind>s/<name:name>/", views.skill, name="skill"),
    path("<kind:kind>s/<name:name>/raw", views.raw, name="raw"),
    path("skills/<name:name>/files/<path:path>", views.skill_file, name="skill-file"),
    path("skills/<name:name>.zip", views.skill_archive, {"fmt": "zip"}, name="skill-zip"),
    path("skills/<name:name>.tar.gz", views.skill_archive, {"fmt": "tar.gz"}, name="skill-tar-gz"),
]
