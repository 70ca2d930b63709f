from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("liveblog.api.urls")),
    path("", include("liveblog.urls")),
]
# JSON under /api/, and a 503 with Retry-After whenever the database is what failed.
handler500 = "liveblog.api.errors.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
