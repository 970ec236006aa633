// The demo's browser suite (`make test-browser`): the real API and the built demo on two origins,
// every flow in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core), axe-core
// on every screen, screenshots at desktop and phone width in test-results/. Any console error,
// page error, failed request or answer >= 400 that a step did not declare fails the run.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  buildDemo,
  DEMO,
  freePort,
  serveStatic,
  startApi,
} from './service.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const RESULTS = join(DEMO, 'test-results');
const CSV = join(DEMO, 'browser-test', 'attendees.csv');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (message) => console.log(`[${elapsed()}] ${message}`);

rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });

const [apiPort, demoPort] = [await freePort(), await freePort()];
const demoOrigin = `http://127.0.0.1:${demoPort}`;
const apiBase = `http://127.0.0.1:${apiPort}/api/v1`;
log(`API on ${apiBase}, demo on ${demoOrigin}`);

let api;
let site;
let browser;
let failed = false;
try {
  const [dist, service] = await Promise.all([
    process.env.BADGES_DEMO_DIST ??
      buildDemo(apiBase).then((dir) => (log('demo built'), dir)),
    startApi({ port: apiPort, demoOrigin }).then(
      (s) => (log('API started'), s),
    ),
  ]);
  api = service;
  site = await serveStatic(dist, demoPort);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  await flows(browser);
  log('all flows passed');
} catch (error) {
  failed = true;
  console.error(error);
  if (api)
    console.error(
      `--- service log (tail) ---\n${readFileSync(api.logPath, 'utf8').split('\n').slice(-60).join('\n')}`,
    );
} finally {
  await browser?.close();
  await site?.stop();
  await api?.stop();
  log(failed ? 'FAILED' : 'passed');
  process.exitCode = failed ? 1 : 0;
}

/** Watches a page: whatever goes wrong and was not declared with `allow` is a problem. */
function guard(page) {
  const problems = [];
  const allowed = []; // {method, url (substring), status | failure}
  const seen = new Set(); // URLs of allowed >= 400 answers, to excuse Chrome's console line about them
  const matches = (rule, request, what) =>
    request.url().includes(rule.url) &&
    (!rule.method || rule.method === request.method()) &&
    (rule.status === undefined || rule.status === what.status) &&
    (rule.failure === undefined || (what.failure ?? '').includes(rule.failure));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url ?? '';
    const declared =
      seen.has(url) ||
      allowed.some((rule) => rule.failure && url.includes(rule.url));
    if (/Failed to load resource/.test(message.text()) && declared) return;
    problems.push(`console error: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) =>
    problems.push(`page error: ${error.stack ?? error}`),
  );
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    if (allowed.some((rule) => matches(rule, request, { failure }))) return;
    problems.push(
      `request failed: ${request.method()} ${request.url()} ${failure}`,
    );
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const request = response.request();
    if (
      allowed.some((rule) =>
        matches(rule, request, { status: response.status() }),
      )
    ) {
      seen.add(response.url());
      return;
    }
    problems.push(
      `unexpected ${response.status()}: ${request.method()} ${response.url()}`,
    );
  });
  return {
    allow(rule) {
      allowed.push(rule);
      return () => allowed.splice(allowed.indexOf(rule), 1);
    },
    check(step) {
      if (problems.length)
        throw new Error(`${step}:\n  ${problems.join('\n  ')}`);
    },
  };
}

/** axe-core on the page as it is; serious and critical violations fail. */
async function axe(page, name) {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: [
        'wcag2a',
        'wcag2aa',
        'wcag21a',
        'wcag21aa',
        'wcag22aa',
        'best-practice',
      ],
    }),
  );
  const bad = result.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  const minor = result.violations.filter((v) => !bad.includes(v));
  for (const v of minor)
    log(`  axe (${v.impact}) on ${name}: ${v.id}: ${v.help}`);
  assert.deepEqual(
    bad.map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
    [],
    `axe on ${name}`,
  );
}

/** One screen: axe and a screenshot at desktop and at phone width, and no sideways scroll there. */
async function screen(page, watch, name) {
  await page.evaluate(() => document.fonts.ready);
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    await page.setViewportSize(size);
    await page.waitForTimeout(50);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    assert.ok(
      scrollWidth <= clientWidth,
      `${name} scrolls sideways at ${size.width} px (${scrollWidth} > ${clientWidth})`,
    );
    await axe(page, `${name} (${label})`);
    await page.screenshot({
      path: join(RESULTS, `${name}-${label}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize(DESKTOP);
  watch.check(name);
  log(`screen ${name}: axe clean, screenshots written`);
}

async function ticketOrder(page) {
  return page
    .locator('ol.tickets > li')
    .evaluateAll((items) => items.map((item) => item.dataset.ticket));
}

/**
 * The next `method` request whose path ends with `path` is answered `401 token_expired`, as the
 * API answers an access token past its lifetime (declared to the guard). `refreshes()` counts the
 * `POST /auth/refresh` the app sent since; `done()` removes the route.
 */
async function expireOnce(page, watch, method, path) {
  const matches = (url) => url.pathname.endsWith(path);
  let answered = 0;
  let refreshes = 0;
  const allow = watch.allow({ method, url: path, status: 401 });
  const counter = (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/auth/refresh'))
      refreshes += 1;
  };
  page.on('request', counter);
  const handler = async (route) => {
    if (route.request().method() !== method || answered > 0)
      return route.fallback();
    answered += 1;
    await route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      headers: {
        'Access-Control-Allow-Origin': new URL(page.url()).origin,
      },
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        code: 'token_expired',
        detail: 'The access token has expired.',
      }),
    });
  };
  await page.route(matches, handler);
  return {
    answered: () => answered,
    refreshes: () => refreshes,
    async done() {
      await page.unroute(matches, handler);
      page.off('request', counter);
      allow();
    },
  };
}

async function flows(browser) {
  const context = await browser.newContext({
    viewport: DESKTOP,
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const watch = guard(page);
  // The app closes its EventSource when a job ends, is cancelled or the page is left; Chromium
  // may report that stream as aborted. Any other failure of a log stream still fails the run.
  watch.allow({
    method: 'GET',
    url: '/log-stream',
    failure: 'net::ERR_ABORTED',
  });
  const email = `ada-${Date.now()}@example.org`;
  const password = 'analytical-engine-1843';

  // Home
  await page.goto(demoOrigin);
  await page
    .getByRole('heading', { name: 'Print-ready badges for your event' })
    .waitFor();
  await screen(page, watch, 'home');

  // Register: a too-short password first (the 422's field error is shown under the field).
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  const allow422 = watch.allow({
    method: 'POST',
    url: '/api/v1/users',
    status: 422,
  });
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#register-password-errors').waitFor();
  assert.equal(
    await page.getByLabel('Password').getAttribute('aria-invalid'),
    'true',
  );
  allow422();
  await screen(page, watch, 'register-errors');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
  await screen(page, watch, 'register-done');

  // Verify: the link from the mail the service sent, opened as a user would click it.
  const mails = await api.mailsTo(email);
  assert.ok(mails.length >= 1, 'a verification mail in the outbox');
  const link = mails[0].text.match(
    /https?:\/\/\S+\/verify-email\?token=[\w.-]+/,
  )?.[0];
  assert.ok(
    link?.startsWith(`${demoOrigin}/verify-email?token=`),
    `the mail links to the demo: ${link}`,
  );
  await page.goto(link);
  await page.getByText(`${email} is verified.`).waitFor();
  assert.equal(
    new URL(page.url()).search,
    '',
    'the token is dropped from the address bar',
  );
  await screen(page, watch, 'verify-email');

  // Log in: a wrong password first, then the right one.
  await page.getByRole('main').getByRole('link', { name: 'Log in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-the-password');
  const allow401 = watch.allow({
    method: 'POST',
    url: '/api/v1/auth/login',
    status: 401,
  });
  await page.getByRole('main').getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Wrong email or password.').waitFor();
  allow401();
  await screen(page, watch, 'login-error');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('main').getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Your events' }).waitFor();
  await page.getByText('No events yet').waitFor();
  assert.equal(
    await page.locator('.banner').count(),
    0,
    'no "please verify" banner for a verified account',
  );
  await screen(page, watch, 'events-empty');

  // A refused event (the store's createEvent: InvalidError, pointers to the fields), then an
  // event and three tickets.
  const allowEvent422 = watch.allow({
    method: 'POST',
    url: '/api/v1/events',
    status: 422,
  });
  await page.getByRole('button', { name: 'Create event' }).click();
  await page.locator('#event-name-errors li').first().waitFor();
  assert.equal(
    await page.locator('#event-name').getAttribute('aria-invalid'),
    'true',
  );
  await page.locator('#event-starts-errors li').first().waitFor();
  allowEvent422();
  await screen(page, watch, 'event-refused');
  await page.getByLabel('Name').fill('FOSSASIA Summit 2026');
  await page.getByLabel('Starts').fill('2026-03-10T09:00');
  await page.getByLabel('Ends').fill('2026-03-12T18:00');
  await page
    .getByLabel('Location')
    .fill('Lifelong Learning Institute, Singapore');
  await page.getByRole('button', { name: 'Create event' }).click();
  await page
    .getByRole('heading', { name: 'FOSSASIA Summit 2026', level: 1 })
    .waitFor();
  for (const [name, type, price] of [
    ['Early bird', 'paid', '49.00'],
    ['Regular', 'paid', '89.00'],
    ['Speaker', 'free', ''],
  ]) {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Type').selectOption(type);
    if (price) await page.getByLabel('Price').fill(price);
    await page.getByRole('button', { name: 'Add ticket' }).click();
    await page.locator(`ol.tickets > li[data-ticket="${name}"]`).waitFor();
  }
  assert.deepEqual(await ticketOrder(page), [
    'Early bird',
    'Regular',
    'Speaker',
  ]);
  await screen(page, watch, 'event-tickets');

  // Reorder by keyboard: Tab to "Move Speaker up", Enter twice; focus stays on Speaker's buttons.
  const status = page.locator('ol.tickets ~ [role="status"]');
  await page.getByRole('button', { name: 'Move Speaker up' }).focus();
  await page.keyboard.press('Enter');
  await status
    .filter({ hasText: 'Speaker moved to position 2 of 3.' })
    .waitFor();
  assert.equal(
    await page.evaluate(() =>
      document.activeElement?.getAttribute('aria-label'),
    ),
    'Move Speaker up',
  );
  await page.keyboard.press('Enter');
  await status
    .filter({ hasText: 'Speaker moved to position 1 of 3.' })
    .waitFor();
  assert.equal(
    await page.evaluate(() =>
      document.activeElement?.getAttribute('aria-label'),
    ),
    'Move Speaker down',
  );
  assert.deepEqual(await ticketOrder(page), [
    'Speaker',
    'Early bird',
    'Regular',
  ]);

  // Reorder by drag and drop: Regular onto the first place.
  await page
    .locator('li[data-ticket="Regular"]')
    .dragTo(page.locator('li[data-ticket="Speaker"]'));
  await status
    .filter({ hasText: 'Regular moved to position 1 of 3.' })
    .waitFor();
  assert.deepEqual(await ticketOrder(page), [
    'Regular',
    'Speaker',
    'Early bird',
  ]);
  await screen(page, watch, 'event-reordered');
  await page.reload();
  await page.locator('ol.tickets > li').first().waitFor();
  assert.deepEqual(
    await ticketOrder(page),
    ['Regular', 'Speaker', 'Early bird'],
    'the order is stored by the API',
  );
  watch.check('reorder');
  log('tickets reordered by keyboard and by drag and drop');

  // A refused ticket (createTicket with one row): the row's price error under Price.
  const allowTicket422 = watch.allow({
    method: 'POST',
    url: '/tickets',
    status: 422,
  });
  await page.getByLabel('Name').fill('Patron');
  await page.getByLabel('Type').selectOption('paid');
  await page.getByLabel('Price').fill('lots');
  await page.getByRole('button', { name: 'Add ticket' }).click();
  await page.locator('#ticket-price-errors li').first().waitFor();
  assert.equal(
    await page.locator('#ticket-price').getAttribute('aria-invalid'),
    'true',
  );
  allowTicket422();
  await screen(page, watch, 'ticket-refused');
  assert.equal((await ticketOrder(page)).length, 3, 'nothing added');

  // An expired access token on the store's requests (a read and a save): the shared client
  // refreshes once and sends the request again; the user sees nothing.
  let expired = await expireOnce(page, watch, 'GET', '/api/v1/events');
  await page
    .getByRole('navigation')
    .getByRole('link', { name: 'Events', exact: true })
    .click();
  await page.getByRole('heading', { name: 'Your events' }).waitFor();
  await page.getByRole('link', { name: 'FOSSASIA Summit 2026' }).waitFor();
  assert.equal(expired.answered(), 1, 'the store read got the 401');
  assert.equal(expired.refreshes(), 1, 'one refresh for the store read');
  await expired.done();
  await page.getByRole('link', { name: 'FOSSASIA Summit 2026' }).click();
  await page.locator('ol.tickets > li').first().waitFor();
  expired = await expireOnce(page, watch, 'PUT', '/tickets/order');
  await page.getByRole('button', { name: 'Move Early bird up' }).click();
  await status
    .filter({ hasText: 'Early bird moved to position 2 of 3.' })
    .waitFor();
  assert.equal(expired.answered(), 1, 'the store save got the 401');
  assert.equal(expired.refreshes(), 1, 'one refresh for the store save');
  await expired.done();
  await page.reload();
  await page.locator('ol.tickets > li').first().waitFor();
  assert.deepEqual(
    await ticketOrder(page),
    ['Regular', 'Early bird', 'Speaker'],
    'the save sent after the refresh is stored by the API',
  );
  watch.check('expired token on the store');
  log('store requests refreshed an expired token and went through');

  // Badges: upload the CSV, map, preview while typing, template, fonts, sheet. The templates'
  // read (@badges/client, not the store) meets an expired token too: the same one refresh.
  expired = await expireOnce(page, watch, 'GET', '/api/v1/badge-templates');
  const templatesRead = page.waitForResponse(
    (response) =>
      response.url().includes('/api/v1/badge-templates') &&
      response.status() === 200,
  );
  await page
    .getByRole('navigation')
    .getByRole('link', { name: 'Make badges' })
    .click();
  await page.getByRole('heading', { name: 'Make badges' }).waitFor();
  await templatesRead;
  assert.equal(expired.answered(), 1, 'the client read got the 401');
  assert.equal(expired.refreshes(), 1, 'one refresh for the client read');
  await expired.done();
  await screen(page, watch, 'badges-start');
  // A preview aborted by the next keystroke is a failed request by design.
  watch.allow({
    method: 'POST',
    url: '/api/v1/badge-previews',
    failure: 'net::ERR_ABORTED',
  });
  await page.getByLabel('Attendee list').setInputFiles(CSV);
  await page.getByText('7 attendees read').waitFor();
  await page
    .locator('img[data-test-preview][alt="Badge preview for Ada Lovelace"]')
    .waitFor();
  await page
    .getByLabel('Event name on the badges')
    .fill('FOSSASIA Summit 2026');
  await page.getByLabel('Template').selectOption('classic');
  await page.getByLabel('Sheet').selectOption('a4-2x2');
  assert.equal(
    await page.getByLabel('Column for name').inputValue(),
    'name',
    'same-named columns are mapped',
  );
  await page.getByLabel('Column for organization').selectOption('organization');
  await page
    .getByLabel('Font for name')
    .selectOption({ label: 'Noto Serif' })
    .catch(async () => {
      const fonts = await page
        .getByLabel('Font for name')
        .locator('option')
        .allTextContents();
      throw new Error(`no Noto Serif among ${fonts.join(', ')}`);
    });
  // Live preview while typing: each keystroke schedules one; the last one wins.
  const previews = [];
  page.on(
    'request',
    (request) =>
      request.url().endsWith('/badge-previews') && previews.push(request),
  );
  await page.getByLabel('name', { exact: true }).fill('');
  await page
    .getByLabel('name', { exact: true })
    .pressSequentially('Grace Hopper', { delay: 40 });
  await page
    .locator('img[data-test-preview][alt="Badge preview for Grace Hopper"]')
    .waitFor();
  assert.ok(previews.length >= 1, 'typing asked for previews');
  const png = await page
    .locator('img[data-test-preview]')
    .evaluate(async (img) => {
      const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
      return [...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join('');
    });
  assert.equal(png, 'PNG', 'the preview is a PNG');
  await screen(page, watch, 'badges-preview');

  // Submit: the job's page with progress, the live log over SSE, the report, the PDF.
  const streams = [];
  page.on(
    'request',
    (request) =>
      request.url().includes('/log-stream') && streams.push(request.url()),
  );
  await page.getByRole('button', { name: 'Make 7 badges' }).click();
  await page.getByRole('heading', { name: 'Build log' }).waitFor();
  await page
    .locator('[data-test-status]', { hasText: 'succeeded' })
    .waitFor({ timeout: 60_000 });
  await page.getByRole('heading', { name: 'Proof report' }).waitFor();
  assert.ok(
    streams.some((url) => url.includes('token=')),
    'the log came over the signed log_stream_url',
  );
  assert.match(
    await page.locator('.job-progress').innerText(),
    /log streamed live/,
  );
  const types = await page.locator('.log-type').allTextContents();
  for (const type of ['INFO', 'SUCCESS', 'WARNING'])
    assert.ok(types.includes(type), `a ${type} line in ${types}`);
  // Badges that need a look are WARNING lines naming their rows (ERROR lines with a detail come
  // only from a job that fails while rendering, which this flow does not provoke).
  assert.match(
    await page
      .locator('.log-warning')
      .allInnerTexts()
      .then((t) => t.join('\n')),
    /Row \d+ \(page \d+, slot \d+\)/,
  );
  assert.equal(await page.locator('#job-progress').getAttribute('value'), '7');
  const jobUrl = page.url();
  await screen(page, watch, 'job-done');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download PDF' }).click(),
  ]);
  const pdfPath = join(RESULTS, 'badges.pdf');
  await download.saveAs(pdfPath);
  assert.equal(
    readFileSync(pdfPath).subarray(0, 5).toString(),
    '%PDF-',
    'the download is a PDF',
  );
  assert.equal(download.suggestedFilename(), 'FOSSASIA Summit 2026.pdf');
  const [proof] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download proof sheet' }).click(),
  ]);
  await proof.saveAs(join(RESULTS, 'proof.pdf'));
  assert.equal(
    readFileSync(join(RESULTS, 'proof.pdf')).subarray(0, 5).toString(),
    '%PDF-',
  );
  watch.check('downloads');
  log('job done over SSE; PDF and proof sheet downloaded');

  // The polling fallback: the stream cannot be opened, so the log is read with GET .../logs.
  const unblock = watch.allow({
    url: '/log-stream',
    failure: 'net::ERR_FAILED',
  });
  await page.route('**/log-stream**', (route) => route.abort('failed'));
  const polled = [];
  page.on(
    'request',
    (request) => request.url().includes('/logs?') && polled.push(request.url()),
  );
  await page.goto(jobUrl);
  await page.locator('[data-test-status]', { hasText: 'succeeded' }).waitFor();
  await page.getByText('log read by polling').waitFor();
  await page.locator('.log-line.log-success').waitFor();
  await page.getByRole('heading', { name: 'Proof report' }).waitFor();
  assert.deepEqual(
    await page.locator('.log-type').allTextContents(),
    types,
    'the same log by polling',
  );
  assert.ok(polled.length >= 1, 'GET .../logs was used');
  await page.unroute('**/log-stream**');
  unblock();
  watch.check('polling fallback');
  log('polling fallback read the same log');

  // Cancel: a long job stopped from its page; the log ends with an ERROR line.
  await submitMany(page, 30_000);
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await page
    .locator('[data-test-status]', { hasText: 'cancelled' })
    .waitFor({ timeout: 60_000 });
  await page
    .locator('.log-error', { hasText: 'Cancelled by its owner.' })
    .waitFor();
  assert.equal(
    await page.getByRole('button', { name: 'Cancel job' }).count(),
    0,
  );
  await screen(page, watch, 'job-cancelled');

  // A job that fails while rendering: the suite's API allows a render BADGE_RENDER_WALL_SECONDS
  // (service.mjs), which 100,000 badges pass on any machine; the log ends with an ERROR line
  // and its detail, shown under it.
  await submitMany(page, 100_000);
  await page
    .locator('[data-test-status]', { hasText: 'failed' })
    .waitFor({ timeout: 120_000 });
  const failure = page.locator('.log-error', { hasText: 'longer than' });
  await failure.waitFor();
  assert.equal(await failure.locator('.log-detail').innerText(), 'render');
  await screen(page, watch, 'job-failed');
  log('a cancelled job and a failed one end with ERROR lines');

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  watch.check('log out');
  writeFileSync(join(RESULTS, 'summary.txt'), `passed in ${elapsed()}\n`);
  await context.close();
}

/** Upload `count` generated attendees on the badge screen and submit them as a job. */
async function submitMany(page, count) {
  await page
    .getByRole('navigation')
    .getByRole('link', { name: 'Make badges' })
    .click();
  const rows = Array.from(
    { length: count },
    (_, i) => `Attendee ${i + 1},Organisation ${i % 97}`,
  );
  await page.getByLabel('Attendee list').setInputFiles({
    name: 'many.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`name,organization\n${rows.join('\n')}\n`),
  });
  await page.getByText(`${count} attendees read`).waitFor();
  await page
    .locator('img[data-test-preview][alt="Badge preview for Attendee 1"]')
    .waitFor();
  await page.getByRole('button', { name: `Make ${count} badges` }).click();
}
