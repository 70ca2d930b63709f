"""URLs of the pages readers load."""

from django.urls import path

from liveblog import views

app_name = "liveblog"

urlpatterns = [
    path("", views.event_index, name="event-index"),
    path("live/<slug:slug>/", views.event_live, name="event-live"),
]
