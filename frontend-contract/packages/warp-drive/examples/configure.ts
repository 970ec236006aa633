// packages/warp-drive/examples/configure.ts: one API client (tokens, refresh) and a Store class
// wired to the API. In an Ember app the store service extends makeStoreClass(client) (below),
// and app/app.ts imports '@warp-drive/ember/install' once for Ember's reactivity.
import { type BadgesClient, createBadgesClient, type TokenStorage } from "@badges/client";
import { createBadgesStore } from "@badges/warp-drive";

export function makeClient(baseUrl: string, tokens?: TokenStorage): BadgesClient {
  // baseUrl: e.g. "https://api.badges.example.org/api/v1", or "/api/v1" behind `ember serve --proxy`
  return createBadgesClient(tokens ? { baseUrl, tokens } : { baseUrl });
}

export function makeStoreClass(client: BadgesClient) {
  return createBadgesStore(client); // JSONAPICache + badgeSchemas + the badge handler
}
