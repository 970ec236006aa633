import { withDefaults } from "@warp-drive/core/reactive";
import type { PolarisResourceSchema } from "@warp-drive/core/types/schema/fields";

/** The resource types the handler puts in the cache. */
export const TYPES = {
  event: "event",
  ticket: "ticket",
  template: "badge-template",
  font: "font",
  job: "badge-job",
} as const;
export type ResourceType = (typeof TYPES)[keyof typeof TYPES];

/** A camelCase field read from the API's snake_case attribute (the cache keeps the API's names). */
function field(name: string): { kind: "field"; name: string; sourceKey?: string } {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel === name ? { kind: "field", name } : { kind: "field", name: camel, sourceKey: name };
}

function resource(type: ResourceType, attributes: string[]): PolarisResourceSchema {
  return withDefaults({ type, fields: attributes.map(field) });
}

/**
 * Resource schemas (PolarisMode) for the store's schema service: pass them to
 * `useRecommendedStore({ cache: JSONAPICache, schemas: badgeSchemas, ... })`.
 *
 * Fields are the API's attributes in camelCase (`startsAt` reads `starts_at`); the cache keeps the
 * API's names, so error pointers and `cache.getAttr` use `starts_at`. Values are as the API sends
 * them: timestamps are ISO 8601 strings, `price` a string ("12.50"), no transforms needed.
 * A ticket names its event by `eventId` (a plain field: PolarisMode's LinksMode belongsTo would need
 * the event included in every ticket answer, which the API does not do).
 */
export const badgeSchemas: PolarisResourceSchema[] = [
  resource(TYPES.event, [
    "name",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "currency",
    "is_public",
    "created_at",
    "updated_at",
  ]),
  resource(
    TYPES.ticket,
    [
      "event_id",
      "name",
      "description",
      "type",
      "price",
      "quantity",
      "is_hidden",
      "sales_starts_at",
      "sales_ends_at",
      "badge_color",
      "position",
      "created_at",
      "updated_at",
    ],
  ),
  resource(TYPES.template, [
    "name",
    "source",
    "width_mm",
    "height_mm",
    "fields",
    "has_qr",
    "preview_url",
    "created_at",
    "warnings",
  ]),
  resource(TYPES.font, ["family", "styles", "source", "scripts", "licence", "licence_url", "preview_url", "created_at"]),
  resource(TYPES.job, [
    "name",
    "status",
    "template",
    "event_id",
    "options",
    "progress",
    "attempts",
    "error",
    "result",
    "created_at",
    "started_at",
    "finished_at",
    "log_stream_url",
  ]),
];
