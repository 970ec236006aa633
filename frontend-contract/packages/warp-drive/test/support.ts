// What the test files share: the service's address (from run.ts), a signed-in client and a store
// made as examples/configure.ts makes it.
import { randomUUID } from "node:crypto";

import { type BadgesClient, login, register } from "@badges/client";
import { useUntrackedSignals } from "@badges/warp-drive";
import type { Store } from "@warp-drive/core";

import { makeClient, makeStoreClass } from "../examples/configure.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (test/run.ts starts the service)`);
  return value;
}

useUntrackedSignals(); // Node has no UI to re-render: see src/signals.ts

export const API_URL = required("BADGES_API_URL");
export const PASSWORD = "correct-horse-battery";

export async function signedIn(): Promise<BadgesClient> {
  const client = makeClient(API_URL);
  const email = `warp-${randomUUID().slice(0, 8)}@example.org`;
  await register(client, { email, password: PASSWORD, name: "Warp Tester" });
  await login(client, email, PASSWORD);
  return client;
}

export function storeFor(client: BadgesClient): Store {
  const StoreClass = makeStoreClass(client);
  return new StoreClass();
}

/** A new user's store, and the client underneath to look at the API directly. */
export async function newStore(): Promise<{ store: Store; client: BadgesClient }> {
  const client = await signedIn();
  return { store: storeFor(client), client };
}
