/**
 * @badges/warp-drive: the badge service API for a WarpDrive / Ember Data 5.8 store.
 *
 * - builders (`createEvent`, `updateTicket`, `reorderTickets`, `listEvents`, ...): RequestInfo for
 *   `store.request()`, one per operation;
 * - `createBadgesHandler(client)`: sends them with the @badges/client's token handling and turns
 *   the answers into JSON:API documents for `@warp-drive/json-api`'s cache;
 * - `badgeSchemas`: resource schemas (`event`, `ticket`, `badge-template`, `font`, `badge-job`);
 * - error classes (`InvalidError`, `UnauthorizedError`, `NotFoundError`, `ConflictError`,
 *   `TooManyRequestsError`, ...) with JSON:API `errors` pointing at `/data/attributes/<field>`;
 * - `createBadgesStore(...)`: a configured store class in one call.
 */
export * from "./builders.js";
export {
  BadgesRequestError,
  ConflictError,
  errorFor,
  ForbiddenError,
  InvalidError,
  isBadgesRequestError,
  type JsonApiError,
  NotFoundError,
  pointerFor,
  ServerError,
  TooManyRequestsError,
  UnauthorizedError,
} from "./errors.js";
export { createBadgesHandler, type JsonApiDocument, type JsonApiResource, normalize, resource } from "./handler.js";
export { badgeSchemas, type ResourceType, TYPES } from "./schemas.js";
export { createBadgesStore } from "./store.js";
export { useUntrackedSignals } from "./signals.js";
