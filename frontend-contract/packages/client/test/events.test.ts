import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ApiError, login, ok, pages } from "@badges/client";

import { allEvents, createEventWithTickets, reorderTickets } from "../examples/events.js";
import { ADMIN, newClient, recordingFetch, signedIn } from "./support.js";

const day = (n: number) => `2027-03-${String(n).padStart(2, "0")}T09:00:00Z`;

describe("events, tickets and paging", () => {
  test("items() follows Link across pages and returns every event in order", async () => {
    const recorder = recordingFetch();
    const { client } = await signedIn({ fetch: recorder.fetch });
    for (let n = 1; n <= 7; n++) {
      await ok(client.api.POST("/events", { body: { name: `Event ${n}`, starts_at: day(n), ends_at: day(n + 1) } }));
    }
    recorder.calls.length = 0;

    const events = await allEvents(client, 3);

    assert.deepEqual(
      events.map((event) => event.name),
      ["Event 1", "Event 2", "Event 3", "Event 4", "Event 5", "Event 6", "Event 7"],
    );
    assert.deepEqual(recorder.calls, ["GET /events", "GET /events", "GET /events"]);
  });

  test("pages() yields each page as the API sent it", async () => {
    const { client } = await signedIn();
    for (let n = 1; n <= 5; n++) {
      await ok(client.api.POST("/events", { body: { name: `E${n}`, starts_at: day(n), ends_at: day(n + 1) } }));
    }
    const seen: [number, number, number][] = [];
    for await (const page of pages(client, "/events", { query: { per_page: 2 } })) {
      seen.push([page.page, page.items.length, page.total]);
    }
    assert.deepEqual(seen, [
      [1, 2, 5],
      [2, 2, 5],
      [3, 1, 5],
    ]);
  });

  test("the admin's user list pages the same way", async () => {
    const client = newClient();
    await login(client, ADMIN.email, ADMIN.password);
    let count = 0;
    let total = 0;
    for await (const page of pages(client, "/users", { query: { per_page: 1 } })) {
      count += 1;
      total = page.total;
      if (count === 3) break; // leaving the loop early stops the requests
    }
    assert.ok(total >= 1);
    assert.equal(count, Math.min(3, total));
  });

  test("create an event with tickets, reorder them, and a stale order is a 422 not_a_permutation", async () => {
    const { client } = await signedIn();
    const { event, tickets } = await createEventWithTickets(
      client,
      { name: "Summit", starts_at: day(10), ends_at: day(12), currency: "EUR" },
      [
        { name: "Early bird", type: "paid", price: "49.00", is_hidden: false },
        { name: "Speaker", type: "free", is_hidden: true },
        { name: "Supporter", type: "donation", price: 10, is_hidden: false },
      ],
    );
    assert.deepEqual(
      tickets.map((ticket) => [ticket.name, ticket.position, ticket.price]),
      [
        ["Early bird", 0, "49.00"],
        ["Speaker", 1, "0.00"],
        ["Supporter", 2, "10.00"],
      ],
    );

    const [first, second, third] = tickets.map((ticket) => ticket.id) as [string, string, string];
    const ordered = await reorderTickets(client, event.id, [third, first, second]);
    assert.deepEqual(
      ordered.map((ticket) => [ticket.name, ticket.position]),
      [
        ["Supporter", 0],
        ["Early bird", 1],
        ["Speaker", 2],
      ],
    );

    const listed = [];
    for await (const page of pages(client, "/events/{event_id}/tickets", { path: { event_id: event.id } })) {
      listed.push(...page.items.map((ticket) => ticket.name));
    }
    assert.deepEqual(listed, ["Supporter", "Early bird", "Speaker"]);

    const error = await reorderTickets(client, event.id, [first, second]).catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, "not_a_permutation");
    assert.match(error.fieldErrors("ticket_ids").join(" "), /Missing/);
  });
});
