// Generates src/openapi.ts from the contract (`node scripts/types.mjs write`), or checks that the
// committed file is what the contract generates today (`node scripts/types.mjs check`): the check
// writes to a temporary file, compares, and exits 1 with a diff when they differ.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, "..");
const contract = resolve(packageDir, "../../../openapi.yaml");
const target = join(packageDir, "src/openapi.ts");
// `type: object` without properties (attendee rows, a job's options) is Record<string, unknown>,
// not openapi-typescript's default Record<string, never>, which no value fits. A field with a
// default stays optional (as the schema's `required` says), so request bodies can leave it out.
const FLAGS = ["--empty-objects-unknown", "--default-non-nullable", "false"];

function generate(output) {
  const cli = join(packageDir, "node_modules/.bin/openapi-typescript");
  const hoisted = resolve(packageDir, "../../node_modules/.bin/openapi-typescript");
  const bin = [cli, hoisted].find((path) => {
    try {
      readFileSync(path);
      return true;
    } catch {
      return false;
    }
  });
  if (!bin) throw new Error("openapi-typescript is not installed: run `npm ci` in frontend-contract");
  execFileSync(bin, [contract, ...FLAGS, "--output", output], { stdio: ["ignore", "ignore", "inherit"] });
}

const mode = process.argv[2] ?? "check";
if (mode === "write") {
  generate(target);
  console.log(`wrote ${target}`);
} else if (mode === "check") {
  const dir = mkdtempSync(join(tmpdir(), "badges-types-"));
  try {
    const fresh = join(dir, "openapi.ts");
    generate(fresh);
    if (readFileSync(fresh, "utf8") === readFileSync(target, "utf8")) {
      console.log("src/openapi.ts matches openapi.yaml");
    } else {
      spawnSync("diff", ["-u", target, fresh], { stdio: "inherit" });
      console.error("src/openapi.ts is stale against openapi.yaml: run `npm run generate` in packages/client");
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.error("usage: node scripts/types.mjs write|check");
  process.exitCode = 2;
}
