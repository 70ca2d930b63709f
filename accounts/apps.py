from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts.roles import roles_sync

        # Sent once per app; the liveblog app's signal comes after its permissions exist.
        post_migrate.connect(roles_sync, sender=self.apps.get_app_config("liveblog"), dispatch_uid="roles_sync")
