import Route from '@ember/routing/route';
import { service } from '@ember/service';
import type RouterService from '@ember/routing/router-service';
import { isApiError } from '@badges/client';
import type SessionService from 'badges-demo/services/session';

export default class VerifyEmailRoute extends Route {
  @service declare session: SessionService;
  @service declare router: RouterService;

  async model({ token }: { token?: string }) {
    if (!token) return { ok: false, message: 'This link has no token.' };
    try {
      const user = await this.session.verify(token);
      return { ok: true, message: `${user.email} is verified.` };
    } catch (error) {
      if (isApiError(error))
        return {
          ok: false,
          message: error.fieldErrors('token')[0] ?? error.detail,
        };
      throw error;
    }
  }

  afterModel() {
    // Drop the token from the URL so it does not stay in the history.
    window.history.replaceState(window.history.state, '', '/verify-email');
  }
}
