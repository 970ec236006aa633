// The tests' global setup (the workspace's shared runner): one real service; every test file with
// WarpDrive's development builds, then the saves again with its production builds and
// NODE_ENV=production, so a production store cannot drop a save unnoticed.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { runAgainstService, testFiles } from "@badges/test-support";

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
await runAgainstService([
  // WarpDrive's packages ship prebuilt ES modules per build: the `unpkg-dev` export condition
  // picks the development build (assertions on), `unpkg` the production build.
  { files: testFiles(here, filter), nodeArgs: ["--conditions=unpkg-dev"], env: { BADGES_BUILD: "development" } },
  {
    files: testFiles(here, filter).filter((file) => file.endsWith("saves.test.js")),
    nodeArgs: ["--conditions=unpkg"],
    env: { NODE_ENV: "production", BADGES_BUILD: "production" },
  },
]);
