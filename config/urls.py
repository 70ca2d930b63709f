from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

# An error no view caught: a JSON body under /api/, the site's HTML page elsewhere,
# and a 503 with Retry-After whenever the database is what failed.
handler500 = "liveblog.api.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("liveblog.api.urls")),
    path("", include("liveblog.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
