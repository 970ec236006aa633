// Every read and write of events and tickets goes through this one service, so the screens do not
// know where the data comes from: the WarpDrive store (app/services/store.ts) with
// @badges/warp-drive's request builders. The records are the store's (read-only, reactive: a
// reorder's answer updates every ticket's `position` in place); forms keep their own values and
// send them with a builder. Failures are @badges/warp-drive's errors (InvalidError with JSON:API
// pointers, UnauthorizedError...). Uploads, previews, jobs and downloads stay on @badges/client
// (app/services/badges.ts).
import Service from '@ember/service';
import { service } from '@ember/service';
import type { Schemas } from '@badges/client';
import {
  type BadgesRequest,
  type BadgesRequestError,
  createEvent,
  createTicket,
  followLink,
  getEvent,
  isBadgesRequestError,
  listEvents,
  listTickets,
  pointerFor,
  reorderTickets,
} from '@badges/warp-drive';
import type { ReactiveDataDocument } from '@warp-drive/core/reactive';
import type { Type } from '@warp-drive/core/types/symbols';
import type StoreService from 'badges-demo/services/store';

/** An event record: the API's fields in camelCase (the `event` schema of @badges/warp-drive). */
export interface Event {
  readonly [Type]: 'event';
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly timezone: string;
  readonly location: string;
  readonly currency: string;
  readonly isPublic: boolean;
}

/** A ticket record (the `ticket` schema). */
export interface Ticket {
  readonly [Type]: 'ticket';
  readonly id: string;
  readonly eventId: string;
  readonly name: string;
  readonly type: Schemas['Ticket']['type'];
  readonly price: string;
  readonly badgeColor: string | null;
  readonly position: number;
}

export type EventCreate = Schemas['EventCreate'];
export type TicketCreate = Schemas['TicketBulkItem'];
export type { BadgesRequestError };

/** A failed request of this service (any status), or null for anything else (a bug: rethrow). */
export function requestError(error: unknown): BadgesRequestError | null {
  return isBadgesRequestError(error) ? error : null;
}

/**
 * A 422's messages for an API field (`ends_at`, `0.price` for row 0 of an array body), read by
 * JSON:API pointer from the error's own `errors` (which the store keeps when it copies an error).
 */
export function fieldMessages(
  error: BadgesRequestError | null,
  field: string,
): string[] {
  if (!error) return [];
  const pointer = pointerFor(field);
  return error.errors
    .filter((item) => item.source?.pointer === pointer)
    .map((item) => item.detail);
}

export default class EventsDataService extends Service {
  @service declare store: StoreService;

  /** All pages (`links.next`); the routes ask the API again on every visit (`reload`). */
  async #all<T>(first: BadgesRequest): Promise<T[]> {
    const all: T[] = [];
    let request = first;
    for (;;) {
      const { content } =
        await this.store.request<ReactiveDataDocument<T[]>>(request);
      all.push(...(content.data ?? []));
      const next = content.links?.next;
      if (typeof next !== 'string') return all;
      request = followLink(next, { reload: true });
    }
  }

  events(): Promise<Event[]> {
    return this.#all<Event>(listEvents({ per_page: 100 }, { reload: true }));
  }

  async event(eventId: string): Promise<Event> {
    const { content } = await this.store.request<ReactiveDataDocument<Event>>(
      getEvent(eventId, { reload: true }),
    );
    return content.data;
  }

  async createEvent(event: EventCreate): Promise<Event> {
    const { content } = await this.store.request<ReactiveDataDocument<Event>>(
      createEvent(event),
    );
    return content.data;
  }

  /** The tickets in their order (`position`). */
  tickets(eventId: string): Promise<Ticket[]> {
    return this.#all<Ticket>(
      listTickets(eventId, { per_page: 100 }, { reload: true }),
    );
  }

  async createTickets(
    eventId: string,
    tickets: TicketCreate[],
  ): Promise<Ticket[]> {
    const { content } = await this.store.request<
      ReactiveDataDocument<Ticket[]>
    >(createTicket(eventId, tickets));
    return [...(content.data ?? [])];
  }

  /** The whole order at once (PUT .../tickets/order): every ticket id exactly once. */
  async reorderTickets(
    eventId: string,
    ticketIds: string[],
  ): Promise<Ticket[]> {
    const { content } = await this.store.request<
      ReactiveDataDocument<Ticket[]>
    >(reorderTickets(eventId, ticketIds));
    return [...(content.data ?? [])];
  }
}

declare module '@ember/service' {
  interface Registry {
    'events-data': EventsDataService;
  }
}
