import { createHmac } from "node:crypto";

/**
 * The same access token with its expiry moved into the past, signed with the service's key
 * (`BADGES_JWT_SECRET`, set by the runner): what a client holds after its laptop slept for an
 * hour. The service answers it 401 token_expired.
 */
export function expired(accessToken: string, secret = process.env.BADGES_JWT_SECRET): string {
  if (!secret) throw new Error("BADGES_JWT_SECRET is not set: run the tests with `npm test`");
  const [header = "", payload = ""] = accessToken.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  const body = Buffer.from(JSON.stringify({ ...claims, iat: now - 3600, nbf: now - 3600, exp: now - 60 })).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}
