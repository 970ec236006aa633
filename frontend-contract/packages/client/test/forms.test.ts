import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ApiError, register } from "@badges/client";

import { submitEvent } from "../examples/forms.js";
import { newClient, PASSWORD, signedIn, uniqueEmail } from "./support.js";

describe("problem details", () => {
  test("a 422 is an ApiError with the messages per field", async () => {
    const client = newClient();

    const error = await register(client, { email: "not-an-address", password: "short", name: "X" }).catch((e: unknown) => e);

    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, "validation_failed");
    assert.equal(error.title, "Unprocessable Entity");
    assert.match(error.detail, /email/);
    assert.deepEqual(Object.keys(error.errors).sort(), ["email", "password"]);
    assert.equal(error.fieldErrors("email").length, 1);
    assert.deepEqual(error.fieldErrors("name"), []);
  });

  test("the form example puts a cross-field rule under its field", async () => {
    const { client } = await signedIn();

    const result = await submitEvent(client, {
      name: "Backwards",
      starts_at: "2027-05-02T09:00:00Z",
      ends_at: "2027-05-01T09:00:00Z",
    });

    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.errors.ends_at?.length, JSON.stringify(result));
  });

  test("the same form answers the event when it is valid", async () => {
    const { client } = await signedIn();
    const result = await submitEvent(client, { name: "Forward", starts_at: "2027-05-01T09:00:00+02:00", ends_at: "2027-05-01T18:00:00+02:00" });
    assert.ok(result.ok);
    assert.equal(result.value.starts_at, "2027-05-01T07:00:00+00:00");
  });

  test("other statuses carry their code too: 409 email_taken", async () => {
    const client = newClient();
    const email = uniqueEmail();
    await register(client, { email, password: PASSWORD, name: "First" });
    await assert.rejects(register(client, { email: email.toUpperCase(), password: PASSWORD, name: "Second" }), {
      name: "ApiError",
      status: 409,
      code: "email_taken",
    });
  });
});
