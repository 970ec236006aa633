import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  ApiError,
  type BadgesClient,
  createBadgeJob,
  downloadBadges,
  type JobSource,
  type JobUpdate,
  type LogLine,
  newLines,
  ok,
  pollJob,
  previewBadge,
  uploadTemplate,
  waitForJob,
  watchJob,
} from "@badges/client";

import { previewFirstBadge, printBadges } from "../examples/badges.js";
import { bytesOf, PNG_MAGIC, signedIn, TEMPLATE_SVG } from "./support.js";

const CSV = "name,organization,email\nAda Lovelace,Analytical Engines,ada@example.org\nGrace Hopper,US Navy,grace@example.org\nAlan Turing,Bletchley Park,alan@example.org\n";

async function withTemplate(): Promise<{ client: BadgesClient; template: string }> {
  const { client } = await signedIn();
  const uploaded = await uploadTemplate(client, { file: new File([TEMPLATE_SVG], "badge.svg"), name: "Test" });
  return { client, template: uploaded.id };
}

describe("badge jobs, previews and downloads", () => {
  test("a CSV job: progress and log lines while it runs, then the PDF as a Blob", async () => {
    const { client, template } = await withTemplate();
    const progress: [number, number][] = [];
    const lines: LogLine[] = [];

    const { job, pdf } = await printBadges(
      client,
      new File([CSV], "attendees.csv", { type: "text/csv" }),
      { name: "Summit 2027", template, sheet: "a4-2x2" },
      { progress: (done, total) => progress.push([done, total]), log: (line) => lines.push(line) },
    );

    assert.equal(job.status, "succeeded", job.error ?? "");
    assert.deepEqual(progress.at(-1), [3, 3]);
    assert.ok(lines.length >= 3, JSON.stringify(lines));
    assert.deepEqual(
      lines.map((line) => line.seq),
      lines.map((_, index) => index + 1),
    );
    // `Done` is the SUCCESS line; a note about the result mail may follow it.
    assert.ok(
      lines.some((line) => line.type === "SUCCESS" && line.message.startsWith("Done")),
      JSON.stringify(lines, null, 1),
    );
    assert.ok(pdf);
    assert.equal(await bytesOf(pdf, 5), "%PDF-");
    assert.equal(job.result?.badges, 3);

    // The log can be read again from any point, and a finished job ends a watch at once.
    const tail = await newLines(client, job.id, (lines.at(-1)?.seq ?? 1) - 1);
    assert.deepEqual(tail, lines.slice(-1));
    const updates: JobUpdate[] = [];
    for await (const update of watchJob(client, job.id, { after: lines.at(-1)?.seq ?? 0 })) updates.push(update);
    assert.equal(updates.length, 1);
    assert.deepEqual(updates[0]?.lines, []);
  });

  test("the same Idempotency-Key and content give the same job; CSV text works as attendees", async () => {
    const { client, template } = await withTemplate();
    const key = crypto.randomUUID();
    const first = await createBadgeJob(client, { attendees: CSV, options: { template }, idempotencyKey: key });
    const again = await createBadgeJob(client, { attendees: CSV, options: { template }, idempotencyKey: key });
    assert.equal(again.id, first.id);
    const done = await waitForJob(client, first.id, { intervalMs: 300 });
    assert.equal(done.status, "succeeded", done.error ?? "");
    assert.equal(await bytesOf(await downloadBadges(client, done), 5), "%PDF-");
  });

  test("a template with a back side: both sides printed, the back behind its front", async () => {
    const { client } = await signedIn();
    const back = TEMPLATE_SVG.replace("{{organization}}", "Back of {{name}}");
    const uploaded = await uploadTemplate(client, {
      file: new File([TEMPLATE_SVG], "front.svg"),
      back: new File([back], "back.svg"),
      name: "Two sides",
    });
    assert.equal(uploaded.has_back, true);

    const created = await createBadgeJob(client, {
      attendees: CSV,
      options: { template: uploaded.id, sheet: "a4-2x4", sides: "both", duplex: "long-edge" },
    });
    const job = await waitForJob(client, created.id);

    assert.equal(job.status, "succeeded", job.error ?? "");
    assert.equal(job.result?.badges, 3);
    assert.equal(job.result?.pages, 2); // a front page and the back page behind it
  });

  test("a job with a ZIP of photos: each attendee's photo placed, a missing one reported", async () => {
    const { client } = await signedIn();
    // ada.png and grace.png (60 x 80 PNGs) in a stored ZIP.
    const photos = Buffer.from("UEsDBBQAAAAAAAAAIVxX94oqpwAAAKcAAAAHAAAAYWRhLnBuZ4lQTkcNChoKAAAADUlIRFIAAAA8AAAAUAgCAAAAyqiBBAAAAG5JREFUeJztzkENwCAAADFACP6lIAsPexxZ0iroPHuPv1mvA19IV6Qr0hXpinRFuiJdka5IV6Qr0hXpinRFuiJdka5IV6Qr0hXpinRFuiJdka5IV6Qr0hXpinRFuiJdka5IV6Qr0hXpinRFuiJduVrXAaRyTb/8AAAAAElFTkSuQmCCUEsDBBQAAAAAAAAAIVzml7inpwAAAKcAAAAJAAAAZ3JhY2UucG5niVBORw0KGgoAAAANSUhEUgAAADwAAABQCAIAAADKqIEEAAAAbklEQVR4nO3OQQ3AIAAAMUAI/qUgCw97HFnSKujc+4y/Wa8DX0hXpCvSFemKdEW6Il2RrkhXpCvSFemKdEW6Il2RrkhXpCvSFemKdEW6Il2RrkhXpCvSFemKdEW6Il2RrkhXpCvSFemKdEW6Il25WYMBpIOqZOAAAAAASUVORK5CYIJQSwECFAMUAAAAAAAAACFcV/eKKqcAAACnAAAABwAAAAAAAAAAAAAAgAEAAAAAYWRhLnBuZ1BLAQIUAxQAAAAAAAAAIVzml7inpwAAAKcAAAAJAAAAAAAAAAAAAACAAcwAAABncmFjZS5wbmdQSwUGAAAAAAIAAgBsAAAAmgEAAAAA", "base64");
    const attendees = "name,organization,photo\nAda Lovelace,Analytical Engines,ada\nGrace Hopper,US Navy,Grace.PNG\nAlan Turing,Bletchley Park,\n";

    const created = await createBadgeJob(client, {
      attendees,
      options: { template: "photo" },
      photos: { blob: new Blob([photos], { type: "application/zip" }), filename: "photos.zip" },
    });
    const job = await waitForJob(client, created.id);

    assert.equal(job.status, "succeeded", job.error ?? "");
    assert.equal(job.result?.badges, 3);
    // Alan has no photo: a placeholder, and one photo_missing finding.
    assert.equal(job.result?.findings?.counts.photo_missing, 1, JSON.stringify(job.result?.findings));
  });

  test("a source can be plugged in (an SSE stream later): watchJob reads updates from it", async () => {
    const { client, template } = await withTemplate();
    const job = await createBadgeJob(client, { attendees: CSV, options: { template } });
    const used: string[] = [];
    // A stand-in source: the polling one, wrapped, to show the seam a stream source fills.
    const source: JobSource = async function* (c, id, options) {
      used.push(id);
      yield* pollJob(c, id, { ...options, intervalMs: 200 });
    };

    const final = await waitForJob(client, job.id, { source });

    assert.deepEqual(used, [job.id]);
    assert.equal(final.status, "succeeded");
  });

  test("an abort signal stops a watch", async () => {
    const { client, template } = await withTemplate();
    const job = await createBadgeJob(client, { attendees: CSV, options: { template } });
    const controller = new AbortController();
    controller.abort(new Error("left the page"));
    await assert.rejects(waitForJob(client, job.id, { signal: controller.signal }), /left the page/);
    await ok(client.api.DELETE("/badge-jobs/{job_id}", { params: { path: { job_id: job.id } } }));
  });

  test("a live preview is a PNG Blob with the badge's findings", async () => {
    const { client, template } = await withTemplate();

    const preview = await previewFirstBadge(client, [{ name: "Ada Lovelace", organization: "Analytical Engines" }], { template });

    assert.equal(preview.blob.type, "image/png");
    assert.equal(await bytesOf(preview.blob, 8), PNG_MAGIC);
    assert.ok(preview.findings);
    assert.equal(typeof preview.findings.flagged, "boolean");
  });

  test("a preview with wrong options is a 422 naming them; an unknown template id a 404", async () => {
    const { client } = await signedIn();
    const error = await previewBadge(client, { attendees: [{ name: "Ada" }], options: { template: "classic" }, dpi: 10 }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.ok(error.fieldErrors("dpi").length, JSON.stringify(error.errors));

    const named = await previewFirstBadge(client, [{ name: "Ada" }], { template: "no-such-template" }).catch((e: unknown) => e);
    assert.ok(named instanceof ApiError);
    assert.equal(named.status, 422);
    assert.ok(named.fieldErrors("options.template").length, JSON.stringify(named.errors));

    await assert.rejects(previewFirstBadge(client, [{ name: "Ada" }], { template: crypto.randomUUID() }), {
      name: "ApiError",
      status: 404,
      code: "template_not_found",
    });
  });
});
