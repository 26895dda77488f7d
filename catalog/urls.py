from django.urls import path

import catalog.converters  # noqa: F401  (registers <kind:…> and <name:…>)
from catalog import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("<kind:kind>s/<name:name>/", views.skill, name="skill"),
    path("<kind:kind>s/<name:name>/raw", views.raw, name="raw"),
]
