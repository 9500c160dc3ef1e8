//! Recommendations: the reason is shown in words, "due soon" goes into the next delivery
//! and shows up there, impressions and clicks are reported with sendBeacon, and a failing
//! recommendations endpoint leaves the rest of the widget working.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API, SHOP, launch, openPage } from './harness.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('a signed-in customer adds a "due soon" item to the next delivery and sees it there', async () => {
  const { page, pageErrors, events } = await openPage(browser);
  const beacons = [];
  // sendBeacon requests are seen by routing, not by page 'request' listeners.
  await page.route(`${API}/api/v1/events`, (route) => {
    beacons.push(route.request().postData());
    return route.continue();
  });
  await page.goto(`${SHOP}/account?as=cust_ada`);
  const due = page.locator('cadence-widget [data-cadence=recommendation][data-reason=due_soon]').first();
  await due.waitFor({ timeout: 15000 });
  assert.match(await due.textContent(), /needs it around|Due around/);
  const sku = await due.getAttribute('data-sku');
  await due.locator('[data-cadence=reco-action][data-action=add_to_next_delivery]').click();
  await page.locator(`cadence-widget [data-cadence=extra][data-sku="${sku}"]`).first().waitFor({ timeout: 10000 });
  await page.locator('cadence-widget [data-cadence=announce]').filter({ hasText: /Added to your delivery on/ }).waitFor();
  const seen = (await events()).filter((e) => e.type === 'cadence:subscription-changed').map((e) => e.detail.action);
  assert.deepEqual(seen, ['add_once']);
  const reco = (await events()).filter((e) => e.type === 'cadence:recommendation').map((e) => e.detail);
  assert.ok(reco.some((d) => d.kind === 'impression' && d.sku === sku && d.reason === 'due_soon'), JSON.stringify(reco));
  assert.ok(reco.some((d) => d.kind === 'click' && d.sku === sku && d.action === 'add_to_next_delivery'));
  // Impressions and the click go out as beacons (batched, text/plain JSON) at the latest
  // when the page is hidden.
  await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
  const sent = () => beacons.flatMap((b) => JSON.parse(b).events);
  for (let i = 0; i < 50 && !sent().some((e) => e.kind === 'click'); i++) await page.waitForTimeout(100);
  assert.ok(sent().some((e) => e.kind === 'impression' && e.context === 'account'), JSON.stringify(sent()));
  assert.ok(sent().some((e) => e.kind === 'click' && e.sku === sku && e.action === 'add_to_next_delivery'));
  assert.ok(sent().every((e) => e.reason), JSON.stringify(sent()));
  // Survives a reload: the server has it on the next delivery, and the row says so.
  await page.reload();
  await page.locator(`cadence-widget [data-cadence=extra][data-sku="${sku}"]`).first().waitFor({ timeout: 15000 });
  const row = page.locator(`cadence-widget [data-cadence=recommendation][data-sku="${sku}"]`);
  if (await row.count()) await row.locator('[data-cadence=reco-added]').waitFor();
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('anonymous product pages get non-personal reasons only', async () => {
  const { page } = await openPage(browser);
  const beacons = [];
  await page.route(`${API}/api/v1/events`, (route) => {
    beacons.push(route.request().postData());
    return route.continue();
  });
  await page.goto(`${SHOP}/products/BARISTA-ONE`);
  // On a product page the list is a closed disclosure (so nothing below the widget moves
  // when it arrives); it counts as seen once opened, by keyboard here.
  const toggle = page.locator('cadence-widget [data-cadence=recos-toggle]');
  await toggle.waitFor({ timeout: 15000 });
  const items = page.locator('cadence-widget [data-cadence=recommendation]');
  assert.equal(await items.first().isVisible(), false);
  await toggle.focus();
  await page.keyboard.press('Enter');
  await items.first().waitFor();
  await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
  const sent = () => beacons.flatMap((b) => JSON.parse(b).events);
  for (let i = 0; i < 50 && sent().length === 0; i++) await page.waitForTimeout(100);
  assert.equal(sent().filter((e) => e.kind === 'impression').length, await items.count(), JSON.stringify(sent()));
  const reasons = await items.evaluateAll((els) => els.map((e) => e.dataset.reason));
  assert.ok(reasons.length >= 1 && reasons.length <= 6, reasons.join());
  assert.ok(reasons.every((r) => r === 'fits_what_you_own' || r === 'bought_together'), reasons.join());
  // Nobody said they own this machine: the reason names the product shown, not "your".
  const texts = await items.locator('.cad-reco-reason').allTextContents();
  assert.ok(texts.some((t) => /Fits the Barista One/.test(t)), texts.join(' | '));
  assert.ok(texts.every((t) => !/your/i.test(t)), texts.join(' | '));
  await page.close();
});

test('when the recommendations endpoint fails, the plan and the controls still work', async () => {
  const { page, pageErrors } = await openPage(browser);
  await page.route('**/api/v1/recommendations**', (route) => route.fulfill({ status: 500, body: 'boom' }));
  await page.goto(`${SHOP}/account?as=cust_ada`);
  const card = page.locator('cadence-widget [data-cadence=subscription]').first();
  await card.waitFor({ timeout: 15000 });
  await page.waitForTimeout(500);
  assert.equal(await page.locator('cadence-widget [data-cadence=recommendations]').count(), 0);
  await card.locator('[data-cadence=quantity-up]').click();
  await card.locator('[data-cadence=announce]').filter({ hasText: /Quantity changed/ }).waitFor({ timeout: 10000 });
  await card.locator('[data-cadence=quantity-down]').click();
  await card.locator('[data-cadence=announce]').filter({ hasText: /Quantity changed/ }).waitFor({ timeout: 10000 });
  assert.deepEqual(pageErrors, []);
  await page.close();
});
