"""The admin sign-in form: rate-limited, and open to every journalist with a newsroom role."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts import login_throttle
from accounts.roles import is_newsroom_member

THROTTLED_MESSAGE = (
    "Too many failed sign-in attempts for this account or from this network. "
    "For your security, try again in 15 minutes."
)


def client_ip(request) -> str:
    # The connecting address only: X-Forwarded-For is the client's to invent.
    return (request.META.get("REMOTE_ADDR") or "unknown") if request is not None else "unknown"


class NewsroomAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        username = str(self.data.get("username", ""))[:300]
        ip = client_ip(self.request)
        if login_throttle.login_blocked(username=username, ip=ip):
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if error.code in ("invalid_login", "inactive"):
                login_throttle.login_failure_record(username=username, ip=ip)
            raise
        login_throttle.login_success_record(username=username)
        return cleaned

    def confirm_login_allowed(self, user):
        # A newsroom role lets a journalist in without the is_staff flag (see config/admin_site.py).
        AuthenticationForm.confirm_login_allowed(self, user)
        if not (user.is_staff or is_newsroom_member(user)):
            raise self.get_invalid_login_error()
