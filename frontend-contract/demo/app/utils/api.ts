// The app's one BadgesClient, shared by the session service (log in, refresh, log out), the
// WarpDrive store (events and tickets, app/services/store.ts) and the badge screens (uploads,
// previews, jobs, downloads): one token storage, so a refresh on 401 serves them all. The refresh
// token is kept in sessionStorage (a login per tab), the access token in memory only, as the guide
// recommends.
import { createBadgesClient, LocalStorageTokenStorage } from '@badges/client';
import config from 'badges-demo/config/environment';

let sessionEnded: () => void = () => {};

/** What to do when a refresh is refused (the session service sends the user to the login page). */
export function onSessionEnded(callback: () => void): void {
  sessionEnded = callback;
}

export const client = createBadgesClient({
  baseUrl: config.APP['apiBaseUrl'] as string,
  tokens: new LocalStorageTokenStorage({
    storage: window.sessionStorage,
    key: 'badges-demo.tokens',
  }),
  onSessionEnded: () => sessionEnded(),
});
