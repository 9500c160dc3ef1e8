//! One-click links from messages, opened in Chromium as a shopper would from her e-mail:
//! the page asks before it acts (opening changes nothing), one button (reachable by
//! keyboard) acts once, a second visit says it was done, an edited link gets a clear page,
//! and each page is axe-clean under its strict CSP with no script at all. It moves the
//! server's clock to make a reminder fall due, so it runs on a server of its own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launch } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// The demo's public merchant key (`--demo`).
const MERCHANT = 'Bearer cadence-demo-merchant-key-not-for-production-use';

let browser;
let server;
let dataDir;
let api;

/** Starts `cadence-server serve --demo` on fresh ports, its passes every second. */
async function startServer() {
  const bin = process.env.CADENCE_SERVER_BIN;
  const widgetDir = process.env.CADENCE_WIDGET_DIR;
  if (!bin || !widgetDir) throw new Error('run the browser tests through `cargo xtask test`');
  dataDir = await mkdtemp(join(tmpdir(), 'cadence-links-'));
  const child = spawn(bin, [
    'serve', '--demo', '--api-addr=127.0.0.1:0', '--shop-addr=127.0.0.1:0',
    `--db=${join(dataDir, 'cadence.db')}`, `--widget-dir=${widgetDir}`,
    '--scheduler-interval-secs=1',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const listening = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cadence-server exited (${code}) before listening`)));
    lines.on('line', (line) => {
      if (line.startsWith('cadence: listening ')) resolve(line);
    });
  });
  const field = (name) => listening.split(/\s+/).find((w) => w.startsWith(`${name}=`)).slice(name.length + 1);
  return { child, api: field('api') };
}

async function admin(method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: MERCHANT, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Ada's first delivery reminder, once the server's pass has made it. */
async function adasReminder() {
  const deadline = Date.now() + 20000;
  for (;;) {
    const { notifications } = await admin('GET', '/api/v1/admin/notifications?customer_id=cust_ada');
    const reminder = notifications.find((n) => n.kind === 'delivery_reminder');
    if (reminder) return reminder;
    assert.ok(Date.now() < deadline, 'no reminder for Ada within 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function violations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, TAGS);
}

/** A page that fails the test on any console error (a CSP violation is one). */
async function strictPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { page, problems };
}

before(async () => {
  ({ child: server, api } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a reminder\'s skip link asks, skips once, and says so on a second visit', async () => {
  // Ada's next delivery is 18 days after the demo's first day: 16 days on, its reminder
  // (3 days ahead, 9:00 UTC) is due.
  await admin('POST', '/api/v1/admin/demo/clock', { advance_days: 16 });
  const reminder = await adasReminder();
  assert.ok(reminder.links.skip && reminder.links.pause && reminder.links.unsubscribe, JSON.stringify(reminder));

  const { page, problems } = await strictPage();
  const shown = await page.goto(reminder.links.skip);
  assert.equal(shown.status(), 200);
  assert.match(shown.headers()['content-security-policy'], /^default-src 'none'/);
  const question = await page.locator('main p').first().textContent();
  assert.match(question, /^Skip the delivery of \d{1,2} \w+ \d{4}\?$/);
  assert.equal(await page.locator('script').count(), 0);
  assert.deepEqual(await violations(page), []);
  // Opening the link changed nothing.
  const sub = async () => (await admin('GET', '/api/v1/admin/notifications?customer_id=cust_ada'))
    .notifications.filter((n) => n.kind === 'receipt').length;
  assert.equal(await sub(), 0);

  // The button, by keyboard.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const done = await page.locator('main [role=status]').textContent();
  assert.match(done, /^Done: the delivery of \d{1,2} \w+ \d{4} is skipped\.$/);
  assert.deepEqual(await violations(page), []);
  // The skip is a change like any other: its receipt follows.
  const deadline = Date.now() + 20000;
  while (await sub() < 1) {
    assert.ok(Date.now() < deadline, 'no receipt for the skip');
    await new Promise((r) => setTimeout(r, 200));
  }

  // A second visit (a scanner, a second click) says it was done and changes nothing.
  await page.goto(reminder.links.skip);
  assert.match(await page.locator('main p').first().textContent(), /already used/);
  assert.equal(await page.locator('form').count(), 0);
  assert.equal(await sub(), 1);

  assert.deepEqual(problems, []);

  // An edited link: a clear page, no button (its 400 is the one console error).
  const [origin, token] = reminder.links.pause.split('/links/');
  const [payload, mac] = token.split('.');
  const flipped = payload.slice(0, 5) + (payload[5] === 'A' ? 'B' : 'A') + payload.slice(6);
  const edited = `${origin}/links/${flipped}.${mac}`;
  const refused = await page.goto(edited);
  assert.equal(refused.status(), 400);
  assert.match(await page.locator('main p').first().textContent(), /This link is not valid\. Nothing was changed\./);
  assert.equal(await page.locator('form').count(), 0);
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  await page.close();
});
