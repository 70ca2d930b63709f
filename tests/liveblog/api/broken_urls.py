"""The site's URLconf plus a view that fails under /api/ and one on a reader's address, so the
tests reach the site's error handlers through Django's own request handling."""

from django.urls import path

from config import urls as site


def broken_view(request):
    raise RuntimeError("a bug in a view")


# Django reads handler500 from the root URLconf only; this one stands in for config.urls.
handler500 = site.handler500

urlpatterns = [
    path("api/v1/broken/", broken_view),
    path("live/broken/", broken_view),
    *site.urlpatterns,
]
