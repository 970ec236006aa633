import Route from '@ember/routing/route';
import { service } from '@ember/service';
import type RouterService from '@ember/routing/router-service';
import type Transition from '@ember/routing/transition';
import type SessionService from 'badges-demo/services/session';
import type BadgesService from 'badges-demo/services/badges';
import { requireLogin } from 'badges-demo/utils/auth';

export default class BadgesRoute extends Route {
  @service declare session: SessionService;
  @service declare router: RouterService;
  @service declare badges: BadgesService;

  beforeModel(transition: Transition) {
    return requireLogin(this.session, this.router, transition);
  }

  async model() {
    const [templates, fonts] = await Promise.all([
      this.badges.templates(),
      this.badges.fonts(),
    ]);
    return { templates, fonts };
  }
}
