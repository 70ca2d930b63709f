"""The admin site journalists work in: its door is the newsroom roles, not the is_staff box.

Installed as Django's default site by `config.apps.NewsroomAdminConfig`, so
`admin.site`, autodiscovery and every `@admin.register` use it.
"""

from django.contrib import admin

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
