import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { ApiError, createBadgesClient, MemoryTokenStorage } from "@badges/client";
import {
  BadgesRequestError,
  ConflictError,
  createEvent,
  deleteEvent,
  errorFor,
  followLink,
  getEvent,
  InvalidError,
  listEvents,
  NotFoundError,
  pointerFor,
  TooManyRequestsError,
  UnauthorizedError,
  updateEvent,
} from "@badges/warp-drive";
import { recordIdentifierFor } from "@warp-drive/core";
import type { ReactiveDataDocument } from "@warp-drive/core/reactive";
import type { ResourceKey } from "@warp-drive/core/types/identifier";

import { addTickets, dropTickets, type EventRecord, newEvent, renameEvent, ticketsInOrder } from "../examples/events.js";
import { API_URL, newStore, storeFor } from "./support.js";

const DAY = { starts_at: "2027-05-01T09:00:00+00:00", ends_at: "2027-05-01T17:00:00+00:00" };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the request should have failed");
}

test("an event created with store.request(createEvent(...)) is read back from the cache", async () => {
  const { store } = await newStore();
  const event = await newEvent(store, "Summit");
  assert.match(event.id, /^[0-9a-f-]{36}$/);
  assert.equal(event.$type, "event");
  assert.equal(event.startsAt, DAY.starts_at);
  assert.equal(event.isPublic, false);

  const cached = store.peekRecord<EventRecord>({ type: "event", id: event.id });
  assert.ok(cached, "the new event is in the cache");
  assert.equal(cached.name, "Summit");
  const key: ResourceKey = recordIdentifierFor(cached as object); // the cache keeps the API's names
  assert.equal(store.cache.getAttr(key, "starts_at"), DAY.starts_at);

  const read = await store.request<ReactiveDataDocument<EventRecord>>(getEvent(event.id));
  assert.equal(read.content.data, cached, "the same record instance");
});

test("tickets come in their order, and a reorder is persisted", async () => {
  const { store } = await newStore();
  const event = await newEvent(store, "Ordered");
  const created = await addTickets(store, event.id, ["Early bird", "Regular", "Speaker"]);
  assert.deepEqual(created.map((ticket) => ticket.position), [0, 1, 2]);

  const listed = await ticketsInOrder(store, event.id);
  assert.deepEqual(listed.map((ticket) => ticket.name), ["Early bird", "Regular", "Speaker"]);
  assert.equal(listed[0]!.eventId, event.id);

  const [early, regular, speaker] = listed;
  const dropped = await dropTickets(store, event.id, [speaker!.id, early!.id, regular!.id]);
  assert.deepEqual(dropped.map((ticket) => ticket.name), ["Speaker", "Early bird", "Regular"]);
  assert.equal(speaker!.position, 0, "the cached record took the answer's position");

  const again = await ticketsInOrder(store, event.id, true); // from the API, not the cache
  assert.deepEqual(again.map((ticket) => ticket.name), ["Speaker", "Early bird", "Regular"]);
  assert.deepEqual(again.map((ticket) => ticket.position), [0, 1, 2]);
});

test("a refused update is an InvalidError whose errors point at the attribute", async () => {
  const { store } = await newStore();
  const event = await newEvent(store, "Valid");
  const error = await rejection(store.request(updateEvent(event, { ends_at: "2027-04-01T09:00:00+00:00" })));
  assert.ok(error instanceof InvalidError);
  assert.ok(error instanceof BadgesRequestError);
  assert.equal(error.status, 422);
  assert.equal(error.code, "validation_failed");
  const pointers = error.errors.map((item) => item.source?.pointer);
  assert.ok(pointers.includes("/data/attributes/ends_at"), `pointers: ${pointers.join(", ")}`);
  assert.ok(error.messagesFor("ends_at").length > 0);

  // The cache keeps the rejected save's errors on the record, as Ember Data's record.errors did.
  const errors = store.cache.getErrors(recordIdentifierFor(event));
  assert.ok(errors.some((item) => item.source?.pointer === "/data/attributes/ends_at"));
  assert.equal(event.endsAt, DAY.ends_at, "the record keeps what the API has");

  const form = await renameEvent(store, event, "");
  assert.ok("errors" in form && (form.errors.name?.length ?? 0) > 0, JSON.stringify(form));
});

test("404 and 401 are NotFoundError and UnauthorizedError", async () => {
  const { store } = await newStore();
  const missing = await rejection(store.request(getEvent(randomUUID())));
  assert.ok(missing instanceof NotFoundError, String(missing));
  assert.equal(missing.code, "event_not_found");
  assert.ok(!(missing instanceof UnauthorizedError));

  const anonymous = storeFor(createBadgesClient({ baseUrl: API_URL, tokens: new MemoryTokenStorage() }));
  const denied = await rejection(anonymous.request(listEvents()));
  assert.ok(denied instanceof UnauthorizedError, String(denied));
  assert.equal(denied.code, "token_missing");
  const save = await rejection(anonymous.request(createEvent({ name: "Nobody's", ...DAY })));
  assert.ok(save instanceof UnauthorizedError, "a save without a token fails loudly");
});

test("409, 422 rows and 429 map to their classes and pointers", () => {
  const problem = (status: number, code: string, errors?: Record<string, string[]>) =>
    new ApiError({ type: "about:blank", title: "", status, code, detail: code, ...(errors ? { errors } : {}) }, 3);
  assert.ok(errorFor(problem(409, "email_taken")) instanceof ConflictError);
  const limited = errorFor(problem(429, "rate_limited"));
  assert.ok(limited instanceof TooManyRequestsError);
  assert.equal(limited.retryAfter, 3);
  assert.equal(pointerFor("body"), "/data");
  assert.equal(pointerFor("0.price"), "/data/0/attributes/price");
  assert.equal(pointerFor("ticket_ids.3"), "/data/attributes/ticket_ids/3");
  const rows = errorFor(problem(422, "validation_failed", { "1.price": ["Must be greater than 0."] }));
  assert.deepEqual(rows.errors[0]?.source, { pointer: "/data/1/attributes/price" });
});

test("events page by page through the documents' links", async () => {
  const { store } = await newStore();
  const names = ["A", "B", "C", "D", "E"];
  for (const name of names) await store.request(createEvent({ name, ...DAY }));

  const seen: string[] = [];
  let doc = (await store.request<ReactiveDataDocument<EventRecord[]>>(listEvents({ per_page: 2 }))).content;
  assert.equal(doc.meta?.total, 5);
  for (let pages = 1; ; pages++) {
    assert.ok(pages <= 3);
    seen.push(...doc.data!.map((event) => event.name));
    const next = doc.links?.next;
    if (!next) break;
    assert.equal(typeof next, "string");
    doc = (await store.request<ReactiveDataDocument<EventRecord[]>>(followLink(next as string))).content;
  }
  assert.deepEqual([...seen].sort(), names);

  // The document's own next() asks the store for links.next, which the handler takes too.
  const first = (await store.request<ReactiveDataDocument<EventRecord[]>>(listEvents({ per_page: 2 }))).content;
  const second = await first.next();
  assert.ok(second, "a second page");
  assert.equal(second.data!.length, 2);
  assert.equal(second.meta?.page, 2);
  assert.equal(doc.links?.prev !== null, true, "the last page links back");
});

test("a deleted event is gone from the API", async () => {
  const { store } = await newStore();
  const event = await newEvent(store, "Short-lived");
  await store.request(deleteEvent(event));
  store.unloadRecord(event);
  assert.equal(store.peekRecord({ type: "event", id: event.id }), null);
  const error = await rejection(store.request(getEvent(event.id, { reload: true })));
  assert.ok(error instanceof NotFoundError);
});
