// examples/accounts.ts: register, log in, read the current account, log out.
import { type BadgesClient, currentUser, login, logout, register, type Schemas } from "@badges/client";

export async function signUpAndIn(
  client: BadgesClient,
  account: { email: string; password: string; name: string },
): Promise<Schemas["User"]> {
  await register(client, account); // 201, unverified; no tokens yet
  await login(client, account.email, account.password); // both tokens go to the client's storage
  return currentUser(client); // GET /users/me with the access token
}

export async function signOut(client: BadgesClient): Promise<void> {
  await logout(client); // revokes both tokens on the server, clears them locally
}
