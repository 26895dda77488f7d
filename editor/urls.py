from django.urls import path

import catalog.converters  # noqa: F401  (registers <kind:…> and <name:…>)
from editor import inbox, owners, plugins, presence, reviews, views

app_name = "editor"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("preview", views.preview, name="preview"),
    path("new", views.new, name="new"),
    path("import", views.import_view, name="import"),
    path("audit", views.audit, name="audit"),
    path("inbox", inbox.inbox, name="inbox"),
    path("inbox/read", inbox.mark_read, name="inbox-read"),
    path("requests/", reviews.request_list, name="requests"),
    path("requests/<int:number>/", reviews.request_page, name="request"),
    path("requests/<int:number>/comment", reviews.comment, name="request-comment"),
    path(
        "requests/<int:number>/comments/<int:comment>/resolve",
        reviews.resolve,
        name="request-resolve",
    ),
    path("requests/<int:number>/review", reviews.review, name="request-review"),
    path("requests/<int:number>/publish", reviews.publish, name="request-publish"),
    path("requests/<int:number>/close", reviews.close, name="request-close"),
    path("plugins/", plugins.plugin_list, name="plugins"),
    path("plugins/new", plugins.plugin_new, name="plugin-new"),
    path("plugins/<plugin:name>/", plugins.plugin_edit, name="plugin-edit"),
    path("plugins/<plugin:name>/release", plugins.plugin_release, name="plugin-release"),
    path("<kind:kind>s/<name:name>/", views.edit, name="edit"),
    path("<kind:kind>s/<name:name>/history", views.history, name="history"),
    path("<kind:kind>s/<name:name>/presence", presence.presence, name="presence"),
    path("<kind:kind>s/<name:name>/merge-now", presence.merge_now, name="merge-now"),
    path("<kind:kind>s/<name:name>/diff", views.diff, name="diff"),
    path("<kind:kind>s/<name:name>/raw", views.raw, name="raw"),
    # Only skills have files besides their text.
    path("skills/<name:name>/files", views.files, name="files"),
    path("skills/<name:name>/files/<path:path>", views.file, name="file"),
    path("<kind:kind>s/<name:name>/publish", views.publish, name="publish"),
    path("<kind:kind>s/<name:name>/unpublish", views.unpublish, name="unpublish"),
    path("<kind:kind>s/<name:name>/restore", views.restore, name="restore"),
    path("<kind:kind>s/<name:name>/tags", views.tags, name="tags"),
    path("<kind:kind>s/<name:name>/rename", views.rename, name="rename"),
    path("<kind:kind>s/<name:name>/archive", views.archive, name="archive"),
    path("<kind:kind>s/<name:name>/request", reviews.request_new, name="request-new"),
    path("<kind:kind>s/<name:name>/owners", owners.owners, name="owners"),
]
