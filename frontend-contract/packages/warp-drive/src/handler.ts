// The handler: sends the builders' requests (and list links) to the API through @badges/client
// (Bearer token, one refresh and retry on 401 token_expired) and turns the API's JSON into
// JSON:API documents for the default cache; failures become the error classes of errors.ts.
import { ApiError, type BadgesClient, linkTarget } from "@badges/client";
import type { Handler, NextFn } from "@warp-drive/core/request";
import type { RequestContext } from "@warp-drive/core/types/request";
import type { StructuredDataDocument } from "@warp-drive/core/types/request";

import { BADGES } from "./builders.js";
import { errorFor } from "./errors.js";
import { TYPES, type ResourceType } from "./schemas.js";

type Json = Record<string, unknown>;

export interface JsonApiResource {
  type: ResourceType;
  id: string;
  attributes: Json;
}

export interface JsonApiDocument {
  data: JsonApiResource | JsonApiResource[] | null;
  meta?: Json;
  links?: Record<string, string | null>;
}

/**
 * The handler for `RequestManager.use([...])` (or `useRecommendedStore({ handlers })`). It takes
 * every request marked by a builder and every GET of a URL under `client.baseUrl` (a list's
 * `links.next`); anything else goes to the next handler.
 */
export function createBadgesHandler(client: BadgesClient): Handler {
  return {
    async request<T>(context: RequestContext, next: NextFn<T>): Promise<T | StructuredDataDocument<T>> {
      const info = context.request;
      const marked = (info.options as Json | undefined)?.[BADGES] === true;
      const url = info.url ?? "";
      const absolute = marked && url.startsWith("/") ? client.url(url) : url;
      if (!marked && !absolute.startsWith(`${client.url("")}`)) return next(info);
      const path = new URL(absolute).pathname.slice(new URL(client.url("")).pathname.replace(/\/+$/, "").length);
      const method = (info.method ?? "GET").toUpperCase();
      const init: RequestInit = { method, headers: new Headers(info.headers ?? { Accept: "application/json" }) };
      if (typeof info.body === "string") init.body = info.body;
      if (info.signal) init.signal = info.signal;
      let response: Response;
      try {
        response = await client.fetch(new Request(absolute, init));
      } catch (error) {
        // By name too: an app that ends up with two copies of @badges/client still gets the classes.
        throw error instanceof ApiError || (error as { name?: unknown } | null)?.name === "ApiError" ? errorFor(error as ApiError) : error;
      }
      context.setResponse(response);
      if (response.status === 204) return { data: null } as T; // a delete: nothing to keep
      const body: unknown = await response.json();
      return normalize(method, path, body, response) as T;
    },
  };
}

/** The API's answer for `METHOD path` as a JSON:API document. */
export function normalize(method: string, path: string, body: unknown, response: Response): JsonApiDocument {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [head, id, sub, ticketId] = parts;
  const type = head === "events" && sub === "tickets" ? TYPES.ticket : typeForCollection(head);
  if (!type || parts.length > 4 || (sub !== undefined && sub !== "tickets")) {
    throw new Error(`@badges/warp-drive cannot turn ${method} ${path} into a document`);
  }
  const nested = type === TYPES.ticket;
  const isCollection = nested ? ticketId === undefined : id === undefined;
  if (nested && ticketId === "order") {
    return { data: ((body as Json).items as Json[]).map((item) => resource(type, item)) };
  }
  if (isCollection && method === "GET") {
    const page = body as Json & { items: Json[] };
    const { items, ...meta } = page;
    return { data: items.map((item) => resource(type, item)), meta, links: links(response) };
  }
  if (Array.isArray(body)) return { data: body.map((item) => resource(type, item as Json)) };
  return { data: resource(type, body as Json) };
}

function typeForCollection(name: string | undefined): ResourceType | null {
  switch (name) {
    case "events":
      return TYPES.event;
    case "badge-templates":
      return TYPES.template;
    case "fonts":
      return TYPES.font;
    case "badge-jobs":
      return TYPES.job;
    default:
      return null;
  }
}

/** One API object as a JSON:API resource: `id` apart, every other field an attribute. */
export function resource(type: ResourceType, item: Json): JsonApiResource {
  const { id, ...attributes } = item;
  return { type, id: String(id), attributes };
}

/** `self`, `first`, `prev`, `next`, `last` from the `Link` header (absolute URLs; null if absent). */
function links(response: Response): Record<string, string | null> {
  const header = response.headers.get("Link");
  const base = response.url;
  const result: Record<string, string | null> = { self: base || null };
  for (const rel of ["first", "prev", "next", "last"]) result[rel] = linkTarget(header, rel, base);
  return result;
}
