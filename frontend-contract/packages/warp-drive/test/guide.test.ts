import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "../..");

test("the guide's WarpDrive examples are the files the tests run, word for word", () => {
  const guide = readFileSync(join(packageDir, "../../README.md"), "utf8");
  const blocks = [...guide.matchAll(/```ts\n(\/\/ packages\/warp-drive\/(examples\/[\w-]+\.ts)[^\n]*\n[\s\S]*?)```/g)];
  assert.equal(blocks.length, 2, "examples/configure.ts and examples/events.ts");
  for (const [, code = "", file = ""] of blocks) {
    assert.equal(code, readFileSync(join(packageDir, file), "utf8"), `${file} differs from its copy in README.md`);
  }
});
