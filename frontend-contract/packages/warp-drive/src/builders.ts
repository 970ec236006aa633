// Request builders: each returns the RequestInfo for `store.request()`, one per API operation.
// URLs are paths below the API root (`/events`): the handler adds the root and the token.
import type { Schemas } from "@badges/client";
import { recordIdentifierFor } from "@warp-drive/core";
import type { ResourceKey } from "@warp-drive/core/types/identifier";

import { TYPES } from "./schemas.js";

/** The mark the handler recognises its requests by (`request.options.badges`). */
export const BADGES = "badges";

export interface BadgesRequest {
  url: string;
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  op: string;
  headers: Headers;
  body?: string;
  /** The records a save commits: the cache keeps their state and errors (`cache.getErrors`). */
  records?: ResourceKey[];
  cacheOptions?: { reload?: boolean; backgroundReload?: boolean };
  options: { [BADGES]: true };
}

/** How to read: `reload: true` always asks the API (a re-fetch after a change). */
export interface ReadOptions {
  reload?: boolean;
  backgroundReload?: boolean;
}

export interface PageQuery {
  page?: number;
  per_page?: number;
}

/** A record from the store, or its id. */
export type RecordOrId = string | object;

function request(
  method: BadgesRequest["method"],
  op: string,
  path: string,
  extra: { body?: unknown; query?: Record<string, string | number | undefined>; records?: ResourceKey[]; read?: ReadOptions } = {},
): BadgesRequest {
  const headers = new Headers({ Accept: "application/json" });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(extra.query ?? {})) if (value !== undefined) query.set(name, String(value));
  const info: BadgesRequest = {
    url: query.size > 0 ? `${path}?${query.toString()}` : path,
    method,
    op,
    headers,
    options: { [BADGES]: true },
  };
  if (extra.body !== undefined) {
    headers.set("Content-Type", "application/json");
    info.body = JSON.stringify(extra.body);
  }
  if (extra.records) info.records = extra.records;
  if (extra.read && (extra.read.reload !== undefined || extra.read.backgroundReload !== undefined)) {
    info.cacheOptions = { ...extra.read };
  }
  return info;
}

const enc = encodeURIComponent;

function idOf(value: RecordOrId): string {
  if (typeof value === "string") return value;
  const id = recordIdentifierFor(value).id;
  if (!id) throw new Error("@badges/warp-drive: this record has no id yet (create it first)");
  return id;
}

/** The cache key of a record, so the cache tracks the save (in flight, errors); none for an id. */
function keysOf(value: RecordOrId): ResourceKey[] | undefined {
  return typeof value === "string" ? undefined : [recordIdentifierFor(value)];
}

/**
 * A delete of a record is the cache's `deleteRecord` save (it tracks the record); a delete by id is
 * a plain `delete` request: the cache has no record to commit, and answers a `{data: null}` document.
 */
function deleteOp(value: RecordOrId): string {
  return typeof value === "string" ? "delete" : "deleteRecord";
}

// Events

/** `GET /events`: the user's events, a page at a time (`doc.links.next`, `doc.meta.total`). */
export function listEvents(query: PageQuery = {}, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", "/events", { query: { ...query }, read });
}
/** `GET /events/{id}`. */
export function getEvent(eventId: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "findRecord", `/events/${enc(eventId)}`, { read });
}
/** `POST /events`: the answer (the new event) goes into the cache. */
export function createEvent(body: Schemas["EventCreate"]): BadgesRequest {
  return request("POST", "createRecord", "/events", { body });
}
/** `PATCH /events/{id}` with only the fields to change. */
export function updateEvent(event: RecordOrId, changes: Schemas["EventUpdate"]): BadgesRequest {
  return request("PATCH", "updateRecord", `/events/${enc(idOf(event))}`, { body: changes, records: keysOf(event) });
}
/** `DELETE /events/{id}` (its tickets go too). Then `store.unloadRecord(event)` (and its tickets). */
export function deleteEvent(event: RecordOrId): BadgesRequest {
  return request("DELETE", deleteOp(event), `/events/${enc(idOf(event))}`, { records: keysOf(event) });
}

// Tickets

const tickets = (eventId: string) => `/events/${enc(eventId)}/tickets`;

/** `GET /events/{id}/tickets`: in order (`position`); `doc.data` keeps that order. */
export function listTickets(eventId: string, query: PageQuery = {}, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", tickets(eventId), { query: { ...query }, read });
}
/** `GET /events/{id}/tickets/{ticket_id}`. */
export function getTicket(eventId: string, ticketId: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "findRecord", `${tickets(eventId)}/${enc(ticketId)}`, { read });
}
/** `POST /events/{id}/tickets` with one ticket, or an array (all or nothing, in order). */
export function createTicket(eventId: string, body: Schemas["TicketCreate"] | Schemas["TicketBulkItem"][]): BadgesRequest {
  // Several at once are not one record's save: the answer (an array) is put in the cache as is.
  return request("POST", Array.isArray(body) ? "createTickets" : "createRecord", tickets(eventId), { body });
}
/** `PATCH /events/{id}/tickets/{ticket_id}`; a `position` moves the ticket (others shift). */
export function updateTicket(eventId: string, ticket: RecordOrId, changes: Schemas["TicketUpdate"]): BadgesRequest {
  return request("PATCH", "updateRecord", `${tickets(eventId)}/${enc(idOf(ticket))}`, { body: changes, records: keysOf(ticket) });
}
/** `DELETE /events/{id}/tickets/{ticket_id}` (the tickets after it move up). */
export function deleteTicket(eventId: string, ticket: RecordOrId): BadgesRequest {
  return request("DELETE", deleteOp(ticket), `${tickets(eventId)}/${enc(idOf(ticket))}`, { records: keysOf(ticket) });
}
/** `PUT /events/{id}/tickets/order` with every ticket id in the new order; answers them all. */
export function reorderTickets(eventId: string, ticketIds: string[]): BadgesRequest {
  return request("PUT", "reorderTickets", `${tickets(eventId)}/order`, { body: { ticket_ids: ticketIds } });
}

// Templates, fonts, jobs (read and delete; uploads are multipart: use @badges/client for them and
// push the answer with `store.request(...)` of the matching get, or `store.cache.put`).

export function listBadgeTemplates(query: PageQuery = {}, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", "/badge-templates", { query: { ...query }, read });
}
export function getBadgeTemplate(templateId: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "findRecord", `/badge-templates/${enc(templateId)}`, { read });
}
export function deleteBadgeTemplate(templateId: string): BadgesRequest {
  return request("DELETE", "delete", `/badge-templates/${enc(templateId)}`);
}
export function listFonts(query: PageQuery = {}, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", "/fonts", { query: { ...query }, read });
}
export function getFont(fontId: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "findRecord", `/fonts/${enc(fontId)}`, { read });
}
export function deleteFont(fontId: string): BadgesRequest {
  return request("DELETE", "delete", `/fonts/${enc(fontId)}`);
}
export function listBadgeJobs(query: PageQuery = {}, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", "/badge-jobs", { query: { ...query }, read });
}
/** `GET /badge-jobs/{id}`: poll with `{ reload: true }`. */
export function getBadgeJob(jobId: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "findRecord", `/badge-jobs/${enc(jobId)}`, { read });
}
/** `DELETE /badge-jobs/{id}`: cancels the job (it stays in the list). */
export function cancelBadgeJob(jobId: string): BadgesRequest {
  return request("DELETE", "delete", `/badge-jobs/${enc(jobId)}`);
}

/** A page link from a list document (`doc.links.next`), read through the handler. */
export function followLink(url: string, read: ReadOptions = {}): BadgesRequest {
  return request("GET", "query", url, { read });
}

export { TYPES };
