// Every read and write of events and tickets goes through this one service, so the screens do not
// know where the data comes from. Today it calls @badges/client directly; switching to the
// WarpDrive store of @badges/warp-drive means rewriting these methods (store.request with its
// request builders) and nothing in the routes or components.
import Service from '@ember/service';
import { service } from '@ember/service';
import { items, ok, type Schemas } from '@badges/client';
import type SessionService from 'badges-demo/services/session';

export type Event = Schemas['Event'];
export type EventCreate = Schemas['EventCreate'];
export type Ticket = Schemas['Ticket'];
export type TicketCreate = Schemas['TicketBulkItem'];

export default class EventsDataService extends Service {
  @service declare session: SessionService;

  get #client() {
    return this.session.client;
  }

  async events(): Promise<Event[]> {
    const all: Event[] = [];
    for await (const event of items(this.#client, '/events', {
      query: { per_page: 100 },
    }))
      all.push(event);
    return all;
  }

  event(eventId: string): Promise<Event> {
    return ok(
      this.#client.api.GET('/events/{event_id}', {
        params: { path: { event_id: eventId } },
      }),
    );
  }

  createEvent(event: EventCreate): Promise<Event> {
    return ok(this.#client.api.POST('/events', { body: event }));
  }

  async tickets(eventId: string): Promise<Ticket[]> {
    const all: Ticket[] = [];
    for await (const ticket of items(
      this.#client,
      '/events/{event_id}/tickets',
      { path: { event_id: eventId }, query: { per_page: 100 } },
    ))
      all.push(ticket);
    return all;
  }

  async createTickets(
    eventId: string,
    tickets: TicketCreate[],
  ): Promise<Ticket[]> {
    const created = await ok(
      this.#client.api.POST('/events/{event_id}/tickets', {
        params: { path: { event_id: eventId } },
        body: tickets,
      }),
    );
    return Array.isArray(created) ? created : [created];
  }

  /** The whole order at once (PUT .../tickets/order): every ticket id exactly once. */
  async reorderTickets(
    eventId: string,
    ticketIds: string[],
  ): Promise<Ticket[]> {
    const { items: ordered } = await ok(
      this.#client.api.PUT('/events/{event_id}/tickets/order', {
        params: { path: { event_id: eventId } },
        body: { ticket_ids: ticketIds },
      }),
    );
    return ordered;
  }
}

declare module '@ember/service' {
  interface Registry {
    'events-data': EventsDataService;
  }
}
