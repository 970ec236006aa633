// packages/warp-drive/examples/events.ts: the event editor's saves through the store. Every save
// is a request the API answers; a refusal throws (InvalidError with pointers, NotFoundError...).
import type { Store } from "@warp-drive/core";
import type { ReactiveDataDocument } from "@warp-drive/core/reactive";
import type { Type } from "@warp-drive/core/types/symbols";
import {
  createEvent,
  createTicket,
  InvalidError,
  listTickets,
  reorderTickets,
  updateEvent,
} from "@badges/warp-drive";

/** What the schemas give a record (camelCase fields over the API's snake_case attributes). */
export interface EventRecord {
  readonly [Type]: "event"; // types store.peekRecord<EventRecord>(...) and friends
  id: string;
  $type: "event";
  name: string;
  startsAt: string;
  endsAt: string;
  isPublic: boolean;
}
export interface TicketRecord {
  readonly [Type]: "ticket";
  id: string;
  $type: "ticket";
  name: string;
  position: number;
  eventId: string;
}

export async function newEvent(store: Store, name: string): Promise<EventRecord> {
  const { content } = await store.request<ReactiveDataDocument<EventRecord>>(
    createEvent({ name, starts_at: "2027-05-01T09:00:00+00:00", ends_at: "2027-05-01T17:00:00+00:00" }),
  );
  return content.data!;
}

/** A rename from a form: the field's messages on a 422, else the updated record. */
export async function renameEvent(
  store: Store,
  event: EventRecord,
  name: string,
): Promise<{ event: EventRecord } | { errors: Record<string, string[]> }> {
  try {
    const { content } = await store.request<ReactiveDataDocument<EventRecord>>(updateEvent(event, { name }));
    return { event: content.data! };
  } catch (error) {
    if (!(error instanceof InvalidError)) throw error; // 401, 404, 5xx: not a form problem
    const errors: Record<string, string[]> = {};
    for (const item of error.errors) {
      const field = item.source?.pointer.replace("/data/attributes/", "") ?? "base";
      (errors[field] ??= []).push(item.detail);
    }
    return { errors };
  }
}

/** Tickets in their order (one page of up to 100: an editor loads them all, see the guide). */
export async function ticketsInOrder(store: Store, eventId: string, reload = false): Promise<TicketRecord[]> {
  const { content } = await store.request<ReactiveDataDocument<TicketRecord[]>>(
    listTickets(eventId, { per_page: 100 }, { reload }),
  );
  return [...content.data!];
}

export async function addTickets(store: Store, eventId: string, names: string[]): Promise<TicketRecord[]> {
  const rows = names.map((name) => ({ name, is_hidden: false }));
  const { content } = await store.request<ReactiveDataDocument<TicketRecord[]>>(createTicket(eventId, rows));
  return [...content.data!];
}

/** After a drop: every ticket id in the new order; the answer updates every ticket's position. */
export async function dropTickets(store: Store, eventId: string, ticketIds: string[]): Promise<TicketRecord[]> {
  const { content } = await store.request<ReactiveDataDocument<TicketRecord[]>>(reorderTickets(eventId, ticketIds));
  return [...content.data!];
}
