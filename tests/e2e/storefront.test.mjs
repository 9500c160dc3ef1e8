//! The demo storefront (origin A) embedding the widget from the API's origin (B), as a
//! merchant would: a product page, and an account page with a server-minted token.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SHOP, api, launch, openPage } from './harness.mjs';

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

test('an anonymous shopper picks a plan; the price follows and the shop cart gets the choice', async () => {
  const { page, pageErrors, events } = await openPage(browser);
  await page.goto(`${SHOP}/products/CAPS-INTENSO`);
  const widget = page.locator('cadence-widget');
  await widget.locator('[data-cadence=total]').waitFor({ timeout: 15000 });
  // Nothing is chosen on load (no default enrols anyone); a submit first asks to choose.
  assert.equal(await widget.locator('[data-cadence=plan-once]').isChecked(), false);
  assert.equal(await widget.locator('[data-cadence=plan-subscribe]').isChecked(), false);
  await widget.locator('[data-cadence=purchase-submit]').click();
  await widget.locator('[data-cadence=alert]').filter({ hasText: 'Choose a one-time purchase or a subscription first.' }).waitFor();
  assert.equal((await events()).filter((e) => e.type === 'cadence:add-to-cart').length, 0);
  await widget.locator('[data-cadence=plan-subscribe]').check();
  assert.equal(await widget.locator('[data-cadence=total]').textContent(), '€15.75');
  await widget.locator('[data-cadence=plan-interval]').selectOption({ label: 'Every 2 weeks' });
  await widget.locator('[data-cadence=plan-quantity]').selectOption('2');
  assert.equal(await widget.locator('[data-cadence=total]').textContent(), '€31.50');
  assert.match(await widget.locator('[data-cadence=saving]').textContent(), /€3\.50/);
  const terms = widget.locator('[data-cadence=terms]');
  assert.match(
    await terms.textContent(),
    /^First delivery and charge on .+, then every 2 weeks at €31\.50 per delivery\. It renews until you cancel\. Skip, pause or cancel any time in your account, without a fee\. You may withdraw within 14 days\.$/,
  );
  // As readable as the price: the body text's colour, not a muted grey.
  const colours = await widget.locator('[data-cadence=purchase]').evaluate((form) => {
    const root = form.getRootNode();
    const colour = (sel) => getComputedStyle(root.querySelector(sel)).color;
    return { terms: colour('[data-cadence=terms]'), price: colour('[data-cadence=total]'), muted: colour('.cad-muted') };
  });
  assert.equal(colours.terms, colours.price, JSON.stringify(colours));
  assert.notEqual(colours.terms, colours.muted, JSON.stringify(colours));
  // Keyboard: the one-time option is a real radio button.
  await widget.locator('[data-cadence=plan-once]').focus();
  await page.keyboard.press('Space');
  assert.equal(await widget.locator('[data-cadence=total]').textContent(), '€35.00');
  await widget.locator('[data-cadence=plan-subscribe]').check();
  await widget.locator('[data-cadence=purchase-submit]').click();
  await widget.locator('[data-cadence=announce]').filter({ hasText: 'Added to your cart.' }).waitFor();
  const carts = (await events()).filter((e) => e.type === 'cadence:add-to-cart');
  assert.deepEqual(carts.map((e) => e.detail), [{ sku: 'CAPS-INTENSO', quantity: 2, plan: { count: 2, unit: 'week' } }]);
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('a signed-in shopper subscribes in one step; a double click still makes one subscription', async () => {
  const { page, pageErrors, events } = await openPage(browser);
  await page.goto(`${SHOP}/products/CAPS-LUNGO?as=cust_ada`);
  const widget = page.locator('cadence-widget');
  const submit = widget.locator('[data-cadence=purchase-submit]');
  await submit.waitFor({ timeout: 15000 });
  await widget.locator('[data-cadence=plan-subscribe]').check();
  // A paid order, and said so on the button.
  assert.equal(await submit.textContent(), 'Subscribe – pay per delivery');
  await submit.dblclick();
  await widget.locator('[data-cadence=announce]').filter({ hasText: /Subscribed! Your first delivery is on/ }).waitFor({ timeout: 10000 });
  await page.waitForTimeout(300); // let a second request, if any, land
  const subscribed = (await events()).filter((e) => e.type === 'cadence:subscribed');
  assert.ok(subscribed.length >= 1 && subscribed.every((e) => e.detail.subscriptionId === subscribed[0].detail.subscriptionId));
  const me = await api('cust_ada', 'GET', '/me');
  assert.equal(me.body.subscriptions.filter((s) => s.sku === 'CAPS-LUNGO').length, 1);
  // Survives a reload: the account page lists it.
  await page.goto(`${SHOP}/account?as=cust_ada`);
  await page.locator('cadence-widget [data-cadence=subscription]').nth(1).waitFor({ timeout: 15000 });
  const names = await page.locator('cadence-widget .cad-subscription-name').allTextContents();
  assert.ok(names.includes('Lungo Dolce capsules'), names.join(', '));
  assert.deepEqual(pageErrors, []);
  await page.close();
});
