"""`/api/v1/webhooks/`: a partner registers, lists and deletes its own endpoints with its key."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.authentication import partner_key
from liveblog.api.views import ApiView
from webhooks import services
from webhooks.api.serializers import (
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookListSerializer,
    WebhookSerializer,
)
from webhooks.models import WebhookEndpoint, WebhookSubscription

MAX_ID = 2**63 - 1


class PartnerKeyOnly(BasePermission):
    """Webhooks belong to a partner key: only a request signed with one may see or change them."""

    message = "Webhooks belong to a partner key: send Authorization: Api-Key <key>."

    def has_permission(self, request, view):
        return partner_key(request) is not None


def partner_endpoints(request):
    subscriptions = WebhookSubscription.objects.select_related("event").order_by("pk")
    return WebhookEndpoint.objects.filter(partner_key=partner_key(request)).prefetch_related(
        Prefetch("subscriptions", queryset=subscriptions)
    )


class WebhookApiView(ApiView):
    permission_classes = [PartnerKeyOnly]

    def permission_denied(self, request, message=None, code=None):
        # Nobody: a 401 naming the header to send. A journalist's token: a 403, it is not a partner's.
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.AuthenticationFailed(PartnerKeyOnly.message, code="not_authenticated")
        raise exceptions.PermissionDenied(PartnerKeyOnly.message)


@extend_schema(tags=["webhooks"])
class WebhookList(WebhookApiView):
    serializer_class = WebhookSerializer

    @extend_schema(operation_id="webhooks_list", summary="Your key's webhook endpoints", responses=WebhookListSerializer)
    def get(self, request):
        endpoints = partner_endpoints(request)
        return Response({"results": WebhookSerializer(endpoints, many=True).data})

    @extend_schema(
        operation_id="webhook_create",
        summary="Register an endpoint; the answer carries its signing secret, shown this once",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer},
    )
    def post(self, request):
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_create(
            partner_key=partner_key(request), url=data.validated_data["url"], events=data.validated_data["events"]
        )
        endpoint = partner_endpoints(request).get(pk=endpoint.pk)
        body = WebhookCreatedSerializer(endpoint, context={"secret": secret}).data
        url = reverse("api:webhook-detail", kwargs={"webhook_id": endpoint.pk}, request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": url})


@extend_schema(tags=["webhooks"])
class WebhookDetail(WebhookApiView):
    serializer_class = WebhookSerializer

    @extend_schema(operation_id="webhook_retrieve", summary="One of your endpoints (is it on? why not?)")
    def get(self, request, webhook_id):
        return Response(WebhookSerializer(self._endpoint(request, webhook_id)).data)

    @extend_schema(operation_id="webhook_delete", summary="Stop deliveries to an endpoint and forget it", request=None,
                   responses={204: None})
    def delete(self, request, webhook_id):
        services.webhook_delete(endpoint=self._endpoint(request, webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _endpoint(self, request, webhook_id: int) -> WebhookEndpoint:
        # Another partner's endpoint is as absent as one that never was.
        endpoint = partner_endpoints(request).filter(pk=webhook_id).first() if webhook_id <= MAX_ID else None
        if endpoint is None:
            raise NotFound(f"Your key has no webhook {webhook_id}.")
        return endpoint
