from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LiveblogConfig(AppConfig):
    name = "liveblog"
    verbose_name = "Live blog"

    def ready(self):
        from accounts.services import byline_changed
        from liveblog.permissions import role_model_permissions_sync
        from liveblog.services.posts import posts_crediting_push_again

        # Sent after this app's migrations, when its model permissions exist.
        post_migrate.connect(role_model_permissions_sync, sender=self, dispatch_uid="role_model_permissions_sync")
        # A byline is shown on posts: its correction is a public change of each one.
        byline_changed.connect(posts_crediting_push_again, dispatch_uid="posts_crediting_push_again")
