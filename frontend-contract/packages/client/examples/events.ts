// examples/events.ts: every event across pages, tickets in one request, a drop reordered.
import { type BadgesClient, items, ok, type Schemas } from "@badges/client";

/** Every event of the user, following the Link header page after page. */
export async function allEvents(client: BadgesClient, perPage = 100): Promise<Schemas["Event"][]> {
  const events: Schemas["Event"][] = [];
  for await (const event of items(client, "/events", { query: { per_page: perPage } })) events.push(event);
  return events;
}

/** An event with its tickets, created in two requests (the tickets as one array, all or nothing). */
export async function createEventWithTickets(
  client: BadgesClient,
  event: Schemas["EventCreate"],
  tickets: Schemas["TicketBulkItem"][],
): Promise<{ event: Schemas["Event"]; tickets: Schemas["Ticket"][] }> {
  const created = await ok(client.api.POST("/events", { body: event }));
  const rows = await ok(
    client.api.POST("/events/{event_id}/tickets", { params: { path: { event_id: created.id } }, body: tickets }),
  );
  return { event: created, tickets: Array.isArray(rows) ? rows : [rows] };
}

/** After a drag and drop: send every ticket id of the event in the new order. */
export async function reorderTickets(
  client: BadgesClient,
  eventId: string,
  ticketIds: string[],
): Promise<Schemas["Ticket"][]> {
  const { items: ordered } = await ok(
    client.api.PUT("/events/{event_id}/tickets/order", {
      params: { path: { event_id: eventId } },
      body: { ticket_ids: ticketIds },
    }),
  );
  return ordered;
}
