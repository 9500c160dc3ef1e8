//! Embedding: two widgets on a hostile, strict-CSP host page from another origin render,
//! stay isolated both ways, load the wasm once, and never break the host page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API, HOST, hostPage, hostServer, hostStillWorks, launch, mintToken, openPage } from './harness.mjs';

let browser;
let server;

before(async () => {
  browser = await launch();
  const token = await mintToken('cust_ada');
  server = await hostServer({
    '/both-views': hostPage(`
      <cadence-widget id="w1" view="product" product="CAPS-INTENSO"></cadence-widget>
      <cadence-widget id="w2" view="account" customer-token="${token}"></cadence-widget>`),
    '/two-widgets': hostPage(`
      <cadence-widget id="w1" view="product" product="CAPS-INTENSO"></cadence-widget>
      <cadence-widget id="w2" view="product" product="BARISTA-ONE" locale="fr"></cadence-widget>`),
    '/one-widget': hostPage(`<cadence-widget id="w1" view="product" product="CAPS-INTENSO"></cadence-widget>`),
    '/lazy': hostPage(`<div class="spacer"></div>
      <cadence-widget id="far" view="product" product="CAPS-INTENSO"></cadence-widget>`),
    '/twice': hostPage(`<script type="module" src="${API}/widget/cadence.js?again"></script>
      <cadence-widget id="w1" view="product" product="CAPS-INTENSO"></cadence-widget>`),
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** Counts responses whose URL ends with `suffix`. */
function countRequests(page, suffix) {
  const seen = [];
  page.on('request', (r) => new URL(r.url()).pathname.endsWith(suffix) && seen.push(r.url()));
  return seen;
}

test('two widgets on a hostile strict-CSP page render, isolated, with one wasm download', async () => {
  const { page, pageErrors } = await openPage(browser);
  const wasm = countRequests(page, '.wasm');
  const cspViolations = [];
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
  await page.goto(`${HOST}/two-widgets`);

  await assert.doesNotReject(page.locator('#w1 .cad-title').waitFor({ timeout: 15000 }));
  // The second widget sits below the first's reserved space: it mounts when scrolled near.
  await page.locator('#w2').scrollIntoViewIfNeeded();
  await page.locator('#w2 .cad-title').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#w1 .cad-title').textContent(), 'Espresso Intenso capsules');
  assert.equal(await page.locator('#w2 .cad-title').textContent(), 'Barista One');
  // French widget formats its price the French way.
  assert.match(await page.locator('#w2 [data-cadence=price]').textContent(), /^349,00\s€$/);

  // The host's `* { font: 30px serif; color: red }` does not reach into the widget…
  const inside = await page.locator('#w1 .cad-description').evaluate((el) => {
    const s = getComputedStyle(el);
    return { size: s.fontSize, color: s.color, family: s.fontFamily };
  });
  assert.notEqual(inside.size, '30px');
  assert.notEqual(inside.color, 'rgb(255, 0, 0)');
  assert.doesNotMatch(inside.family, /^serif$/);
  // …and `div { border: 5px solid lime }` stays outside as well.
  const border = await page.locator('#w1 .cad-product').evaluate((el) => getComputedStyle(el).borderTopWidth);
  assert.equal(border, '1px');
  // The widget's styles do not leak out: the host text keeps the host's look.
  const host = await page.locator('#host-text').evaluate((el) => getComputedStyle(el).fontSize);
  assert.equal(host, '30px');

  assert.equal(wasm.length, 1, `wasm fetched ${wasm.length} times: ${wasm}`);
  await page.click('#host-button');
  await page.click('#host-button');
  assert.equal(await page.textContent('#host-count'), '2');
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(cspViolations, []);
  await page.close();
});

test('each view loads only its own module; a page with both views loads each once', async () => {
  const { page, pageErrors } = await openPage(browser);
  const wasm = countRequests(page, '.wasm');
  await page.goto(`${HOST}/one-widget`);
  await page.locator('#w1 .cad-title').waitFor({ timeout: 15000 });
  assert.deepEqual(wasm.map((u) => new URL(u).pathname), ['/widget/cadence_product_bg.wasm']);
  wasm.length = 0;

  await page.goto(`${HOST}/both-views`);
  await page.locator('#w1 .cad-title').waitFor({ timeout: 15000 });
  await page.locator('#w2').scrollIntoViewIfNeeded();
  await page.locator('#w2 [data-cadence=subscription]').first().waitFor({ timeout: 15000 });
  assert.deepEqual(wasm.map((u) => new URL(u).pathname).sort(), [
    '/widget/cadence_account_bg.wasm',
    '/widget/cadence_product_bg.wasm',
  ]);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('widgets reserve their space: the content below does not move when they render', async () => {
  const { page } = await openPage(browser);
  await page.route(`${API}/api/v1/**`, async (route) => {
    await new Promise((r) => setTimeout(r, 300)); // a slow API shows the skeleton first
    await route.continue();
  });
  await page.goto(`${HOST}/one-widget`);
  const below = page.locator('#w1');
  const before = await below.evaluate((el) => el.getBoundingClientRect().height);
  await page.locator('#w1 .cad-title').waitFor({ timeout: 15000 });
  const afterHeight = await below.evaluate((el) => el.getBoundingClientRect().height);
  assert.ok(before >= 200, `reserved height ${before}px`);
  assert.equal(afterHeight, before, 'the product card fits the reserved space');
  await page.close();
});

test('the wasm is only fetched when a widget nears the viewport', async () => {
  const { page, pageErrors } = await openPage(browser);
  const wasm = countRequests(page, '.wasm');
  await page.goto(`${HOST}/lazy`);
  await page.waitForTimeout(500);
  assert.equal(wasm.length, 0, 'a widget far below the fold must not load the wasm');
  await page.locator('#far').scrollIntoViewIfNeeded();
  await page.locator('#far .cad-title').waitFor({ timeout: 15000 });
  assert.equal(wasm.length, 1);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('the loader included twice defines the element once and still renders', async () => {
  const { page, pageErrors } = await openPage(browser);
  await page.goto(`${HOST}/twice`);
  await page.locator('#w1 .cad-title').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#w1 .cad-title').count(), 1);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

for (const [name, fulfil, expected] of [
  ['a 500', { status: 500, contentType: 'application/problem+json', body: '{"title":"boom","status":500}' }, 'had a problem'],
  ['garbage', { status: 200, contentType: 'application/json', body: '{"sku": 12, "na' }, 'had a problem'],
  ['an HTML login page', { status: 200, contentType: 'text/html', body: '<html><form>Sign in</form></html>' }, 'had a problem'],
]) {
  test(`an API answering ${name} gives a calm message and leaves the host page working`, async () => {
    const { page, pageErrors, events } = await openPage(browser);
    await page.route(`${API}/api/v1/**`, (route) => route.fulfill(fulfil));
    await page.goto(`${HOST}/one-widget`);
    const alert = page.locator('#w1 [role=alert]');
    await alert.waitFor({ timeout: 15000 });
    assert.match(await alert.textContent(), new RegExp(expected));
    const errors = (await events()).filter((e) => e.type === 'cadence:error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    await hostStillWorks(page, pageErrors);
    await page.close();
  });
}

test('a wasm that cannot be fetched ends in the fallback message and a cadence:error event', async () => {
  const { page, pageErrors, events } = await openPage(browser);
  await page.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(`${HOST}/one-widget`);
  const fallback = page.locator('#w1 .cadence-fallback');
  await fallback.waitFor({ timeout: 15000 });
  assert.match(await fallback.textContent(), /could not be loaded/);
  const errors = (await events()).filter((e) => e.type === 'cadence:error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].detail.code, 'load');
  await hostStillWorks(page, pageErrors);
  await page.close();
});
