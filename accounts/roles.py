"""The newsroom roles as auth groups, kept in step with the code after every migrate.

The groups carry the model permissions that let their members into the admin;
what each role may actually do is decided in liveblog/permissions.py.
"""

from accounts.models import Role

ROLE_PERMISSIONS = {
    Role.CONTRIBUTOR: [
        "view_event", "view_post", "add_post", "change_post",
        "view_speaker", "add_speaker", "view_quote", "add_quote", "change_quote",
    ],
    Role.EDITOR: [
        "view_event", "add_event", "change_event", "view_post", "add_post", "change_post",
        "view_speaker", "add_speaker", "change_speaker", "view_quote", "add_quote", "change_quote",
        "delete_quote", "view_keypoint", "add_keypoint", "change_keypoint", "delete_keypoint",
    ],
}


def roles_sync(**kwargs) -> None:
    """Create the role groups and give them their permissions (a post_migrate receiver).

    Running after every migrate (and after a test database flush) means a new
    install, an upgrade and a test run all see the same roles.
    """
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(Permission.objects.filter(content_type__app_label="liveblog", codename__in=codenames))
