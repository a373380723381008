"""Webhook endpoints: reviewers and administrators register their own, read its delivery log, delete it."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import policies, vocab
from claims.api import schema
from claims.api.permissions import require
from claims.models import Webhook, WebhookAttempt, WebhookDelivery
from claims.services import webhooks as webhook_services

DELIVERIES_SHOWN = 50


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=vocab.FeedEventType.choices))
    active = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField()
    disabled_reason = serializers.CharField(help_text="Why the endpoint was switched off, if it was.")
    disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NewWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="The HMAC-SHA256 key of X-Signature-256. Shown this once: store it now."
    )


class WebhookWriteSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="An https:// address on a public host.")
    event_types = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Feed event types to receive: {', '.join(vocab.FeedEventType.values)}.",
    )


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    at = serializers.DateTimeField()
    http_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    elapsed_ms = serializers.IntegerField()
    succeeded = serializers.BooleanField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(source="event_id")
    type = serializers.CharField(source="event.type")
    state = serializers.ChoiceField(choices=vocab.DeliveryState.choices)
    attempts = AttemptSerializer(many=True, source="attempt_log.all")
    delivered_at = serializers.DateTimeField(allow_null=True)


def _owned(request, pk: int) -> Webhook:
    require(policies.may_register_webhook(request.user))
    webhook = get_object_or_404(Webhook, pk=pk)
    if not policies.may_manage_webhook(request.user, webhook):
        raise Http404()  # someone else's webhook is not there for you
    return webhook


class WebhookList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your webhooks (reviewers and administrators)",
        responses={200: WebhookSerializer(many=True), **schema.errors(403)},
    )
    def get(self, request):
        require(policies.may_register_webhook(request.user))
        return Response(WebhookSerializer(Webhook.objects.filter(owner=request.user), many=True).data)

    @extend_schema(
        summary="Register a webhook (reviewers and administrators)",
        description="Each feed event of the chosen types is POSTed to `url` as the JSON of one "
        "/api/v1/feed/ event, signed: `X-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed "
        "with the secret>`. Delivery is at least once: dedupe by `seq`, and backfill gaps from "
        "/api/v1/feed/?after=. Failed POSTs are retried with back-off; after "
        f"{webhook_services.FAILURES_TO_DISABLE} failures in a row the webhook is switched off and "
        "`disabled_reason` says why. The address must be https on a public host.",
        request=WebhookWriteSerializer,
        responses={201: NewWebhookSerializer, **schema.errors(400, 403)},
    )
    def post(self, request):
        require(policies.may_register_webhook(request.user))
        payload = WebhookWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = webhook_services.register_webhook(
            url=payload.validated_data["url"],
            event_types=payload.validated_data["event_types"],
            by=request.user,
        )
        body = {**WebhookSerializer(created.webhook).data, "secret": created.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="One of your webhooks", responses={200: WebhookSerializer, **schema.errors(403, 404)}
    )
    def get(self, request, pk):
        return Response(WebhookSerializer(_owned(request, pk)).data)

    @extend_schema(summary="Delete one of your webhooks", responses={204: None, **schema.errors(403, 404)})
    def delete(self, request, pk):
        webhook = _owned(request, pk)
        webhook_services.delete_webhook(webhook_id=webhook.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=f"A webhook's latest {DELIVERIES_SHOWN} deliveries, each with every attempt",
        responses={200: DeliverySerializer(many=True), **schema.errors(403, 404)},
    )
    def get(self, request, pk):
        webhook = _owned(request, pk)
        deliveries = (
            WebhookDelivery.objects.filter(webhook=webhook)
            .select_related("event")
            .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
            .order_by("-id")[:DELIVERIES_SHOWN]
        )
        return Response(DeliverySerializer(deliveries, many=True).data)
