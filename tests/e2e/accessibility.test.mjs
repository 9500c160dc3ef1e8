//! Accessibility: axe-core (WCAG 2.x A/AA rules) finds nothing inside the widget's shadow
//! root, on the product page and the account page, with the panels opened.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SHOP, launch } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let browser;

before(async () => (browser = await launch()));
after(async () => browser?.close());

/** The violations axe finds inside the first `cadence-widget` on the page. */
async function violations(page) {
  await page.evaluate(AXE); // evaluated by the test driver, not by the page's scripts
  return page.evaluate(async (tags) => {
    const result = await window.axe.run({ include: [['cadence-widget']] }, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, TAGS);
}

test('the product view has no axe violations', async () => {
  const page = await browser.newPage();
  await page.goto(`${SHOP}/products/CAPS-INTENSO?as=cust_grace`);
  await page.locator('cadence-widget [data-cadence=purchase-submit]').waitFor({ timeout: 15000 });
  assert.deepEqual(await violations(page), []);
  await page.close();
});

test('the account view has no axe violations, with its panels open', async () => {
  const page = await browser.newPage();
  await page.goto(`${SHOP}/account?as=cust_ada`);
  const card = page.locator('cadence-widget [data-cadence=subscription]').first();
  await card.waitFor({ timeout: 15000 });
  assert.deepEqual(await violations(page), []);
  await card.locator('[data-cadence=pause]').click();
  await card.locator('[data-cadence=cancel]').click();
  await card.locator('[data-cadence=history-toggle]').click();
  await card.locator('[data-cadence=history-item]').first().waitFor({ timeout: 10000 });
  assert.deepEqual(await violations(page), []);
  await page.close();
});

test('loading, error, recommendations and success states have no axe violations', async () => {
  const page = await browser.newPage();
  // Loading: the API answers late, so the skeleton is what axe sees.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route('**/api/v1/products/**', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${SHOP}/products/BARISTA-ONE`);
  await page.locator('cadence-widget .cad-skeleton').first().waitFor({ timeout: 15000 });
  assert.deepEqual(await violations(page), [], 'loading');
  release();
  await page.locator('cadence-widget [data-cadence=recos-toggle]').click({ timeout: 15000 });
  await page.locator('cadence-widget [data-cadence=recommendation]').first().waitFor();
  assert.deepEqual(await violations(page), [], 'recommendations open');
  await page.locator('cadence-widget [data-cadence=reco-action]').first().click();
  await page.locator('cadence-widget .cad-recos [role=status]').filter({ hasText: /./ }).waitFor();
  assert.deepEqual(await violations(page), [], 'after an action');
  // Error: the API fails, the calm message and its retry button are what axe sees.
  await page.unroute('**/api/v1/products/**');
  await page.route('**/api/v1/products/**', (route) => route.fulfill({ status: 503, body: '' }));
  await page.reload();
  await page.locator('cadence-widget [role=alert]').waitFor({ timeout: 15000 });
  assert.deepEqual(await violations(page), [], 'error');
  await page.close();
});

test('usable at 320 px and at 200% zoom: nothing overflows sideways, targets are 24 px', async () => {
  for (const [width, zoom] of [[320, 1], [640, 2]]) {
    const page = await browser.newPage({ viewport: { width, height: 800 }, deviceScaleFactor: zoom });
    // 200% zoom of a 1280 px window is a 640 CSS px layout; deviceScaleFactor keeps it crisp.
    await page.goto(`${SHOP}/account?as=cust_ada`);
    await page.locator('cadence-widget').scrollIntoViewIfNeeded(); // it loads when near the viewport
    await page.locator('cadence-widget [data-cadence=subscription]').first().waitFor({ timeout: 15000 });
    const report = await page.evaluate(() => {
      const host = document.querySelector('cadence-widget');
      const root = host.shadowRoot;
      const small = [...root.querySelectorAll('button, input, select, summary, a')]
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => [el.dataset.cadence || el.textContent.trim().slice(0, 20), el.getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24)
        .map(([name, r]) => `${name} ${Math.round(r.width)}×${Math.round(r.height)}`);
      return { overflow: host.scrollWidth - host.clientWidth, page: document.documentElement.scrollWidth - innerWidth, small };
    });
    assert.ok(report.overflow <= 0, `widget overflows by ${report.overflow}px at ${width}px`);
    assert.ok(report.page <= 0, `page scrolls sideways by ${report.page}px at ${width}px`);
    assert.deepEqual(report.small, [], `targets under 24 px at ${width}px`);
    await page.close();
  }
});

test('animations are off under prefers-reduced-motion', async () => {
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.route('**/api/v1/products/**', () => {}); // stay in the loading skeleton
  await page.goto(`${SHOP}/products/CAPS-INTENSO`);
  const skeleton = page.locator('cadence-widget .cad-skeleton').first();
  await skeleton.waitFor({ timeout: 15000 });
  const animation = await skeleton.evaluate((el) => {
    const all = [el, ...el.querySelectorAll('*')].map((e) => getComputedStyle(e).animationName);
    return all.filter((name) => name !== 'none');
  });
  assert.deepEqual(animation, []);
  await page.close();
});

test('the merchant page (charts with their definitions) has no axe violations', async () => {
  const page = await browser.newPage();
  await page.goto(`${SHOP}/merchant`);
  const charts = page.locator('svg.chart');
  await charts.first().waitFor({ timeout: 15000 });
  assert.ok((await charts.count()) >= 3, 'a chart per figure');
  assert.ok((await page.locator('svg.chart title').count()) >= 3, 'charts are named');
  assert.match(await page.textContent('body'), /repurchase/i);
  await page.evaluate(AXE);
  const found = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  }, TAGS);
  assert.deepEqual(found, []);
  await page.close();
});
