// examples/forms.ts: create an event, and put a 422's messages under the fields they name.
import { ApiError, type BadgesClient, ok, type Schemas } from "@badges/client";

export type FormResult<T> =
  | { ok: true; value: T }
  | { ok: false; errors: Record<string, readonly string[]>; message: string };

export async function submitEvent(
  client: BadgesClient,
  form: Schemas["EventCreate"],
): Promise<FormResult<Schemas["Event"]>> {
  try {
    return { ok: true, value: await ok(client.api.POST("/events", { body: form })) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      return { ok: false, errors: error.errors, message: error.detail }; // {ends_at: ["..."]}
    }
    throw error; // 401 after a failed refresh, 5xx, network: not a form problem
  }
}
