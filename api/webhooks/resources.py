from __future__ import annotations

import uuid

from flask import Response
from flask_jwt_extended import jwt_required

from api.auth.tokens import current_user
from api.core.dumping import dumper
from api.extensions import db
from api.http import Resource, api, load, no_content, page_request, respond, respond_page
from api.links import absolute_url
from api.webhooks import service
from api.webhooks.schemas import (
    WebhookCreateSchema,
    WebhookDeliverySchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)

ns = api.namespace("webhooks", description="Webhooks")
webhook_schema = WebhookSchema()
with_secret_schema = WebhookWithSecretSchema()
dump_webhooks = dumper(webhook_schema)
delivery_schema = WebhookDeliverySchema()


def _url_checked_outside_a_transaction(url: str) -> None:
    # The token check has read the user; end that transaction before DNS is asked, so no lock
    # (SQLite's write lock) is held while a name server takes its time.
    db.session.commit()
    service.check_url(url)


@ns.route("")
class Webhooks(Resource):
    @jwt_required()
    def get(self) -> Response:
        """The current user's webhooks, oldest first.

        ---
        tags: [webhooks]
        operationId: listWebhooks
        summary: List the current user's webhooks.
        description: Only the caller's own, oldest first. Secrets are never listed.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of the caller's webhooks.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/WebhookPage'}
          '422': ValidationFailed
        """
        page = page_request()
        webhooks, total = service.list_webhooks(db.session(), actor=current_user(), page=page)
        return respond_page(dump_webhooks(webhooks), total, page)

    @jwt_required()
    def post(self) -> Response:
        """Register an endpoint for job events; the answer carries its signing secret, once.

        ---
        tags: [webhooks]
        operationId: createWebhook
        summary: Register a webhook endpoint for job events.
        description: |
          `url` and `events` (`job.succeeded`, `job.failed`, `job.cancelled`; at least one, none
          twice) are required. The URL must be `https://` in production; every address its host
          resolves to must be public unless `WEBHOOK_ALLOWED_NETWORKS` admits it; a refused URL is a
          422 under `url` saying why. Each event is POSTed as JSON signed per the Standard Webhooks
          specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The answer's
          `secret` (`whsec_...`) is shown here and by `rotateWebhookSecret` only. A user has at most
          `WEBHOOKS_MAX_PER_USER` (10) webhooks: one more is a 422 `too_many_webhooks`.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WebhookCreate'}
        responses:
          '201':
            links:
              GetWebhook: {operationId: getWebhook, parameters: {webhook_id: '$response.body#/id'}}
              UpdateWebhook: {operationId: updateWebhook, parameters: {webhook_id: '$response.body#/id'}}
              DeleteWebhook: {operationId: deleteWebhook, parameters: {webhook_id: '$response.body#/id'}}
              RotateWebhookSecret:
                operationId: rotateWebhookSecret
                parameters: {webhook_id: '$response.body#/id'}
              ListWebhookDeliveries:
                operationId: listWebhookDeliveries
                parameters: {webhook_id: '$response.body#/id'}
            description: The new webhook with its secret; `Location` is its URL.
            headers:
              Location: {$ref: '#/components/headers/Location'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/WebhookWithSecret'}
        """
        data = load(WebhookCreateSchema())
        actor = current_user()
        _url_checked_outside_a_transaction(data["url"])
        webhook = service.create_webhook(db.session(), actor=actor, data=data)
        location = absolute_url("api.webhooks_webhook", webhook_id=webhook.id)
        return respond(with_secret_schema.dump(webhook), 201, headers={"Location": location})


@ns.route("/<uuid:webhook_id>")
class Webhook(Resource):
    """---
    parameters:
      - WebhookId
    """

    @jwt_required()
    def get(self, webhook_id: uuid.UUID) -> Response:
        """A webhook of the current user.

        ---
        tags: [webhooks]
        operationId: getWebhook
        summary: A webhook of the current user.
        description: Another user's webhook is a 404 `webhook_not_found`. The secret is not shown.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The webhook.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Webhook'}
          '404': NotFound
        """
        webhook = service.owned_webhook(db.session(), actor=current_user(), webhook_id=webhook_id)
        return respond(webhook_schema.dump(webhook))

    @jwt_required()
    def patch(self, webhook_id: uuid.UUID) -> Response:
        """Change a webhook's URL, events or description.

        ---
        tags: [webhooks]
        operationId: updateWebhook
        summary: Change a webhook.
        description: |
          Send only the fields to change; `{}` changes nothing. A new `url` is checked as on
          creation. Deliveries already queued go to the URL the webhook has when they are sent.
          Another user's webhook is a 404 `webhook_not_found`.
        security: [{bearerAuth: []}]
        requestBody:
          required: true
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WebhookUpdate'}
        responses:
          '200':
            description: The updated webhook.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Webhook'}
          '404': NotFound
        """
        changes = load(WebhookUpdateSchema())
        actor = current_user()
        service.owned_webhook(db.session(), actor=actor, webhook_id=webhook_id)
        if "url" in changes:
            _url_checked_outside_a_transaction(changes["url"])
        webhook = service.update_webhook(db.session(), actor=actor, webhook_id=webhook_id, changes=changes)
        return respond(webhook_schema.dump(webhook))

    @jwt_required()
    def delete(self, webhook_id: uuid.UUID) -> Response:
        """Delete a webhook and its deliveries.

        ---
        tags: [webhooks]
        operationId: deleteWebhook
        summary: Delete a webhook and its deliveries.
        description: Deliveries not yet made are dropped. Another user's webhook is a 404 `webhook_not_found`.
        security: [{bearerAuth: []}]
        responses:
          '204': {description: 'Deleted, with its deliveries.'}
          '404': NotFound
        """
        service.delete_webhook(db.session(), actor=current_user(), webhook_id=webhook_id)
        return no_content()


@ns.route("/<uuid:webhook_id>/secret")
class WebhookSecret(Resource):
    """---
    parameters:
      - WebhookId
    """

    @jwt_required()
    def post(self, webhook_id: uuid.UUID) -> Response:
        """Rotate a webhook's signing secret; the answer carries the new one, once.

        ---
        tags: [webhooks]
        operationId: rotateWebhookSecret
        summary: Rotate a webhook's signing secret.
        description: |
          A new `secret`, shown in this answer only. For `WEBHOOK_SECRET_OVERLAP_SECONDS` (a day)
          the old secret signs too: `webhook-signature` then carries two `v1,` signatures, so a
          receiver verifies with either while it switches (`previous_secret_until` says until when).
          Another user's webhook is a 404 `webhook_not_found`.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The webhook with its new secret.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/WebhookWithSecret'}
          '404': NotFound
        """
        webhook = service.rotate_secret(db.session(), actor=current_user(), webhook_id=webhook_id)
        return respond(with_secret_schema.dump(webhook))


@ns.route("/<uuid:webhook_id>/deliveries")
class WebhookDeliveries(Resource):
    """---
    parameters:
      - WebhookId
    """

    @jwt_required()
    def get(self, webhook_id: uuid.UUID) -> Response:
        """A webhook's deliveries, newest first.

        ---
        tags: [webhooks]
        operationId: listWebhookDeliveries
        summary: A webhook's recent deliveries, newest first.
        description: |
          Each event sent (or being sent) to this endpoint: its type and id (`webhook-id`), status,
          attempts, the last HTTP status, error and the start of the receiver's answer (200 bytes
          at most). A failed attempt is retried with exponential backoff (`WEBHOOK_BACKOFF_SECONDS`,
          doubled each time) up to `WEBHOOK_MAX_ATTEMPTS` (8), then the delivery is `failed`.
          Another user's webhook is a 404 `webhook_not_found`.
        security: [{bearerAuth: []}]
        parameters:
          - Page
          - PerPage
        responses:
          '200':
            description: One page of the webhook's deliveries.
            headers:
              Link: {$ref: '#/components/headers/Link'}
            content:
              application/json:
                schema: {$ref: '#/components/schemas/WebhookDeliveryPage'}
          '404': NotFound
          '422': ValidationFailed
        """
        page = page_request()
        deliveries, total = service.list_deliveries(
            db.session(), actor=current_user(), webhook_id=webhook_id, page=page
        )
        return respond_page(delivery_schema.dump(deliveries, many=True), total, page)


@ns.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/retry")
class WebhookDeliveryRetry(Resource):
    """---
    parameters:
      - WebhookId
      - DeliveryId
    """

    @jwt_required()
    def post(self, webhook_id: uuid.UUID, delivery_id: uuid.UUID) -> Response:
        """Send a delivery again now: one more attempt for a failed one, a repeat of a delivered one.

        ---
        tags: [webhooks]
        operationId: retryWebhookDelivery
        summary: Send a delivery again now.
        description: |
          The delivery becomes `pending` and due at once; its attempt follows in the background
          (read the deliveries to see it). A `failed` delivery gets one more attempt, a `delivered`
          one is sent again with the same `webhook-id` (a receiver that drops ids it has seen ignores
          it), a `pending` one is sent now rather than after its backoff. One being sent is a 409
          `delivery_in_progress`. Another user's webhook is a 404 `webhook_not_found`, a delivery of
          another webhook a 404 `delivery_not_found`.
        security: [{bearerAuth: []}]
        responses:
          '200':
            description: The delivery, pending.
            content:
              application/json:
                schema: {$ref: '#/components/schemas/WebhookDelivery'}
          '404': NotFound
          '409':
            description: The delivery is being sent right now (`delivery_in_progress`).
            content:
              application/problem+json:
                schema: {$ref: '#/components/schemas/Problem'}
        """
        delivery = service.retry_delivery(
            db.session(), actor=current_user(), webhook_id=webhook_id, delivery_id=delivery_id
        )
        return respond(delivery_schema.dump(delivery))
