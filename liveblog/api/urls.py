"""/api/: version 1 of the partner API, its OpenAPI schema and its docs; JSON 404 for anything else."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from liveblog.api import errors, views

app_name = "api"

urlpatterns = [
    path("v1/events/", views.EventList.as_view(), name="event-list"),
    path("v1/events/<slug:slug>/", views.EventDetail.as_view(), name="event-detail"),
    path("v1/events/<slug:slug>/posts/", views.EventPosts.as_view(), name="event-posts"),
    path("v1/events/<slug:slug>/posts/<int:post_id>/", views.PostDetail.as_view(), name="post-detail"),
    path("v1/speakers/", views.SpeakerList.as_view(), name="speaker-list"),
    path("v1/speakers/<slug:slug>/", views.SpeakerDetail.as_view(), name="speaker-detail"),
    path("v1/quotes/", views.QuoteList.as_view(), name="quote-list"),
    path("v1/webhooks/", include("webhooks.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: any other address under /api/ gets the API's JSON 404, not the site's HTML page.
    re_path(r"^.*$", errors.endpoint_not_found),
]
