import Route from '@ember/routing/route';
import { service } from '@ember/service';
import type RouterService from '@ember/routing/router-service';
import type SessionService from 'badges-demo/services/session';

export default class IndexRoute extends Route {
  @service declare session: SessionService;
  @service declare router: RouterService;

  beforeModel() {
    if (this.session.isAuthenticated) this.router.transitionTo('events');
  }
}
