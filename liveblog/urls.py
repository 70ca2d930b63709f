"""URLs of the pages readers load."""

from django.urls import path

from liveblog import embed, views

app_name = "liveblog"

urlpatterns = [
    path("", views.event_index, name="event-index"),
    path("live/<slug:slug>/", views.event_live, name="event-live"),
    path("live/<slug:slug>/posts/<int:pk>/", views.post_detail, name="post-detail"),
    path("live/<slug:slug>/feed/", views.event_feed, name="event-feed"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker-detail"),
    path("live/<slug:slug>/embed/", embed.event_embed, name="event-embed"),
    path("embed.js", embed.embed_script, name="embed-script"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links; send them to the static file.
    path("favicon.ico", views.favicon, name="favicon"),
]
