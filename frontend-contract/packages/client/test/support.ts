// What every test file shares: the running service's address (from run.ts), fresh accounts, and
// tools to look at the client from outside (a counting fetch, a Web Storage stand-in).
import { randomUUID } from "node:crypto";

import {
  type BadgesClient,
  type BadgesClientOptions,
  createBadgesClient,
  type KeyValueStorage,
  login,
  MemoryTokenStorage,
  register,
} from "@badges/client";
import { expired } from "@badges/test-support";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (test/run.ts starts the service)`);
  return value;
}

export const API_URL = required("BADGES_API_URL");
export const ADMIN = { email: required("BADGES_ADMIN_EMAIL"), password: required("BADGES_ADMIN_PASSWORD") };

/** A really expired copy of an access token (from @badges/test-support). */
export { expired };

export const PASSWORD = "correct-horse-battery";

export function newClient(options: Partial<BadgesClientOptions> = {}): BadgesClient {
  return createBadgesClient({ baseUrl: API_URL, tokens: new MemoryTokenStorage(), ...options });
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.org`;
}

/** A new account, logged in on a new client. */
export async function signedIn(options: Partial<BadgesClientOptions> = {}): Promise<{ client: BadgesClient; email: string }> {
  const client = newClient(options);
  const email = uniqueEmail();
  await register(client, { email, password: PASSWORD, name: "Test User" });
  await login(client, email, PASSWORD);
  return { client, email };
}

/** A fetch that records every request's method and path (below /api/v1) before sending it. */
export function recordingFetch(): { fetch: (request: Request) => Promise<Response>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: (request: Request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname.replace(/^\/api\/v1/, "")}`);
      return fetch(request);
    },
  };
}

/** localStorage's behaviour for Node, which has none. */
export class MapStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

export async function bytesOf(blob: Blob, count: number): Promise<string> {
  return Buffer.from(await blob.slice(0, count).arrayBuffer()).toString("latin1");
}

export const PNG_MAGIC = "\x89PNG\r\n\x1a\n";

/** A small badge design with two placeholders, in the fonts the service installs. */
export const TEMPLATE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="55mm" viewBox="0 0 90 55">
  <rect width="90" height="55" fill="#ffffff"/>
  <text x="45" y="24" text-anchor="middle" font-size="8" font-family="DejaVu Sans" data-max-width="80">{{name}}</text>
  <text x="45" y="36" text-anchor="middle" font-size="5" font-family="DejaVu Sans">{{organization}}</text>
</svg>`;
