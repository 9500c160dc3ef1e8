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
