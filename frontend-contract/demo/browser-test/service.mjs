// The badge service and the built demo on two loopback origins for the browser suite: the API as
// packages/client/test/service.ts starts it (fresh SQLite and storage in a temporary
// INSTANCE_PATH, relaxed rate limits), with CORS_ORIGINS and FRONTEND_URL set to the demo's
// origin; the demo's production build served by a small static server with the SPA fallback.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(DEMO, '../..');

export function freePort() {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

export async function startApi({ port, demoOrigin }) {
  const python = process.env.BADGES_PYTHON ?? join(ROOT, '.venv/bin/python');
  if (!existsSync(python))
    throw new Error(
      `${python} is missing: run \`make venv\` (or set BADGES_PYTHON)`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'badges-browser-'));
  const secret = randomBytes(32).toString('hex');
  const env = {
    ...process.env,
    INSTANCE_PATH: join(dir, 'instance'),
    STORAGE_DIR: join(dir, 'storage'),
    SECRET_KEY: secret,
    JWT_SECRET_KEY: secret,
    CORS_ORIGINS: demoOrigin,
    FRONTEND_URL: demoOrigin,
    // Links in mails sent by the job runner (no request to take the address from).
    PUBLIC_API_URL: `http://127.0.0.1:${port}`,
    RATELIMIT_STORAGE_URI: 'memory://',
    RATELIMIT_REGISTER: '100000/minute',
    RATELIMIT_LOGIN: '100000/minute',
    RATELIMIT_MAIL: '100000/minute',
    RATELIMIT_PREVIEW: '100000/minute',
    MAIL_BUDGET_PER_HOUR: '100000',
    // Long enough for every job of the suite (7 badges take 0.1 s) but the one meant to fail
    // while rendering: 100,000 badges reached 80,000 in 6 s here, so 3 s leaves a wide margin.
    BADGE_RENDER_WALL_SECONDS: '3',
    PYTHONPATH: ROOT,
  };
  for (const name of [
    'APP_ENV',
    'CELERY_BROKER_URL',
    'DATABASE_URL',
    'MAIL_SERVER',
    'PUBLIC_API_URL',
    'JOBS_RUNNER',
  ]) {
    delete env[name];
  }
  await run(python, ['manage.py', 'db', 'upgrade'], { cwd: ROOT, env });
  const logPath = join(dir, 'server.log');
  const log = openSync(logPath, 'w');
  const server = spawn(
    python,
    [
      'manage.py',
      'run',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--no-reload',
      '--no-debugger',
    ],
    { cwd: ROOT, env, stdio: ['ignore', log, log] },
  );
  const baseUrl = `http://127.0.0.1:${port}/api/v1`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`The service exited:\n${readFileSync(logPath, 'utf8')}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `The service did not start in 60 s:\n${readFileSync(logPath, 'utf8')}`,
      );
    await new Promise((wake) => setTimeout(wake, 200));
  }
  return {
    baseUrl,
    logPath,
    /**
     * The mails sent to an address, newest first, read from the service's outbox table
     * (`outbound_emails`), which holds every message as sent, whatever the transport. Read with
     * Python's sqlite3 so Node needs no SQLite driver.
     */
    async mailsTo(address) {
      const script = [
        'import json, sqlite3, sys',
        'db = sqlite3.connect(sys.argv[1])',
        'rows = db.execute("SELECT subject, text_body FROM outbound_emails WHERE to_address = ? ORDER BY created_at DESC", (sys.argv[2],)).fetchall()',
        'print(json.dumps([{"subject": s, "text": t} for s, t in rows]))',
      ].join('\n');
      const { stdout } = await run(python, [
        '-c',
        script,
        join(dir, 'instance', 'badges.db'),
        address,
      ]);
      return JSON.parse(stdout);
    },
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((done) => server.once('exit', done));
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (process.env.BADGES_KEEP_SERVICE_DIR)
        console.log(`service files kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves `root` on 127.0.0.1:port; a path that is no file gets index.html (history routing). */
export function serveStatic(root, port) {
  const index = join(root, 'index.html');
  const server = createHttpServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (
      !file.startsWith(root) ||
      !existsSync(file) ||
      statSync(file).isDirectory()
    )
      file = index;
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((done) =>
    server.listen(port, '127.0.0.1', () =>
      done({
        origin: `http://127.0.0.1:${port}`,
        stop: () => new Promise((closed) => server.close(closed)),
      }),
    ),
  );
}

/** The demo's production build, pointed at the API. */
export async function buildDemo(apiBaseUrl) {
  await run('npx', ['vite', 'build'], {
    cwd: DEMO,
    env: { ...process.env, BADGES_API_URL: apiBaseUrl },
    maxBuffer: 64 * 1024 * 1024,
  });
  return join(DEMO, 'dist');
}
