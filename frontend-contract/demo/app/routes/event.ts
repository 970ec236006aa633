import Route from '@ember/routing/route';
import { service } from '@ember/service';
import type RouterService from '@ember/routing/router-service';
import type Transition from '@ember/routing/transition';
import type SessionService from 'badges-demo/services/session';
import type EventsDataService from 'badges-demo/services/events-data';
import { requireLogin } from 'badges-demo/utils/auth';

export default class EventRoute extends Route {
  @service declare session: SessionService;
  @service declare router: RouterService;
  @service('events-data') declare eventsData: EventsDataService;

  beforeModel(transition: Transition) {
    return requireLogin(this.session, this.router, transition);
  }

  async model({ event_id }: { event_id: string }) {
    const [event, tickets] = await Promise.all([
      this.eventsData.event(event_id),
      this.eventsData.tickets(event_id),
    ]);
    return { event, tickets };
  }
}
