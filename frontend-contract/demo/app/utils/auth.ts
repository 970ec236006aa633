import type Transition from '@ember/routing/transition';
import type RouterService from '@ember/routing/router-service';
import type SessionService from 'badges-demo/services/session';

/** For routes behind the login: restore the session, or go to the login page. */
export async function requireLogin(
  session: SessionService,
  router: RouterService,
  transition: Transition,
): Promise<void> {
  await session.restore();
  if (!session.isAuthenticated) {
    transition.abort();
    router.transitionTo('login');
  }
}
