import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { expired } from "@badges/test-support";
import {
  getBadgeJob,
  getBadgeTemplate,
  listBadgeJobs,
  listBadgeTemplates,
  listEvents,
  listFonts,
  NotFoundError,
  updateEvent,
} from "@badges/warp-drive";
import type { ReactiveDataDocument } from "@warp-drive/core/reactive";

import { newEvent } from "../examples/events.js";
import { newStore } from "./support.js";

interface Named {
  id: string;
  $type: string;
  name?: string;
  family?: string;
  source: string;
  widthMm?: number;
  hasQr?: boolean;
}

test("templates, fonts and jobs are resources of their types", async () => {
  const { store } = await newStore();
  const templates = (await store.request<ReactiveDataDocument<Named[]>>(listBadgeTemplates())).content;
  const classic = templates.data!.find((template) => template.id === "classic");
  assert.ok(classic, "the built-in classic template");
  assert.equal(classic.$type, "badge-template");
  assert.equal(classic.source, "built-in");
  assert.equal(typeof classic.widthMm, "number");
  const one = (await store.request<ReactiveDataDocument<Named>>(getBadgeTemplate("classic"))).content.data!;
  assert.equal(one, classic, "the same record from the cache");

  const fonts = (await store.request<ReactiveDataDocument<Named[]>>(listFonts())).content;
  assert.ok(fonts.data!.some((font) => font.$type === "font" && font.source === "system" && font.family));

  const jobs = (await store.request<ReactiveDataDocument<Named[]>>(listBadgeJobs())).content;
  assert.deepEqual([...jobs.data!], []);
  assert.equal(jobs.meta?.total, 0);
  await assert.rejects(store.request(getBadgeJob(randomUUID())), (error) => error instanceof NotFoundError);
});

test("an expired access token is refreshed once and the save goes through", async () => {
  const { store, client } = await newStore();
  const event = await newEvent(store, "Before the nap");
  const tokens = await client.tokens.read();
  await client.tokens.write({ ...tokens, accessToken: expired(tokens.accessToken!) });
  await store.request(updateEvent(event, { name: "After the nap" }));
  assert.equal(event.name, "After the nap");
  assert.notEqual((await client.tokens.read()).accessToken, tokens.accessToken, "a new access token");
  const listed = await store.request<ReactiveDataDocument<Named[]>>(listEvents({}, { reload: true }));
  assert.deepEqual(listed.content.data!.map((item) => item.name), ["After the nap"]);
});
