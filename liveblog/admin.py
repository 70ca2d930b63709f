"""The editor admin's pages for events, posts, speakers and quotes: every change routed
through liveblog.services (the newsroom screens do the writing; these pages list and link).
The site itself, and who may enter it, is config/admin_site.py."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils.html import format_html

from accounts.roles import is_newsroom_member
from liveblog import permissions, services
from liveblog.models import Event, Post, Quote, Speaker
from liveblog.permissions import Action, EventPolicy, PostPolicy


class ServicesOnlyAdmin(admin.ModelAdmin):
    """Lists and views; no direct saves or deletes, which would skip the services' rules.

    Every has_*_permission asks the roles and policies, never Django's model
    permissions, so the admin allows exactly what the newsroom does.
    """

    actions = None

    def has_module_permission(self, request):
        return is_newsroom_member(request.user)

    def has_view_permission(self, request, obj=None):
        return is_newsroom_member(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ServicesOnlyAdmin):
    list_display = ("title", "status", "starts_at", "newsroom_link", "live_page_link")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    fields = ("title", "slug", "standfirst", "status", "time_zone", "starts_at")

    def get_urls(self):
        return [path("<int:event_id>/newsroom/", include("newsroom.urls")), *super().get_urls()]

    def has_add_permission(self, request):
        return EventPolicy(request.user).can(Action.MANAGE_EVENTS)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["slug"].required = False
        form.base_fields["slug"].help_text = "The live page's address; leave empty to make one from the title."
        return form

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Events are changed from their newsroom.")
        created = services.event_create(
            title=obj.title, slug=obj.slug, standfirst=obj.standfirst, time_zone=obj.time_zone,
            status=obj.status, starts_at=obj.starts_at, by=request.user,
        )
        obj.pk, obj.slug, obj.starts_at = created.pk, created.slug, created.starts_at
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:newsroom:event", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # An event is worked on in its newsroom; its settings page is one click from there.
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:newsroom:event", args=[int(object_id)]))

    @admin.display(description="Newsroom")
    def newsroom_link(self, event):
        return format_html('<a href="{}">Open newsroom</a>', reverse("admin:newsroom:event", args=[event.pk]))

    @admin.display(description="Live page")
    def live_page_link(self, event):
        return format_html('<a href="{}">View</a>', event.get_absolute_url())


@admin.register(Post)
class PostAdmin(ServicesOnlyAdmin):
    list_display = ("__str__", "event", "status", "kind", "published_at", "version")
    list_filter = ("status", "kind", "event")
    list_select_related = ("event",)
    search_fields = ("headline", "body")

    def has_view_permission(self, request, obj=None):
        may_list = super().has_view_permission(request)
        return may_list and (obj is None or PostPolicy(request.user, obj).can(Action.VIEW))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        post = Post.objects.filter(pk=object_id).only("pk", "event_id").first() if str(object_id).isdigit() else None
        if post is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:newsroom:post-edit", args=[post.event_id, post.pk]))


@admin.register(Speaker)
class SpeakerAdmin(ServicesOnlyAdmin):
    """Speakers are shared across events; search_fields power the quote form's autocomplete."""

    list_display = ("name", "role", "organisation", "slug")
    search_fields = ("name", "role", "organisation")
    fields = ("name", "role", "organisation", "bio", "slug")
    readonly_fields = ("slug",)

    def has_add_permission(self, request):
        return permissions.can(request.user, Action.CREATE_SPEAKER)

    def has_change_permission(self, request, obj=None):
        return permissions.can(request.user, Action.EDIT_SPEAKER)

    def save_model(self, request, obj, form, change):
        if change:
            services.speaker_update(
                speaker=obj, name=obj.name, role=obj.role, organisation=obj.organisation, bio=obj.bio,
                by=request.user,
            )
            return
        created = services.speaker_create(
            name=obj.name, role=obj.role, organisation=obj.organisation, bio=obj.bio, by=request.user
        )
        obj.pk, obj.slug = created.pk, created.slug
        obj._state.adding = False


@admin.register(Quote)
class QuoteAdmin(ServicesOnlyAdmin):
    list_display = ("text", "speaker", "post", "said_at")
    list_select_related = ("speaker", "post")
    search_fields = ("text", "speaker__name")
    autocomplete_fields = ("speaker",)
