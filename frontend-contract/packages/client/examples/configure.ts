// examples/configure.ts: one client for the app. The refresh token is kept in localStorage (pass
// sessionStorage for a login per tab), the access token in memory only.
import { type BadgesClient, createBadgesClient, type KeyValueStorage, LocalStorageTokenStorage } from "@badges/client";

export function makeClient(baseUrl: string, storage?: KeyValueStorage): BadgesClient {
  return createBadgesClient({
    baseUrl, // e.g. "https://api.badges.example.org/api/v1", or "/api/v1" behind `ember serve --proxy`
    tokens: new LocalStorageTokenStorage(storage ? { storage } : {}),
    onSessionEnded: (error) => {
      // The refresh token was refused (expired, revoked): send the user to the login page.
      console.info(`Signed out: ${error.code}`);
    },
  });
}
