//! The demo back office, as a visitor uses it: a shopper skips a delivery in her account,
//! and the back office shows the verified `subscription.updated` without a reload; the
//! demo clock moves a month, the deliveries due meanwhile appear as orders, and "Paid"
//! reports one. It moves the server's clock, so it runs on a server of its own (the shared
//! one's dates must stay put for the other tests).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launch, openPage, shownDate } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SUBSCRIPTION = 'sub_demo_ada_intenso';

let browser;
let server;
let dataDir;
let shop;

/** Starts `cadence-server serve --demo` on fresh ports and a fresh database. */
async function startServer() {
  const bin = process.env.CADENCE_SERVER_BIN;
  const widgetDir = process.env.CADENCE_WIDGET_DIR;
  if (!bin || !widgetDir) throw new Error('run the browser tests through `cargo xtask test`');
  dataDir = await mkdtemp(join(tmpdir(), 'cadence-backoffice-'));
  const child = spawn(bin, [
    'serve', '--demo', '--api-addr=127.0.0.1:0', '--shop-addr=127.0.0.1:0',
    `--db=${join(dataDir, 'cadence.db')}`, `--widget-dir=${widgetDir}`,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const listening = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cadence-server exited (${code}) before listening`)));
    lines.on('line', (line) => {
      if (line.startsWith('cadence: listening ')) resolve(line);
    });
  });
  const field = (name) => listening.split(/\s+/).find((w) => w.startsWith(`${name}=`)).slice(name.length + 1);
  return { child, shop: field('shop') };
}

before(async () => {
  ({ child: server, shop } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The violations axe finds on the whole page. */
async function violations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, TAGS);
}

test('a skip reaches the back office verified, a month brings orders, and Paid reports one', async () => {
  // The shopper skips her next delivery in her account.
  const { page: account, pageErrors: accountErrors } = await openPage(browser);
  await account.goto(`${shop}/account?as=cust_ada`);
  const card = account.locator(`cadence-widget [data-cadence=subscription][data-id="${SUBSCRIPTION}"]`);
  await card.waitFor({ timeout: 15000 });
  const next = card.locator('[data-cadence=upcoming]').first();
  const date = await next.getAttribute('data-date');
  await next.getByRole('button', { name: `Skip the delivery on ${shownDate(date)}` }).click();
  await card.locator('[data-cadence=announce]').filter({ hasText: /is skipped/ }).waitFor({ timeout: 10000 });
  assert.deepEqual(accountErrors, []);

  // The back office, already open, shows the signed event without a reload.
  const { page, pageErrors } = await openPage(browser);
  await page.goto(`${shop}/back-office`);
  const skip = page.locator('li[data-event-type="subscription.updated"]', { hasText: 'cust_ada: skip on' });
  await skip.waitFor({ timeout: 15000 });
  assert.match(await skip.textContent(), /Signature verified/);
  await skip.getByText('Payload').click();
  assert.match(await skip.locator('pre').textContent(), new RegExp(`"id": "${SUBSCRIPTION}"`));

  // A month passes: the deliveries due meanwhile become orders.
  const today = await page.locator('[data-back-office=today]').textContent();
  await page.locator('#clock-days').selectOption('30');
  await page.getByRole('button', { name: 'Move the clock' }).click();
  const note = page.locator('.notice[role=status]');
  await note.waitFor({ timeout: 10000 });
  const made = Number((await note.textContent()).match(/Moved the clock 30 days: (\d+) new order/)[1]);
  assert.ok(made > 0, 'a month of deliveries made orders');
  const moved = new Date(`${today}T00:00:00Z`);
  moved.setUTCDate(moved.getUTCDate() + 30);
  assert.equal(await page.locator('[data-back-office=today]').textContent(), moved.toISOString().slice(0, 10));
  const rows = page.locator('tr[data-order]');
  assert.ok(await rows.count() >= made);
  await page.locator('li[data-event-type="order.created"]').first().waitFor({ timeout: 15000 });

  // The shop reports the first order paid.
  const id = await rows.first().getAttribute('data-order');
  await page.getByRole('button', { name: `Paid: ${id}` }).click();
  await note.filter({ hasText: 'Reported the order paid.' }).waitFor({ timeout: 10000 });
  assert.equal(await page.locator(`tr[data-order="${id}"] [data-order-status]`).textContent(), 'paid');
  await page.locator('li[data-event-type="order.updated"]', { hasText: `order ${id} pending → paid` })
    .waitFor({ timeout: 15000 });

  assert.deepEqual(await violations(page), []);
  assert.deepEqual(pageErrors, []);
});
