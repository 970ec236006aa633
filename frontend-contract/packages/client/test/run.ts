// The tests' global setup: start the real service, run every *.test.js under node's test runner
// with the service's address in the environment, stop the service whatever happened.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { startService } from "./service.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((name) => name.endsWith(".test.js"))
  .filter((name) => !process.argv[2] || name.includes(process.argv[2]))
  .map((name) => join(here, name));

const service = await startService();
const stop = () => service.stop();
process.once("SIGINT", () => void stop().then(() => process.exit(130)));
process.once("SIGTERM", () => void stop().then(() => process.exit(143)));
let code = 1;
try {
  const child = spawn(process.execPath, ["--test", "--test-reporter=spec", ...files], {
    stdio: "inherit",
    env: {
      ...process.env,
      BADGES_API_URL: service.baseUrl,
      BADGES_ADMIN_EMAIL: service.adminEmail,
      BADGES_ADMIN_PASSWORD: service.adminPassword,
      BADGES_JWT_SECRET: service.jwtSecret,
    },
  });
  code = await new Promise<number>((done) => child.once("exit", (status) => done(status ?? 1)));
  if (code !== 0) {
    const lines = readFileSync(service.logPath, "utf8").trimEnd().split("\n");
    console.error(`\nThe service's last ${Math.min(lines.length, 60)} log lines:\n${lines.slice(-60).join("\n")}`);
  }
} finally {
  await stop();
}
process.exitCode = code;
