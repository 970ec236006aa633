// Who is logged in, over the app's one BadgesClient (app/utils/api.ts), which the WarpDrive store
// shares: a login, a refresh or a logout here is one for the store too.
import Service from '@ember/service';
import { service } from '@ember/service';
import { tracked } from '@glimmer/tracking';
import type RouterService from '@ember/routing/router-service';
import type Owner from '@ember/owner';
import {
  type BadgesClient,
  currentUser,
  login,
  logout,
  ok,
  register,
  type Schemas,
} from '@badges/client';
import { client, onSessionEnded } from 'badges-demo/utils/api';
import type StoreService from 'badges-demo/services/store';

export type User = Schemas['User'];

export default class SessionService extends Service {
  @service declare router: RouterService;
  @service declare store: StoreService;

  @tracked user: User | null = null;
  #restored: Promise<void> | null = null;

  readonly client: BadgesClient = client;

  constructor(owner?: Owner) {
    super(owner);
    onSessionEnded(() => {
      this.user = null;
      this.router.transitionTo('login');
    });
  }

  get isAuthenticated(): boolean {
    return this.user !== null;
  }

  /** At boot: a stored refresh token gets a new access token and the current user. */
  restore(): Promise<void> {
    this.#restored ??= (async () => {
      const { refreshToken } = await this.client.tokens.read();
      if (!refreshToken) return;
      try {
        this.user = await currentUser(this.client);
      } catch {
        await this.client.tokens.clear();
      }
    })();
    return this.#restored;
  }

  async register(account: Schemas['UserCreate']): Promise<User> {
    return register(this.client, account);
  }

  async logIn(email: string, password: string): Promise<void> {
    await login(this.client, email, password);
    this.user = await currentUser(this.client);
  }

  async logOut(): Promise<void> {
    try {
      await logout(this.client);
    } finally {
      this.user = null;
      this.store.unloadAll(); // the next user must not see this one's events
    }
  }

  /** The token from the mail's /verify-email link; no Authorization header needed. */
  async verify(token: string): Promise<User> {
    const user = await ok(
      this.client.api.POST('/users/verify', { body: { token } }),
    );
    if (this.user) this.user = await currentUser(this.client);
    return user;
  }
}

declare module '@ember/service' {
  interface Registry {
    session: SessionService;
  }
}
