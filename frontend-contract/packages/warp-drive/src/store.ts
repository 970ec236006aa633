import type { BadgesClient } from "@badges/client";
import { useRecommendedStore } from "@warp-drive/core";
import { JSONAPICache } from "@warp-drive/json-api";

import { createBadgesHandler } from "./handler.js";
import { badgeSchemas } from "./schemas.js";

/**
 * A Store class set up for the badge API: `@warp-drive/json-api`'s cache, the schemas, and the
 * handler before WarpDrive's own Fetch (which only sees requests that are not the API's).
 * In an Ember app: `export default createBadgesStore(client)` in `app/services/store.ts`.
 */
export function createBadgesStore(client: BadgesClient) {
  return useRecommendedStore({
    cache: JSONAPICache,
    schemas: badgeSchemas,
    handlers: [createBadgesHandler(client)],
  });
}
