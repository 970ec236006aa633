// The tests' global setup, shared by the workspace's packages: start the real service, run test
// files under node's test runner with the service's address in the environment, stop the service
// whatever happened.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { startService } from "./service.js";

export interface TestRun {
  /** The compiled test files (`*.test.js`) to run. */
  files: string[];
  /** Extra arguments for node before `--test`, e.g. `--conditions=unpkg`. */
  nodeArgs?: string[];
  /** Extra environment, e.g. `NODE_ENV=production`. */
  env?: NodeJS.ProcessEnv;
}

/** The `*.test.js` files of a folder whose names contain `filter` (all without one). */
export function testFiles(dir: string, filter?: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".test.js"))
    .filter((name) => !filter || name.includes(filter))
    .map((name) => join(dir, name));
}

/**
 * Starts one service, runs each run in turn against it (stopping at the first failure), stops the
 * service, and sets the process's exit code.
 */
export async function runAgainstService(runs: TestRun[]): Promise<void> {
  const service = await startService();
  const stop = () => service.stop();
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));
  let code = 1;
  try {
    for (const run of runs) {
      if (run.files.length === 0) continue;
      const child = spawn(process.execPath, [...(run.nodeArgs ?? []), "--test", "--test-reporter=spec", ...run.files], {
        stdio: "inherit",
        env: {
          ...process.env,
          ...run.env,
          BADGES_API_URL: service.baseUrl,
          BADGES_ADMIN_EMAIL: service.adminEmail,
          BADGES_ADMIN_PASSWORD: service.adminPassword,
          BADGES_JWT_SECRET: service.jwtSecret,
        },
      });
      code = await new Promise<number>((done) => child.once("exit", (status) => done(status ?? 1)));
      if (code !== 0) break;
    }
    if (code !== 0) {
      const lines = readFileSync(service.logPath, "utf8").trimEnd().split("\n");
      console.error(`\nThe service's last ${Math.min(lines.length, 60)} log lines:\n${lines.slice(-60).join("\n")}`);
    }
  } finally {
    await stop();
  }
  process.exitCode = code;
}
