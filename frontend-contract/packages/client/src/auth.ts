import { type BadgesClient, ok, type Schemas } from "./client.js";
import { ApiError } from "./errors.js";

/** `POST /users`: a new, unverified account. It does not log in (call `login`). */
export function register(client: BadgesClient, account: Schemas["UserCreate"]): Promise<Schemas["User"]> {
  return ok(client.api.POST("/users", { body: account }));
}

/** `POST /auth/login`: stores both tokens in the client's token storage. */
export async function login(client: BadgesClient, email: string, password: string): Promise<Schemas["TokenPair"]> {
  const pair = await ok(client.api.POST("/auth/login", { body: { email, password } }));
  await client.tokens.write({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
  return pair;
}

/**
 * `POST /auth/logout` with the refresh token (it revokes both tokens even when the access token has
 * expired). The local tokens are cleared whatever the answer; a 401 (already gone) is ignored.
 */
export async function logout(client: BadgesClient): Promise<void> {
  const { refreshToken, accessToken } = await client.tokens.read();
  await client.tokens.clear();
  const token = refreshToken ?? accessToken;
  if (!token) return;
  try {
    const headers = { Authorization: `Bearer ${token}` };
    await client.fetch(new Request(client.url("/auth/logout"), { method: "POST", headers }));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}

/** `GET /users/me`. */
export function currentUser(client: BadgesClient): Promise<Schemas["User"]> {
  return ok(client.api.GET("/users/me"));
}
