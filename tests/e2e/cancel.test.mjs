//! Cancel and withdraw without signing in (§312k BGB, the EU right of withdrawal), in
//! Chromium with JavaScript off, as a shopper without an account would: `/cancel` and
//! `/withdraw` in en, fr and de, their statutory fields and the law's button words, the
//! form filled by keyboard and sent, the confirmation with the moment and its time zone.
//! axe needs script, so each page is audited a second time in a context with JavaScript
//! on. It cancels Ada's subscription, so it runs on a server of its own.

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
const MERCHANT = 'Bearer cadence-demo-merchant-key-not-for-production-use';

const BUTTONS = {
  cancel: { en: 'Cancel now', fr: 'Résilier maintenant', de: 'Jetzt kündigen' },
  withdraw: { en: 'Withdraw from contract', fr: 'Me rétracter du contrat', de: 'Vertrag widerrufen' },
};

let browser;
let server;
let dataDir;
let api;
let noScript;
let withScript;

/** Starts `cadence-server serve --demo` on fresh ports. */
async function startServer() {
  const bin = process.env.CADENCE_SERVER_BIN;
  const widgetDir = process.env.CADENCE_WIDGET_DIR;
  if (!bin || !widgetDir) throw new Error('run the browser tests through `cargo xtask test`');
  dataDir = await mkdtemp(join(tmpdir(), 'cadence-cancel-'));
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
  return { child, api: field('api') };
}

async function admin(path) {
  const response = await fetch(`${api}${path}`, { headers: { authorization: MERCHANT } });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

/** axe on `url` in the context with JavaScript on (the page itself has none). */
async function violations(url, method = 'GET', form = undefined) {
  const page = await withScript.newPage();
  if (form) {
    // The same answer a POST gets: fetched, then shown as the document.
    await page.route(url, (route) => route.continue({
      method, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      postData: new URLSearchParams(form).toString(),
    }));
  }
  await page.goto(url);
  await page.evaluate(AXE);
  const found = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, TAGS);
  await page.close();
  return found;
}

before(async () => {
  ({ child: server, api } = await startServer());
  browser = await launch();
  noScript = await browser.newContext({ javaScriptEnabled: false });
  withScript = await browser.newContext();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the pages work without JavaScript and are axe-clean in every language', async () => {
  for (const kind of ['cancel', 'withdraw']) {
    for (const lang of ['en', 'fr', 'de']) {
      const url = `${api}/${kind}?lang=${lang}`;
      const page = await noScript.newPage();
      const shown = await page.goto(url);
      assert.equal(shown.status(), 200);
      assert.match(shown.headers()['content-security-policy'], /^default-src 'none'/);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.locator('script').count(), 0);
      assert.equal((await page.locator('button[type=submit]').textContent()).trim(), BUTTONS[kind][lang]);
      for (const field of ['name', 'email', 'reference']) {
        assert.equal(await page.getByLabel(await page.locator(`label[for=${field}]`).textContent(), { exact: true }).count(), 1, field);
      }
      if (kind === 'cancel') {
        assert.equal(await page.locator('input[type=radio]').count(), 2);
        assert.equal(await page.locator('input[type=date]').count(), 1);
        assert.equal(await page.locator('textarea#reason').count(), 1);
      }
      await page.close();
      assert.deepEqual(await violations(url), [], `${kind} ${lang}`);
      // The 422 page, with its errors beside the fields.
      assert.deepEqual(await violations(url, 'POST', { name: '', email: 'nope' }), [], `${kind} ${lang} 422`);
      // The confirmation (details that match nobody: nothing changes).
      const stranger = { name: 'Someone', email: 'someone@example.com', reference: 'sub_nope' };
      assert.deepEqual(await violations(url, 'POST', stranger), [], `${kind} ${lang} confirmation`);
    }
  }
});

test('Ada cancels by keyboard with JavaScript off and sees the confirmation', async () => {
  const page = await noScript.newPage();
  await page.goto(`${api}/cancel?lang=de`);
  await page.locator('#name').focus();
  await page.keyboard.type('Ada Lovelace');
  await page.keyboard.press('Tab');
  await page.keyboard.type('ada@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('sub_demo_ada_intenso');
  await Promise.all([page.waitForNavigation(), page.locator('button[type=submit]').press('Enter')]);
  const status = await page.locator('[role=status]').textContent();
  // "Eingegangen am 15. März 2026, 10:15 (UTC, UTC+00:00)."
  assert.match(status, /^Eingegangen am \d{1,2}\. \S+ \d{4}, \d{2}:\d{2} \(UTC, UTC\+00:00\)\.$/);
  assert.match(await page.locator('main').textContent(), /Ihr Abo sub_demo_ada_intenso ist zum .* gekündigt/);
  assert.match(await page.locator('main').textContent(), /Eine Bestätigung per E-Mail folgt\./);
  await page.close();
  // The cancel is a change like any other: its receipt follows, in Ada's stream.
  const deadline = Date.now() + 20000;
  for (;;) {
    const { notifications } = await admin('/api/v1/admin/notifications?customer_id=cust_ada');
    if (notifications.some((n) => n.kind === 'receipt')) break;
    assert.ok(Date.now() < deadline, 'no receipt for the cancel within 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('a withdrawal after the period says when it ended and links to /cancel', async () => {
  const page = await noScript.newPage();
  await page.goto(`${api}/withdraw?lang=en`);
  await page.fill('#name', 'Ada Lovelace');
  await page.fill('#email', 'ada@example.com');
  await page.fill('#reference', 'sub_demo_ada_intenso');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  // The demo subscription is months old and by now cancelled: either way, nothing changes.
  const text = await page.locator('main').textContent();
  assert.match(text, /Received on .* \(UTC, UTC\+00:00\)\./);
  assert.match(text, /already cancelled|withdrawal period .* ended/);
  await page.close();
});
