"""Newsroom URLs, mounted by EventAdmin under /admin/liveblog/event/<event_id>/newsroom/.

Every view goes through the admin site's login and permission gate first.
"""

from django.contrib import admin
from django.urls import path

from newsroom import views

app_name = "newsroom"


def _staff(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _staff(views.newsroom), name="event"),
    path("stream/", _staff(views.stream), name="stream"),
    path("preview/", _staff(views.preview), name="preview"),
    path("settings/", _staff(views.event_settings), name="event-settings"),
    path("posts/<int:post_id>/", _staff(views.post_edit), name="post-edit"),
    path("posts/<int:post_id>/preview/", _staff(views.preview), name="post-preview"),
    path("posts/<int:post_id>/quotes/", _staff(views.quote_add), name="quote-add"),
    path("posts/<int:post_id>/images/", _staff(views.image_add), name="image-add"),
    path("posts/<int:post_id>/images/<int:image_id>/remove/", _staff(views.image_remove), name="image-remove"),
    path("posts/<int:post_id>/history/", _staff(views.revisions), name="post-revisions"),
    path("posts/<int:post_id>/history/<int:revision_id>/restore/", _staff(views.revision_restore),
         name="revision-restore"),
    path("posts/<int:post_id>/<slug:action>/", _staff(views.post_action), name="post-action"),
]
