"""Included under /api/v1/webhooks/ by liveblog/api/urls.py, inside its `api` namespace."""

from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("", views.WebhookList.as_view(), name="webhook-list"),
    path("<int:webhook_id>/", views.WebhookDetail.as_view(), name="webhook-detail"),
]
