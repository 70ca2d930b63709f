"""The admin site journalists work in: its door is the newsroom roles, not the is_staff box.

Installed as Django's default site by `config.apps.NewsroomAdminConfig`, so
`admin.site`, autodiscovery and every `@admin.register` use it.
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import path, reverse

from accounts.forms import NewsroomAuthenticationForm
from accounts.roles import is_newsroom_member


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Liveblog newsroom"
    site_title = "Liveblog newsroom"
    index_title = "Newsroom"
    login_form = NewsroomAuthenticationForm

    def has_permission(self, request) -> bool:
        """Staff, and every journalist with a newsroom role, may enter.

        Roles are what give journalists their rights (accounts/roles.py, and the
        post and event policies built on them), so giving someone a role is
        enough; nobody has to remember the is_staff box. What each page then
        allows is the ModelAdmins' call, which asks the same policies.
        """
        user = request.user
        return user.is_active and (user.is_staff or is_newsroom_member(user))

    def get_urls(self):
        from newsroom import (
            views as newsroom_views,  # the newsroom imports models: not before apps load
        )

        return [
            path("newsroom/", self.admin_view(newsroom_views.event_list), name="newsroom-events"),
            path("newsroom/byline/", self.admin_view(newsroom_views.byline), name="newsroom-byline"),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        """Signing in lands on the newsroom's event list, not the admin index (unless the
        sign-in was asked for on the way to another page)."""
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {REDIRECT_FIELD_NAME: reverse("admin:newsroom-events"), **(extra_context or {})}
        return super().login(request, extra_context)
