import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { ApiError, linkTarget } from "@badges/client";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("the contract and the client's plumbing", () => {
  test("src/openapi.ts is what openapi.yaml generates today (npm run check-types)", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/types.mjs", "check"], { cwd: packageDir });
    assert.match(stdout, /matches openapi\.yaml/);
  });

  test("the guide's client examples are the files the tests run, word for word", () => {
    const guide = readFileSync(join(packageDir, "../../README.md"), "utf8");
    const blocks = [...guide.matchAll(/```ts\n(\/\/ (examples\/[\w-]+\.ts)[^\n]*\n[\s\S]*?)```/g)];
    assert.ok(blocks.length >= 6, `only ${blocks.length} example blocks in the guide`);
    for (const [, code = "", file = ""] of blocks) {
      assert.equal(code, readFileSync(join(packageDir, file), "utf8"), `${file} differs from its copy in README.md`);
    }
  });

  test("linkTarget reads RFC 8288 relations", () => {
    const header =
      '<http://h/api/v1/events?page=1&per_page=2>; rel="first", <http://h/api/v1/events?page=3&per_page=2>; rel="next", </api/v1/events?page=9>; rel=last';
    assert.equal(linkTarget(header, "next", "http://h/x"), "http://h/api/v1/events?page=3&per_page=2");
    assert.equal(linkTarget(header, "last", "http://h/x"), "http://h/api/v1/events?page=9");
    assert.equal(linkTarget(header, "prev", "http://h/x"), null);
    assert.equal(linkTarget(null, "next", "http://h/x"), null);
  });

  test("a failure that is not a problem document is still an ApiError (http_error)", async () => {
    const error = await ApiError.fromResponse(new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    assert.equal(error.status, 502);
    assert.equal(error.code, "http_error");
    assert.deepEqual(error.errors, {});
  });

  test("Retry-After is read into retryAfter", async () => {
    const body = JSON.stringify({ type: "about:blank", title: "Too Many Requests", status: 429, detail: "Slow down.", code: "rate_limited" });
    const error = await ApiError.fromResponse(new Response(body, { status: 429, headers: { "Retry-After": "42" } }));
    assert.equal(error.retryAfter, 42);
    assert.equal(error.code, "rate_limited");
  });
});
