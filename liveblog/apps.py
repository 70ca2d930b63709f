from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LiveblogConfig(AppConfig):
    name = "liveblog"
    verbose_name = "Live blog"

    def ready(self):
        from liveblog.permissions import role_model_permissions_sync

        # Sent after this app's migrations, when its model permissions exist.
        post_migrate.connect(role_model_permissions_sync, sender=self, dispatch_uid="role_model_permissions_sync")
