from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

# Accounts are made by an admin and there is no e-mail: sign in, sign out and
# change your own password, but no self-service password reset.
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include(accounts)),
    path("edit/", include("editor.urls")),
    path("", include("catalog.urls")),
]

handler400 = "skillhub.errors.bad_request"
handler404 = "skillhub.errors.not_found"
handler500 = "skillhub.errors.server_error"  # JSON under /api/
