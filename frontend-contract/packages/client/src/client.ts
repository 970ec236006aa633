import createFetchClient, { type Client } from "openapi-fetch";

import { ApiError } from "./errors.js";
import type { components, paths } from "./openapi.js";
import { MemoryTokenStorage, type TokenStorage } from "./tokens.js";

export type { paths, components, operations } from "./openapi.js";
export type Schemas = components["schemas"];

export interface BadgesClientOptions {
  /** The API root, e.g. `https://api.badges.example.org/api/v1`, or `/api/v1` behind a proxy. */
  baseUrl: string;
  /** Where the tokens live (default: memory). */
  tokens?: TokenStorage;
  /** The fetch to call (default `globalThis.fetch`). */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Which 401s are worth one refresh and one retry. Default: `code === "token_expired"`, as the
   * guide says; the other token codes (missing, invalid, revoked) do not get better.
   */
  shouldRefresh?: (error: ApiError) => boolean;
  /** Called when a refresh is refused (401): the tokens are cleared, the user must log in again. */
  onSessionEnded?: (error: ApiError) => void;
}

export interface BadgesClient {
  /** The typed openapi-fetch client: `api.GET("/users/me")`. Failures throw `ApiError`. */
  readonly api: Client<paths>;
  readonly baseUrl: string;
  readonly tokens: TokenStorage;
  /** fetch with the access token, one refresh and retry on 401, and `ApiError` for failures. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Gets a new access token with the refresh token; concurrent callers share one request. */
  refresh(): Promise<string>;
  /** An absolute URL for a path of the API (`/events`), with its query. */
  url(path: string, query?: QueryParams): string;
}

export type QueryValue = string | number | boolean | readonly (string | number | boolean)[] | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

/** Operations that take no token: the client neither sends one nor refreshes for them. */
const ANONYMOUS: readonly (readonly [string, RegExp])[] = [
  ["POST", /^\/auth\/(login|refresh|password-reset|password-reset\/confirm)$/],
  ["POST", /^\/users(\/verify)?$/],
  ["GET", /^\/(downloads\/[^/]+|health|openapi\.(yaml|json)|docs)$/],
];

export function createBadgesClient(options: BadgesClientOptions): BadgesClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const tokens = options.tokens ?? new MemoryTokenStorage();
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const shouldRefresh = options.shouldRefresh ?? ((error: ApiError) => error.code === "token_expired");
  let refreshing: Promise<string> | null = null;

  const url = (path: string, query: QueryParams = {}): string => {
    const target = new URL(`${absoluteBase(baseUrl)}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value === null || value === undefined) continue;
      target.searchParams.set(name, Array.isArray(value) ? value.join(",") : String(value));
    }
    return target.toString();
  };

  async function refresh(): Promise<string> {
    refreshing ??= (async () => {
      const { refreshToken } = await tokens.read();
      if (!refreshToken) {
        throw new ApiError({
          type: "about:blank",
          title: "Unauthorized",
          status: 401,
          code: "token_missing",
          detail: "No refresh token: log in first.",
        });
      }
      const response = await send(
        new Request(url("/auth/refresh"), { method: "POST", headers: { Authorization: `Bearer ${refreshToken}` } }),
      );
      if (!response.ok) {
        const error = await ApiError.fromResponse(response);
        if (error.status === 401) {
          await tokens.clear();
          options.onSessionEnded?.(error);
        }
        throw error;
      }
      const body = (await response.json()) as components["schemas"]["AccessToken"];
      await tokens.write({ accessToken: body.access_token, refreshToken });
      return body.access_token;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function authorizedFetch(request: Request): Promise<Response> {
    if (request.headers.has("Authorization") || isAnonymous(baseUrl, request)) return checked(await send(request));
    const retry = request.clone(); // the body can be sent once only
    const stored = await tokens.read();
    let token = stored.accessToken;
    let refreshed = false;
    if (!token && stored.refreshToken) {
      // After a reload: the access token lived in memory only, the refresh token was kept.
      token = await refresh();
      refreshed = true;
    }
    const first = await send(withToken(request, token));
    if (first.status !== 401 || !token || refreshed) return checked(first);
    const error = await ApiError.fromResponse(first);
    if (!shouldRefresh(error) || !stored.refreshToken) throw error;
    // Another request may have refreshed while this one was on its way: use its token.
    const current = (await tokens.read()).accessToken;
    const renewed = current && current !== token ? current : await refresh();
    return checked(await send(withToken(retry, renewed)));
  }

  const api = createFetchClient<paths>({ baseUrl: absoluteBase(baseUrl), fetch: authorizedFetch });
  return { api, baseUrl, tokens, fetch: authorizedFetch, refresh, url };
}

/** The data of a successful openapi-fetch call (its failures already threw `ApiError`). */
export async function ok<T>(pending: Promise<{ data?: T; response: Response }>): Promise<T> {
  // A failure never gets here: the client's fetch throws ApiError for every status from 400 on.
  const { data } = await pending;
  return data as T;
}

async function checked(response: Response): Promise<Response> {
  if (response.status >= 400) throw await ApiError.fromResponse(response);
  return response;
}

function withToken(request: Request, token: string | null): Request {
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

function isAnonymous(baseUrl: string, request: Request): boolean {
  const root = new URL(absoluteBase(baseUrl)).pathname.replace(/\/+$/, "");
  const path = new URL(request.url).pathname;
  if (!path.startsWith(root)) return false;
  const rest = path.slice(root.length);
  return ANONYMOUS.some(([method, pattern]) => method === request.method && pattern.test(rest));
}

/** A relative base URL (`/api/v1` behind a proxy) resolved against the page's own origin. */
function absoluteBase(baseUrl: string): string {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (/^[a-z][a-z0-9+.-]*:/i.test(baseUrl) || !origin) return baseUrl;
  return new URL(baseUrl, origin).toString().replace(/\/+$/, "");
}
