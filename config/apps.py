"""App configs of the project itself."""

from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    """Django's admin, with the newsroom's site as the default `admin.site`."""

    default_site = "config.admin_site.NewsroomAdminSite"
