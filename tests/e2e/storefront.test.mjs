//! The demo storefront (origin A) embedding the widget from the API's origin (B), as a
//! merchant would: a product page, and an account page with a server-minted token.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOP, launch, openPage } from './harness.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('the storefront product page shows the widget with the subscribe & save offer', async () => {
  const { page, pageErrors } = await openPage(browser);
  await page.goto(`${SHOP}/products/CAPS-INTENSO`);
  const title = page.locator('cadence-widget .cad-title');
  await title.waitFor({ timeout: 15000 });
  assert.equal(await title.textContent(), 'Espresso Intenso capsules');
  assert.match(await page.locator('cadence-widget [data-cadence=price]').textContent(), /€17\.50/);
  assert.match(await page.locator('cadence-widget [data-cadence=subscription-price]').textContent(), /€15\.75/);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("the storefront account page lists the signed-in customer's subscriptions", async () => {
  const { page, pageErrors } = await openPage(browser);
  await page.goto(`${SHOP}/account?as=cust_ada`);
  const item = page.locator('cadence-widget [data-cadence=subscription]').first();
  await item.waitFor({ timeout: 15000 });
  const text = await item.textContent();
  assert.match(text, /Espresso Intenso capsules/);
  assert.match(text, /Every 4 weeks/);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('an account widget with a tampered token asks the shopper to sign in again', async () => {
  const { page, pageErrors, events } = await openPage(browser);
  await page.goto(`${SHOP}/account?as=cust_ada`);
  await page.locator('cadence-widget [data-cadence=subscription]').first().waitFor({ timeout: 15000 });
  // Changing the attribute remounts the widget with the new (forged) token.
  await page.locator('cadence-widget').evaluate((el) => {
    const [h, p] = el.getAttribute('customer-token').split('.');
    el.setAttribute('customer-token', `${h}.${p}.forged-signature`);
  });
  const alert = page.locator('cadence-widget [role=alert]');
  await alert.waitFor({ timeout: 15000 });
  assert.match(await alert.textContent(), /sign in again/);
  assert.ok((await events()).some((e) => e.type === 'cadence:error' && e.detail.code === 'unauthorized'));
  assert.deepEqual(pageErrors, []);
  await page.close();
});
