// Every save reaches the API and a refused one throws, in the development build and, run again by
// run.ts, in WarpDrive's production build with NODE_ENV=production (the lost-edits bug).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ok } from "@badges/client";
import {
  createEvent,
  createTicket,
  deleteEvent,
  deleteTicket,
  InvalidError,
  reorderTickets,
  updateEvent,
  updateTicket,
} from "@badges/warp-drive";
import type { ReactiveDataDocument } from "@warp-drive/core/reactive";

import type { EventRecord, TicketRecord } from "../examples/events.js";
import { newStore } from "./support.js";

const BUILD = process.env.BADGES_BUILD ?? "development";

test(`the ${BUILD} build of WarpDrive is the one loaded`, () => {
  const core = import.meta.resolve("@warp-drive/core");
  assert.ok(core.includes(BUILD === "production" ? "/unpkg/prod/" : "/unpkg/dev/"), core);
});

test(`saves reach the API and refusals throw (${BUILD} build)`, async () => {
  const { store, client } = await newStore();
  const apiEvent = async (id: string) => ok(client.api.GET("/events/{event_id}", { params: { path: { event_id: id } } }));
  const apiTickets = async (id: string) =>
    (await ok(client.api.GET("/events/{event_id}/tickets", { params: { path: { event_id: id } } }))).items;

  const created = await store.request<ReactiveDataDocument<EventRecord>>(
    createEvent({ name: "Prod check", starts_at: "2027-06-01T09:00:00+00:00", ends_at: "2027-06-01T18:00:00+00:00" }),
  );
  const event = created.content.data!;
  assert.equal((await apiEvent(event.id)).name, "Prod check");

  await store.request(updateEvent(event, { name: "Prod check, renamed", is_public: true }));
  const stored = await apiEvent(event.id);
  assert.equal(stored.name, "Prod check, renamed", "the API saw the update");
  assert.equal(stored.is_public, true);
  assert.equal(event.name, "Prod check, renamed", "and the record shows it");

  await assert.rejects(store.request(updateEvent(event, { ends_at: "2027-05-01T09:00:00+00:00" })), (error) => error instanceof InvalidError);
  assert.equal((await apiEvent(event.id)).ends_at, "2027-06-01T18:00:00+00:00", "nothing changed");

  const tickets = await store.request<ReactiveDataDocument<TicketRecord[]>>(
    createTicket(event.id, [{ name: "One" }, { name: "Two" }, { name: "Three" }]),
  );
  const [one, two, three] = tickets.content.data!;
  assert.deepEqual((await apiTickets(event.id)).map((ticket) => ticket.name), ["One", "Two", "Three"]);

  await store.request(updateTicket(event.id, one!, { name: "One, renamed", position: 2 }));
  assert.deepEqual((await apiTickets(event.id)).map((ticket) => ticket.name), ["Two", "Three", "One, renamed"]);

  await store.request(reorderTickets(event.id, [three!.id, one!.id, two!.id]));
  assert.deepEqual((await apiTickets(event.id)).map((ticket) => ticket.name), ["Three", "One, renamed", "Two"]);

  await store.request(deleteTicket(event.id, two!));
  assert.deepEqual((await apiTickets(event.id)).map((ticket) => ticket.name), ["Three", "One, renamed"]);

  await store.request(deleteEvent(event));
  const gone = await client.api.GET("/events/{event_id}", { params: { path: { event_id: event.id } } }).catch((e: unknown) => e);
  assert.equal((gone as { status?: number }).status, 404, "the API deleted the event");
});
