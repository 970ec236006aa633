// The tests' global setup: the workspace's shared runner (@badges/test-support) starts the real
// service, runs every *.test.js here under node's test runner with the service's address in the
// environment, and stops the service whatever happened.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { runAgainstService, testFiles } from "@badges/test-support";

await runAgainstService([{ files: testFiles(dirname(fileURLToPath(import.meta.url)), process.argv[2]) }]);
