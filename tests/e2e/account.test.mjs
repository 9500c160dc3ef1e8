//! The Cadence-hosted account page, as a shopper without a shop login uses it in Chromium:
//! she asks for a sign-in link, the e-mail reaches a real SMTP server (aiosmtpd, from the
//! project's venv), she opens the link, presses Continue, and her account widget runs on
//! the API's origin under the page's strict CSP: no console error, axe-clean.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launch } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Saves each accepted message as <n>.eml in the directory given (as in the Rust tests).
const SMTP_SERVER = `
import pathlib, sys
from aiosmtpd.controller import Controller
out = pathlib.Path(sys.argv[1])
class Save:
    def __init__(self):
        self.count = 0
    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        tmp = out / f"{self.count:06d}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(out / f"{self.count:06d}.eml")
        return "250 Message accepted for delivery"
controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
`;

let browser;
let server;
let smtp;
let dataDir;
let mailDir;
let api;

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function firstLine(child, what) {
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
    lines.on('line', resolve);
  });
}

before(async () => {
  const python = process.env.CADENCE_TEST_PYTHON;
  const bin = process.env.CADENCE_SERVER_BIN;
  const widgetDir = process.env.CADENCE_WIDGET_DIR;
  if (!python || !bin || !widgetDir) throw new Error('run the browser tests through `cargo xtask test`');
  dataDir = await mkdtemp(join(tmpdir(), 'cadence-account-'));
  mailDir = await mkdtemp(join(tmpdir(), 'cadence-mail-'));
  const smtpPort = await freePort();
  smtp = spawn(python, ['-c', SMTP_SERVER, mailDir, String(smtpPort)], { stdio: ['pipe', 'pipe', 'inherit'] });
  assert.equal(await firstLine(smtp, 'aiosmtpd'), 'ready');
  server = spawn(bin, [
    'serve', '--demo', '--api-addr=127.0.0.1:0', '--shop-addr=127.0.0.1:0',
    `--db=${join(dataDir, 'cadence.db')}`, `--widget-dir=${widgetDir}`,
    `--smtp-url=smtp://127.0.0.1:${smtpPort}`, '--mail-from=shop@cadence.example',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: server.stdout });
  const listening = await new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`cadence-server exited (${code}) before listening`)));
    lines.on('line', (line) => { if (line.startsWith('cadence: listening ')) resolve(line); });
  });
  api = listening.split(/\s+/).find((w) => w.startsWith('api=')).slice(4);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  smtp?.stdin.end();
  smtp?.kill();
  for (const dir of [dataDir, mailDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The first message the SMTP server accepted whose raw text matches `wanted`, quoted-printable
 * decoded (the demo's own reminders go out too, so there are others).
 */
async function message(wanted) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const names = (await readdir(mailDir)).filter((n) => n.endsWith('.eml')).sort();
    for (const name of names) {
      const raw = await readFile(join(mailDir, name), 'latin1');
      const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      if (wanted.test(text)) return text;
    }
    assert.ok(Date.now() < deadline, `no e-mail matching ${wanted} within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function violations(page, include) {
  await page.evaluate(AXE);
  return page.evaluate(async ({ tags, include }) => {
    const result = await window.axe.run(include ? { include: [[include]] } : document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, { tags: TAGS, include });
}

test('a shopper signs in by e-mail and her account runs on the hosted page', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });

  await page.goto(`${api}/account`);
  assert.deepEqual(await violations(page), []);
  await page.getByLabel('E-mail address').fill('ada@example.com');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send me a sign-in link' }).click()]);
  assert.match(await page.locator('[role=status]').textContent(), /If this address belongs to an account/);

  const mail = await message(/^Subject: Your sign-in link/m);
  assert.match(mail, /^To: ada@example\.com/m);
  const link = mail.match(/Open my account: (http\S+)/)[1];
  assert.ok(link.startsWith(`${api}/account/`), link);

  await page.goto(link);
  assert.equal(await page.locator('main p').first().textContent(), 'Continue to your account?');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Continue' }).click()]);
  const subscription = page.locator('cadence-widget [data-cadence=subscription]');
  await subscription.first().waitFor({ timeout: 20000 });
  assert.ok(await subscription.count() >= 1, 'Ada sees her subscription');
  assert.deepEqual(await violations(page, 'cadence-widget'), []);
  assert.deepEqual(problems, [], 'no console error, no CSP violation');
  await page.close();
});
