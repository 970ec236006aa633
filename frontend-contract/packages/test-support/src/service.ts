// Starts the real badge service for the tests, as tests/faults/test_schemathesis.py does: a fresh
// SQLite database and storage in a temporary INSTANCE_PATH, `manage.py db upgrade`, a verified
// administrator from `manage.py users create-admin`, and `manage.py run` on a free loopback port.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root: frontend-contract/packages/test-support/dist -> ../../../.. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface Service {
  baseUrl: string;
  adminEmail: string;
  adminPassword: string;
  /** The service's JWT signing key, so a test can make a token that has really expired. */
  jwtSecret: string;
  /** The service's output (requests, job logs, tracebacks). */
  logPath: string;
  stop(): Promise<void>;
}

export async function startService(): Promise<Service> {
  const python = process.env.BADGES_PYTHON ?? join(ROOT, ".venv/bin/python");
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`make venv\` (or set BADGES_PYTHON)`);
  const dir = mkdtempSync(join(tmpdir(), "badges-frontend-"));
  const jwtSecret = randomBytes(32).toString("hex");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INSTANCE_PATH: join(dir, "instance"),
    STORAGE_DIR: join(dir, "storage"),
    SECRET_KEY: jwtSecret,
    JWT_SECRET_KEY: jwtSecret,
    RATELIMIT_STORAGE_URI: "memory://",
    RATELIMIT_REGISTER: "100000/minute",
    RATELIMIT_LOGIN: "100000/minute",
    RATELIMIT_MAIL: "100000/minute",
    RATELIMIT_PREVIEW: "100000/minute",
    MAIL_BUDGET_PER_HOUR: "100000",
    PYTHONPATH: ROOT,
  };
  for (const name of ["APP_ENV", "CELERY_BROKER_URL", "DATABASE_URL", "MAIL_SERVER", "PUBLIC_API_URL", "JOBS_RUNNER"]) {
    delete env[name];
  }
  const adminEmail = "client-admin@example.org";
  const adminPassword = "client-admin-password-123";
  const manage = (...args: string[]) => run(python, ["manage.py", ...args], { cwd: ROOT, env });
  await manage("db", "upgrade");
  await manage("users", "create-admin", adminEmail, "--password", adminPassword);

  const port = await freePort();
  const logPath = join(dir, "server.log");
  const log = openSync(logPath, "w");
  const server = spawn(
    python,
    ["manage.py", "run", "--host", "127.0.0.1", "--port", String(port), "--no-reload", "--no-debugger"],
    { cwd: ROOT, env, stdio: ["ignore", log, log] },
  );
  const baseUrl = `http://127.0.0.1:${port}/api/v1`;
  try {
    await waitUntilHealthy(baseUrl, server, logPath);
  } catch (error) {
    await stopProcess(server);
    throw error;
  }
  return {
    baseUrl,
    adminEmail,
    adminPassword,
    jwtSecret,
    logPath,
    async stop() {
      await stopProcess(server);
      if (process.env.BADGES_KEEP_SERVICE_DIR) console.log(`service files kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitUntilHealthy(baseUrl: string, server: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`The service exited:\n${readFileSync(logPath, "utf8")}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The service did not start in 60 s:\n${readFileSync(logPath, "utf8")}`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
