"""Create the newsroom roles as auth groups; the model permissions they carry let them into the admin."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "contributor": {
        "liveblog": ["view_event", "view_post", "add_post", "change_post", "view_speaker", "add_speaker",
                     "view_quote", "add_quote", "change_quote"],
    },
    "editor": {
        "liveblog": ["view_event", "change_event", "add_event", "view_post", "add_post", "change_post",
                     "view_speaker", "add_speaker", "change_speaker", "view_quote", "add_quote",
                     "change_quote", "delete_quote", "view_keypoint", "add_keypoint", "change_keypoint",
                     "delete_keypoint"],
    },
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("liveblog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
