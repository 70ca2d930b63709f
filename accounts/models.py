"""Who writes (journalists with the details their byline shows) and who reads by key (partners)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A newsroom account; the profile fields are what readers see in a byline."""

    display_name = models.CharField(max_length=120, blank=True)
    job_title = models.CharField(
        max_length=120, blank=True, help_text='Shown in bylines, e.g. "Diplomatic correspondent".'
    )
    avatar = models.ImageField(upload_to="avatars/", blank=True)

    @property
    def byline_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.byline_name


class Role(models.TextChoices):
    """Newsroom roles, stored as auth groups so admins manage them from the admin."""

    CONTRIBUTOR = "contributor", "Contributor"
    EDITOR = "editor", "Editor"


class PartnerApiKey(models.Model):
    """A partner site's key to the read API. Only a hash is stored; the key is shown once."""

    name = models.CharField(max_length=120, help_text="Who the key belongs to, e.g. a partner site.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Origins ("https://partner.example") whose pages may frame the embeddable live blog and
    # open its socket; a JSON list so the embedded SQLite default stores it too.
    embed_origins = models.JSONField(
        default=list, blank=True,
        help_text="Sites that may embed the live blog, one origin a line, e.g. https://partner.example.",
    )

    class Meta:
        verbose_name = "partner API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_limit_per_minute__gt=0), name="api_key_rate_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
