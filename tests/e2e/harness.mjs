//! Shared pieces of the end-to-end tests: Debian's Chromium via playwright-core, the
//! addresses of the server `cargo xtask test` started, and a hostile host page server.

import assert from 'node:assert/strict';
import http from 'node:http';
import { chromium } from 'playwright-core';

export const API = must('CADENCE_API'); // origin B: API + widget assets
export const SHOP = must('CADENCE_SHOP'); // origin A: the demo storefront
export const HOST_PORT = Number(must('CADENCE_HOST_PORT')); // origin C: hostile test pages
export const HOST = `http://127.0.0.1:${HOST_PORT}`;

function must(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through \`cargo xtask test\``);
  return value;
}

/** Launches headless Chromium; never downloads a browser. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A new page that records uncaught page errors, console errors and `cadence:*` events. */
export async function openPage(browser) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cadenceEvents = [];
    for (const name of ['cadence:error', 'cadence:add-to-cart', 'cadence:subscribed', 'cadence:subscription-changed', 'cadence:recommendation']) {
      document.addEventListener(name, (e) => window.__cadenceEvents.push({ type: e.type, detail: e.detail }));
    }
  });
  return { page, pageErrors, events: () => page.evaluate(() => window.__cadenceEvents) };
}

/**
 * The host pages' strict CSP: scripts only from this origin and the widget's, no inline
 * script, no eval, styles only from files; wasm compilation allowed unless `wasm` is false.
 */
export function strictCsp({ wasm = true } = {}) {
  return [
    "default-src 'self'",
    `script-src 'self' ${API}${wasm ? " 'wasm-unsafe-eval'" : ''}`,
    `connect-src 'self' ${API}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * Serves hostile host pages on origin C: `pages` maps a path to HTML. Every page gets a
 * strict CSP: scripts only from this origin and the widget's, wasm allowed, no inline
 * script, no eval, and styles only from files.
 */
export function hostServer(pages) {
  const csp = strictCsp();
  const files = {
    '/reserve.css': ['text/css', RESERVE_CSS],
    '/host.css': ['text/css', HOSTILE_CSS],
    '/host.js': ['text/javascript', HOST_JS],
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, HOST).pathname;
    if (files[path]) {
      res.writeHead(200, { 'content-type': files[path][0] });
      return res.end(files[path][1]);
    }
    if (pages[path]) {
      // A page is its HTML, or `{ html, csp, type }` to serve it under another policy or as
      // another content type (a stylesheet copied from the demo shop, say).
      const page = typeof pages[path] === 'string' ? { html: pages[path], csp } : pages[path];
      res.writeHead(200, {
        'content-type': page.type ?? 'text/html; charset=utf-8',
        ...(page.csp ? { 'content-security-policy': page.csp } : {}),
      });
      return res.end(page.html);
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(HOST_PORT, '127.0.0.1', () => resolve(server)));
}

/** The reservation README recommends merchants put in their stylesheet. */
export const RESERVE_CSS = `
cadence-widget { display: block; min-height: 832px; }
cadence-widget[view=account] { min-height: 584px; }
@media (max-width: 30em) {
  cadence-widget { min-height: 1192px; }
  cadence-widget[view=account] { min-height: 1184px; }
}
`;

/** A host page's own stylesheet, as careless as real themes get. */
const HOSTILE_CSS = `
* { font: 30px serif !important; color: red !important; }
button { display: none !important; }
#host-button { display: inline-block !important; }
div { border: 5px solid lime; }
.spacer { height: 4000px; }
`;

/** A host page's own script: a button that counts its clicks. */
const HOST_JS = `
const button = document.getElementById('host-button');
button.addEventListener('click', () => {
  const out = document.getElementById('host-count');
  out.textContent = String(Number(out.textContent) + 1);
});
`;

/** An HTML page on origin C embedding the widget loader from origin B and `body`. */
export function hostPage(body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host shop</title>
<link rel="stylesheet" href="/host.css">
<script type="module" src="${API}/widget/cadence.js"></script>
<script type="module" src="/host.js"></script>
</head><body>
<p id="host-text">Host content</p>
<button id="host-button" type="button">Host button</button> <output id="host-count">0</output>
${body}
</body></html>`;
}

/** The host page (`hostPage`) still answers its own button, and nothing was thrown into it. */
export async function hostStillWorks(page, pageErrors) {
  assert.equal(await page.textContent('#host-text'), 'Host content');
  await page.click('#host-button');
  assert.equal(await page.textContent('#host-count'), '1');
  assert.deepEqual(pageErrors, []);
}

/** Mints an HS256 customer token the way a merchant's backend would. */
export async function mintToken(customer, ttlSeconds = 3600) {
  const { createHmac } = await import('node:crypto');
  const secret = process.env.CADENCE_JWT_SECRET;
  if (!secret) throw new Error('CADENCE_JWT_SECRET is not set: run through `cargo xtask test`');
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: customer, exp: Math.floor(Date.now() / 1000) + ttlSeconds })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** Calls the API as `customer`; returns `{ status, body, headers }`. */
export async function api(customer, method, path, body, headers = {}) {
  const response = await fetch(`${API}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await mintToken(customer)}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/** A calendar date `days` from today (UTC) as YYYY-MM-DD. */
export function isoDaysFromToday(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
}

/** How the widget shows a date in English: the browser's Intl, medium style, UTC. */
export function shownDate(iso) {
  return new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}
