from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts.roles import roles_sync

        post_migrate.connect(roles_sync, sender=self, dispatch_uid="roles_sync")
