import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { ApiError, uploadTemplate } from "@badges/client";

import { addFont, addTemplate } from "../examples/designs.js";
import { bytesOf, PNG_MAGIC, signedIn, TEMPLATE_SVG } from "./support.js";

const DEJAVU_SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf";

describe("templates and fonts", () => {
  test("upload an SVG template from a File and get its preview as a PNG Blob", async () => {
    const { client } = await signedIn();
    const file = new File([TEMPLATE_SVG], "speaker.svg", { type: "image/svg+xml" });

    const { template, image } = await addTemplate(client, file, "Speaker badge");

    assert.equal(template.name, "Speaker badge");
    assert.equal(template.source, "uploaded");
    assert.deepEqual(template.fields, ["name", "organization"]);
    assert.equal(image.type, "image/png");
    assert.equal(await bytesOf(image, 8), PNG_MAGIC);
  });

  test("a refused template is a 422 with the reason under errors.file", async () => {
    const { client } = await signedIn();
    const noPlaceholder = new File(['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'], "blank.svg");
    const error = await uploadTemplate(client, { file: noPlaceholder }).catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, "no_placeholders");
    assert.equal(error.fieldErrors("file").length, 1);
  });

  test("upload a font file and preview it; the same file again is the same font", async () => {
    const { client } = await signedIn();
    const file = new File([readFileSync(DEJAVU_SERIF)], "DejaVuSerif.ttf", { type: "font/ttf" });

    const { font, image } = await addFont(client, file);
    const again = await addFont(client, file);

    assert.equal(font.source, "uploaded");
    assert.ok(font.scripts.includes("Latin"), font.scripts.join(","));
    assert.equal(again.font.id, font.id);
    assert.equal(await bytesOf(image, 8), PNG_MAGIC);
  });
});
