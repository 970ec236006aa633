import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ApiError, currentUser, LocalStorageTokenStorage, login, logout, MemoryTokenStorage, ok } from "@badges/client";

import { makeClient } from "../examples/configure.js";
import { signOut, signUpAndIn } from "../examples/accounts.js";
import { ADMIN, API_URL, expired, MapStorage, newClient, PASSWORD, recordingFetch, signedIn, uniqueEmail } from "./support.js";

describe("accounts and tokens", () => {
  test("register, log in and read the account; the refresh token alone is kept in storage", async () => {
    const storage = new MapStorage();
    const client = makeClient(API_URL, storage);
    const email = uniqueEmail("signup");

    const user = await signUpAndIn(client, { email, password: PASSWORD, name: "Ada Lovelace" });

    assert.equal(user.email, email);
    assert.equal(user.is_verified, false);
    assert.deepEqual([...storage.items.keys()], ["badges.refresh_token"]);
    const { accessToken, refreshToken } = await client.tokens.read();
    assert.ok(accessToken);
    assert.equal(refreshToken, storage.getItem("badges.refresh_token"));
  });

  test("after a reload (refresh token stored, no access token) the first request refreshes first", async () => {
    const storage = new MapStorage();
    await signUpAndIn(makeClient(API_URL, storage), { email: uniqueEmail(), password: PASSWORD, name: "Reloaded" });
    const recorder = recordingFetch();
    // The same storage, a fresh memory: what a page reload leaves.
    const reloaded = newClient({ tokens: new LocalStorageTokenStorage({ storage }), fetch: recorder.fetch });

    const user = await currentUser(reloaded);

    assert.equal(user.name, "Reloaded");
    assert.deepEqual(recorder.calls, ["POST /auth/refresh", "GET /users/me"]);
  });

  test("a 401 token_expired is refreshed once and the request retried once", async () => {
    const { client, email } = await signedIn();
    const stored = await client.tokens.read();
    const recorder = recordingFetch();
    const tokens = new MemoryTokenStorage({ accessToken: expired(stored.accessToken ?? ""), refreshToken: stored.refreshToken });
    const stale = newClient({ tokens, fetch: recorder.fetch });

    const user = await currentUser(stale);

    assert.equal(user.email, email);
    assert.deepEqual(recorder.calls, ["GET /users/me", "POST /auth/refresh", "GET /users/me"]);
    const renewed = await tokens.read();
    assert.notEqual(renewed.accessToken, stored.accessToken);
    assert.equal(renewed.refreshToken, stored.refreshToken);
  });

  test("requests failing together share one refresh, and a retried request keeps its body", async () => {
    const { client } = await signedIn();
    const stored = await client.tokens.read();
    const recorder = recordingFetch();
    const stale = newClient({
      tokens: new MemoryTokenStorage({ accessToken: expired(stored.accessToken ?? ""), refreshToken: stored.refreshToken }),
      fetch: recorder.fetch,
    });

    const [me, event] = await Promise.all([
      currentUser(stale),
      ok(stale.api.POST("/events", { body: { name: "Retried", starts_at: "2027-01-01T09:00:00Z", ends_at: "2027-01-01T17:00:00Z" } })),
    ]);

    assert.ok(me.id);
    assert.equal(event.name, "Retried");
    assert.equal(recorder.calls.filter((call) => call === "POST /auth/refresh").length, 1);
  });

  test("when the retried request is refused again the client gives up: one refresh, no loop", async () => {
    const { client } = await signedIn();
    const stored = await client.tokens.read();
    const stale = expired(stored.accessToken ?? "");
    const recorder = recordingFetch();
    // A fetch that keeps sending the expired token, as a broken proxy cache might.
    const stubborn = newClient({
      tokens: new MemoryTokenStorage({ accessToken: stale, refreshToken: stored.refreshToken }),
      fetch: (request) => {
        if (!request.url.endsWith("/auth/refresh")) request.headers.set("Authorization", `Bearer ${stale}`);
        return recorder.fetch(request);
      },
    });

    await assert.rejects(currentUser(stubborn), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "token_expired");
      return true;
    });
    assert.deepEqual(recorder.calls, ["GET /users/me", "POST /auth/refresh", "GET /users/me"]);
  });

  test("other 401 codes are not refreshed: an invalid token is an ApiError at once", async () => {
    const { client } = await signedIn();
    const stored = await client.tokens.read();
    const recorder = recordingFetch();
    const broken = newClient({
      tokens: new MemoryTokenStorage({ accessToken: "not-a-token", refreshToken: stored.refreshToken }),
      fetch: recorder.fetch,
    });

    await assert.rejects(currentUser(broken), { name: "ApiError", status: 401, code: "token_invalid" });
    assert.deepEqual(recorder.calls, ["GET /users/me"]);
  });

  test("a refused refresh ends the session: tokens cleared, onSessionEnded told, ApiError thrown", async () => {
    const { client } = await signedIn();
    const stored = await client.tokens.read();
    await signOut(client); // revokes both tokens
    assert.deepEqual(await client.tokens.read(), { accessToken: null, refreshToken: null });
    const ended: string[] = [];
    const tokens = new MemoryTokenStorage({ accessToken: expired(stored.accessToken ?? ""), refreshToken: stored.refreshToken });
    const revoked = newClient({ tokens, onSessionEnded: (error) => ended.push(error.code) });

    await assert.rejects(currentUser(revoked), { name: "ApiError", status: 401, code: "token_revoked" });
    assert.deepEqual(ended, ["token_revoked"]);
    assert.deepEqual(await tokens.read(), { accessToken: null, refreshToken: null });
  });

  test("a wrong password is a 401 invalid_credentials and stores nothing", async () => {
    const client = newClient();
    await assert.rejects(login(client, ADMIN.email, "wrong-password-123"), { status: 401, code: "invalid_credentials" });
    assert.deepEqual(await client.tokens.read(), { accessToken: null, refreshToken: null });
  });

  test("the administrator from `manage.py users create-admin` is verified and an admin", async () => {
    const client = newClient();
    await login(client, ADMIN.email, ADMIN.password);
    const me = await currentUser(client);
    assert.equal(me.is_admin, true);
    assert.equal(me.is_verified, true);
    await logout(client);
  });
});
